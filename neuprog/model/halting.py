"""Adaptive computation time over program steps (Graves 2016): halting units to the probability of ending at each step."""

from __future__ import annotations

import math

import torch

EPSILON = 0.01
"""Graves' epsilon: a program halts at the first step where the halting units reach 1 - epsilon, so one step can halt it."""


def initial_bias(steps: int) -> float:
    """The halting unit's bias that makes the halting distribution start uniform over ``steps`` steps (units of 1/T).

    >>> round(torch.sigmoid(torch.tensor(initial_bias(4))).item(), 4)
    0.25
    """
    return -math.log(max(steps - 1, 1))


def halting_distribution(units: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T) halting units in (0, 1) -> (B, T) probability of ending at each step, and the (B,) ponder cost.

    N is the first step where the units summed so far reach 1 - `EPSILON` (the
    last step when they never do: a program that has not halted ends there).
    Steps before N end the program with their unit's probability, step N with
    the remainder R = 1 - (units before N), later steps never. The ponder cost is
    N + R; only R carries a gradient, which pushes halting earlier.

    >>> p, ponder = halting_distribution(torch.tensor([[0.3, 0.5, 0.9, 0.2], [0.1, 0.1, 0.1, 0.5]]))
    >>> [[round(x, 2) for x in row] for row in p.tolist()], [round(x, 2) for x in ponder.tolist()]
    ([[0.3, 0.5, 0.2, 0.0], [0.1, 0.1, 0.1, 0.7]], [3.2, 4.7])
    """
    T = units.shape[1]
    steps = torch.arange(T, device=units.device)  # (T,)
    halted = units.cumsum(1) >= 1 - EPSILON  # (B, T)
    halted[:, -1] = True
    last = halted.int().argmax(1)  # (B,) N - 1, the step a program ends at by then
    before = steps.unsqueeze(0) < last.unsqueeze(1)  # (B, T)
    remainder = 1 - (units * before).sum(1)  # (B,)
    at_last = steps.unsqueeze(0) == last.unsqueeze(1)  # (B, T)
    probabilities = units * before + remainder.unsqueeze(1) * at_last  # (B, T)
    return probabilities, (last + 1).to(units.dtype) + remainder
