"""Spurious-program probes: order-free questions on shuffled rows, and "A or B" questions with the options swapped.

A program that is right for the right reason keeps its answer when the table's rows
are shuffled (if the question names no order) and when the two options of an "A or B"
question trade places; a program right only by accident of row order or option
position does not. Both probes use the gold answers alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from neuprog.model.features import Sample, make_sample, with_rows_shuffled
from neuprog.tables.question import speaks_of_order
from neuprog.wtq.evaluate import evaluate


def options(sample: Sample) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The token spans of the two options of an "A or B" question: two question phrases joined by "or".

    >>> from neuprog.tables.table import Table
    >>> table = Table.from_rows(["Nation", "Gold"], [["Kenya", "3"], ["Ethiopia", "5"]])
    >>> options(make_sample("q", "which won more gold, kenya or ethiopia?", table))
    ((4, 5), (6, 7))
    """
    question = sample.question
    spans = sorted(span for span, constant in zip(question.spans, question.constants) if constant.kind == "text")
    for first, second in itertools.pairwise(spans):
        between = question.tokens[first[1] : second[0]]
        if between in (["or"], ["or", "the"]):
            return first, second
    return None


def swap_options(sample: Sample) -> Sample:
    """The same question with its two options traded ("A or B" becomes "B or A"), read again against its table.

    >>> from neuprog.tables.table import Table
    >>> table = Table.from_rows(["Nation", "Gold"], [["Kenya", "3"], ["Ethiopia", "5"]])
    >>> swap_options(make_sample("q", "which won more gold, kenya or ethiopia?", table, ["Ethiopia"])).question.text
    'which won more gold ethiopia or kenya'
    """
    (a, b), (c, d) = options(sample)
    tokens = sample.question.tokens
    text = " ".join(tokens[:a] + tokens[c:d] + tokens[b:c] + tokens[a:b] + tokens[d:])
    return make_sample(sample.id, text, sample.table, sample.answers, max(12, len(sample.question.constants)), sample.canon)


def probe(model, samples: Sequence[Sample], correct: Sequence[bool], collate: Callable, batch_size: int = 128, seed: int = 0) -> dict:
    """Plain accuracy beside probed accuracy, for order-free questions (rows shuffled) and "A or B" questions (options swapped).

    ``correct`` is the plain verdict of each sample, in order. Shuffles are seeded, so a
    report is repeatable.
    """
    generator = np.random.default_rng(seed)
    report = {}
    order_free = [i for i, s in enumerate(samples) if not speaks_of_order(s.question)]
    shuffled = [with_rows_shuffled(samples[i], generator) for i in order_free]
    report["order-free, rows shuffled"] = _pair(order_free, correct, evaluate(model, shuffled, collate, batch_size) if shuffled else None)
    either = [i for i, s in enumerate(samples) if options(s) is not None]
    swapped = [swap_options(samples[i]) for i in either]
    report["A or B, options swapped"] = _pair(either, correct, evaluate(model, swapped, collate, batch_size) if swapped else None)
    return report


def _pair(chosen: list[int], correct: Sequence[bool], probed: dict | None) -> dict:
    plain = sum(correct[i] for i in chosen)
    n = len(chosen)
    return {
        "questions": n,
        "plain": plain,
        "probed": probed["correct"] if probed else 0,
        "plain_accuracy": round(plain / n, 4) if n else 0.0,
        "probed_accuracy": round(probed["correct"] / n, 4) if probed and n else 0.0,
    }


def markdown(report: dict) -> str:
    """The probes as one markdown table."""
    lines = ["", "| probe | questions | plain | probed |", "|---|---:|---:|---:|"]
    for name, row in report.items():
        lines.append(f"| {name} | {row['questions']} | {100 * row['plain_accuracy']:.1f}% | {100 * row['probed_accuracy']:.1f}% |")
    return "\n".join(lines)
