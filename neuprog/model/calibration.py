"""Confidence calibration: a small logistic model over signals of each prediction, fitted on held-out questions.

The raw confidence (the probability of the decoded program) says how sure the
controller is, not how often such answers are right: it is near 1 for many
systematic mistakes. The calibrated confidence adds what a reader of the program
would check (which op answers, what kind of question it is, whether the program
leans on row order the question never mentions, whether the answer merely repeats
a phrase of the question) and is fitted to the verdicts on training questions
held out from training. Without a fit it equals the raw confidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from neuprog.lang.cues import ORDER
from neuprog.lang.registry import Registry
from neuprog.lang.tree import Program
from neuprog.tables.question import QUESTION_KINDS, Question, question_kind, speaks_of_order
from neuprog.tables.text import normalize


def signal_names(registry: Registry) -> list[str]:
    """The name of each signal, in the order `signals` gives them (answer ops come from the registry)."""
    answering = [op.name for op in registry if op.answers]
    kinds = [*QUESTION_KINDS, "other"]
    return (
        ["log-odds of the raw confidence"]
        + [f"answered by {name}" for name in answering]
        + [f"question kind: {kind}" for kind in kinds]
        + [
            "row order used, none named",
            "most common value used",
            "answer repeats a question phrase",
            "answer cells (up to 5) / 5",
            "no constant in the question",
        ]
    )


def signals(registry: Registry, question: Question, program: Program, texts: Sequence[str], confidence: float) -> list[float]:
    """What the calibration reads of one prediction: the raw confidence and facts about the program and the question.

    >>> from neuprog.lang.ops import BUILTINS
    >>> from neuprog.lang.parse import parse
    >>> from neuprog.tables.table import Table
    >>> table = Table.from_rows(["City"], [["Oslo"], ["Rome"]])
    >>> question = Question.read("how many cities?", table)
    >>> values = signals(BUILTINS, question, parse("s1 = ALL_ROWS; s2 = SELECT COUNT(*) FROM s1"), ["2"], 0.5)
    >>> len(values) == len(signal_names(BUILTINS)), values[0]
    (True, 0.0)
    """
    answering = [op.name for op in registry if op.answers]
    last = program.steps[-1].op
    kind = question_kind(question.text)
    used = {step.op for step in program.steps}
    phrases = {constant.text for constant in question.constants if constant.kind == "text"}
    clipped = min(max(confidence, 1e-6), 1 - 1e-6)
    return (
        [math.log(clipped / (1 - clipped))]
        + [float(last == name) for name in answering]
        + [float(kind == k) for k in [*QUESTION_KINDS, "other"]]
        + [
            float(not speaks_of_order(question) and any(registry[name].cues == ORDER for name in used)),  # ops that declare row order as their cue
            float("most_common" in used),
            float(any(normalize(text) in phrases for text in texts)),
            min(len(texts), 5) / 5,
            float(not question.constants),
        ]
    )


def identity(size: int) -> torch.Tensor:
    """Weights that leave the raw confidence unchanged: 1 on its log-odds, 0 elsewhere, bias last.

    >>> identity(3).tolist()
    [1.0, 0.0, 0.0, 0.0]
    """
    weights = torch.zeros(size + 1, device="cpu")  # a buffer, moved with the model
    weights[0] = 1.0
    return weights


def calibrated(weights: torch.Tensor, values: Sequence[float]) -> float:
    """The calibrated confidence of one prediction's signals.

    >>> round(calibrated(identity(3), [math.log(0.8 / 0.2), 1.0, 0.0]), 6)
    0.8
    """
    x = torch.tensor([*values, 1.0], dtype=torch.float64, device=weights.device)  # (F + 1,)
    return float(torch.sigmoid(x @ weights.double()))


def fit(rows: Sequence[Sequence[float]], correct: Sequence[bool], l2: float = 0.01) -> torch.Tensor:
    """Logistic-regression weights (bias last) from signal rows and their verdicts, with a small L2 penalty.

    >>> weights = fit([[2.0], [2.0], [-2.0], [-2.0]], [True, True, False, False])
    >>> calibrated(weights, [2.0]) > 0.8 > 0.2 > calibrated(weights, [-2.0])
    True
    """
    # A few hundred rows: fitted on the CPU whatever device the model is on.
    x = torch.tensor([[*row, 1.0] for row in rows], dtype=torch.float64, device="cpu")  # (N, F + 1)
    y = torch.tensor([float(c) for c in correct], dtype=torch.float64, device="cpu")  # (N,)
    weights = identity(x.shape[1] - 1).double().requires_grad_(True)
    optimizer = torch.optim.LBFGS([weights], max_iter=500, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ weights, y) + l2 * (weights[:-1] ** 2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return weights.detach().float()
