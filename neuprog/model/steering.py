"""How a controller that feeds its history the choices it made makes them: greedily, by sampling, or by following given programs."""

from __future__ import annotations

import torch

from neuprog.lang.choices import Picks


def proposal(distribution: torch.Tensor, explore: float) -> torch.Tensor:
    """(N, X) distributions mixed with a share ``explore`` of the uniform distribution over their allowed (non-zero) choices."""
    flat = distribution.detach()
    allowed = (flat > 0).float()
    return (1 - explore) * flat + explore * allowed / allowed.sum(1, keepdim=True)


class Steering:
    """Picks each step's op, then that op's column and constant, and keeps what it picked.

    Every row of the controller's batch is one program of question ``rows[i]``.
    By default each question gets one row and the argmax choices (greedy
    decoding). ``samples`` gives each question that many rows, the first greedy,
    the others drawn with a share ``explore`` of the uniform distribution mixed in.
    ``follow`` (``Picks`` of shape (P, 1, T)) makes row i take program i's
    choices, for question ``questions[i]``, so the controller scores given programs.

    >>> steer = Steering(samples=3)
    >>> steer.rows(2).tolist()
    [0, 0, 0, 1, 1, 1]
    >>> op, column, constant = steer(0, torch.tensor([[0.9, 0.1]] * 6), torch.ones(6, 2, 1), torch.ones(6, 2, 1))
    >>> op[::3].tolist()
    [0, 0]
    """

    def __init__(self, samples: int = 1, explore: float = 0.0, follow: Picks | None = None, questions: torch.Tensor | None = None) -> None:
        self.samples, self.explore = samples, explore
        self.follow, self.questions = follow, questions
        self.made: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []  # per step: (N,) op, column, constant

    def rows(self, questions: int) -> torch.Tensor:
        """(N,) the question each row of the controller's batch belongs to."""
        if self.follow is not None:
            return self.questions
        return torch.arange(questions).repeat_interleave(self.samples)

    def __call__(self, t: int, op_p: torch.Tensor, column_p: torch.Tensor, constant_p: torch.Tensor):
        """Step ``t``'s (N,) op, column and constant from (N, O), (N, O, C) and (N, O, K) distributions."""
        if self.follow is not None:
            picked = self.follow.ops[:, 0, t], self.follow.columns[:, 0, t], self.follow.constants[:, 0, t]
        else:
            row = torch.arange(len(op_p), device=op_p.device)
            op = self._draw(op_p)
            picked = op, self._draw(column_p[row, op]), self._draw(constant_p[row, op])
        self.made.append(picked)
        return picked

    def _draw(self, distribution: torch.Tensor) -> torch.Tensor:
        """(N, X) -> (N,): the argmax for the first row of each question, a draw with exploration for the others."""
        best = distribution.argmax(1)
        if self.samples == 1:
            return best
        drawn = torch.multinomial(proposal(distribution, self.explore), 1).squeeze(1)
        first = torch.arange(len(distribution), device=distribution.device) % self.samples == 0
        return torch.where(first, best, drawn)

    def picks(self) -> Picks:
        """What was picked, as `Picks` (B, S, T) with S = ``samples`` (or (P, 1, T) when following)."""
        ops, columns, constants = (torch.stack(part, 1).reshape(-1, self.samples, len(self.made)) for part in zip(*self.made))
        return Picks(ops, columns, constants)
