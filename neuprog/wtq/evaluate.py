"""Accuracy of a model's decoded programs under the official answer-matching rule."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from neuprog.errors import UsageError
from neuprog.model.ask import MIN_GROUNDED
from neuprog.tables.question import grounding, question_kind
from neuprog.tables.scoring import answer_is_correct
from neuprog.wtq.oracle import answer_type


def evaluate(model, samples: Sequence, collate: Callable, batch_size: int = 64, typed_gold: bool = True) -> dict:
    """Score every sample: a question without a prediction counts as wrong, never dropped.

    Gold items are typed by each sample's canonical forms; ``typed_gold=False`` types them
    from their raw text instead (stricter: "12,467" is then a string, not a number).

    Returns accuracy, counts and the per-question predictions in sample order.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise UsageError(f"batch_size must be a whole number above 0, not {batch_size!r}")
    predictions = []
    for start in range(0, len(samples), batch_size):
        chunk = samples[start : start + batch_size]
        predictions.extend(model.predict(collate(chunk)))
    correct = [bool(p.texts) and answer_is_correct(p.texts, s.answers, s.canon if typed_gold else None) for p, s in zip(predictions, samples)]
    total = len(samples)
    return {"accuracy": sum(correct) / total if total else 0.0, "correct": sum(correct), "total": total, "predictions": predictions, "is_correct": correct}


def breakdown(samples: Sequence, result: dict, buckets: int = 5) -> dict:
    """Accuracy by answer type, by question kind, per confidence bucket (calibration), by what answered and by grounding.

    "by decoding" tells the decoded programs from the fallbacks run because the
    decoded one gave no answer; "by grounding" tells the questions ``ask`` answers
    from those it abstains on by default (they name nothing in the table).
    """

    def tally(key_of) -> dict:
        groups: dict[str, list[bool]] = {}
        for sample, prediction, right in zip(samples, result["predictions"], result["is_correct"]):
            groups.setdefault(key_of(sample, prediction), []).append(right)
        return {k: {"questions": len(v), "correct": sum(v), "accuracy": round(sum(v) / len(v), 4)} for k, v in sorted(groups.items())}

    def bucket(_, prediction) -> str:
        low = min(int(prediction.confidence * buckets), buckets - 1) / buckets
        return f"{low:.1f}-{low + 1 / buckets:.1f}"

    def predicted(_, prediction) -> str:
        if prediction.answer is None:
            return "no answer (program failed)"
        if isinstance(prediction.answer, bool):
            return "yes or no"
        return "cells" if prediction.texts and not isinstance(prediction.answer, float) else "number"

    return {
        "by_answer_type": tally(lambda s, _: answer_type(s.answers)),
        "by_question_kind": tally(lambda s, _: question_kind(s.question.text)),
        "by_confidence": tally(bucket),
        "by_predicted_kind": tally(predicted),
        "by_decoding": tally(lambda _, p: "fallback program" if p.fallback else "decoded program"),
        "by_grounding": tally(
            lambda s, _: "names nothing (ask abstains)" if len(grounding(s.question, s.table).grounded) < MIN_GROUNDED else "names something"
        ),
    }


def markdown(report: dict) -> str:
    """The breakdown as markdown tables."""
    lines = []
    for title, groups in report.items():
        lines += ["", f"| {title.replace('_', ' ')} | questions | correct | accuracy |", "|---|---:|---:|---:|"]
        lines += [f"| {k} | {v['questions']} | {v['correct']} | {100 * v['accuracy']:.1f}% |" for k, v in groups.items()]
    return "\n".join(lines)
