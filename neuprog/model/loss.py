"""The answer-only objective: scalar and lookup losses, combined over the last step's answer ops."""

from __future__ import annotations

import torch

from neuprog.lang.registry import Registry
from neuprog.lang.soft import Execution
from neuprog.lang.values import Cells, Scalar, Truth
from neuprog.model.features import Batch

UNREACHABLE = 30.0
"""Loss of an op whose answer type cannot produce the gold answer; the same for all, so it carries no gradient alone."""
_EPS = 1e-6


def scalar_loss(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Huber loss of the error measured in units that grow with the answer: (B,).

    The unit is 0.25 + 2% of |target|, so an off-by-one count is costly while a
    sum in the thousands is not judged on absolute error; nothing is capped, so
    no numeric answer is silently dropped.
    """
    unit = 0.25 + 0.02 * target.abs()
    return torch.nn.functional.huber_loss(predicted / unit, target / unit, reduction="none", delta=1.0)


def cells_loss(probabilities: torch.Tensor, targets: torch.Tensor, items: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Lookup loss: each gold value on its best-predicted matching cell, plus every other cell chosen: (B,).

    probabilities (B, R, C); targets (B, N, R, C) cells matching gold value n; items (B, N); real (B, R, C).
    """
    p = probabilities.clamp(_EPS, 1 - _EPS)
    best = torch.where(targets, p.unsqueeze(1), torch.zeros_like(p).unsqueeze(1)).amax(dim=(2, 3)).clamp(min=_EPS)  # (B, N)
    positive = -(best.log() * items).sum(1)  # (B,)
    wrong = real * ~targets.any(dim=1)  # (B, R, C)
    negative = -((1 - p).log() * wrong).sum(dim=(1, 2))  # (B,)
    return positive + negative


def truth_loss(probability: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Yes-or-no loss: -log of the probability given to the gold answer, (B,) from the soft probability of yes and the 0/1 target."""
    p = probability.clamp(_EPS, 1 - _EPS)
    return -(target * p.log() + (1 - target) * (1 - p).log())


def answerable_questions(batch: Batch, registry: Registry) -> torch.Tensor:
    """(B,) bool: questions whose gold answer is a number or cells of the table, or yes or no when some op of ``registry`` answers that way.

    A model without such an op leaves yes-or-no questions out of its loss, as before the op existed.
    """
    answerable = batch.has_scalar | batch.has_cells
    return answerable | batch.has_truth if any(op.returns is Truth for op in registry) else answerable


def answer_loss(execution: Execution, batch: Batch, registry: Registry, scalar_weight: float = 1.0) -> torch.Tensor:
    """Mean over answerable questions of -log sum_(t, o) p(end at t) p_t(o) exp(-loss_t,o) over the answer ops of each step a program may end at.

    Without halting every program ends at the last step, with probability 1.
    """
    terms = []
    for step, answers in execution.answers.items():
        for index, op in enumerate(registry):
            result = answers.get(op.name)
            if result is None:
                continue
            if op.returns is Scalar:
                loss = torch.where(batch.has_scalar, scalar_weight * scalar_loss(result, batch.scalar_target), torch.full_like(result, UNREACHABLE))
            elif op.returns is Cells:
                raw = cells_loss(result, batch.cell_targets, batch.item_mask, batch.tables.cells)
                loss = torch.where(batch.has_cells, raw, torch.full_like(raw, UNREACHABLE))
            elif op.returns is Truth:
                loss = torch.where(batch.has_truth, truth_loss(result, batch.truth_target), torch.full_like(result, UNREACHABLE))
            else:
                continue
            term = execution.ops[:, step, index].clamp(min=1e-12).log() - loss
            if execution.halting is not None:
                term = term + execution.halting[:, step].clamp(min=1e-12).log()
            terms.append(term)
    per_question = -torch.logsumexp(torch.stack(terms, 1), dim=1)  # (B,)
    answerable = answerable_questions(batch, registry)  # (B,)
    if not answerable.any():
        return per_question.sum() * 0.0
    return per_question[answerable].mean()
