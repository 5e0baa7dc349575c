"""The controller's choices: per-step distributions (`Choices`) and programs picked from them as indices (`Picks`).

Shapes use B questions, S programs per question, T steps, O ops, C columns,
K question constants, A memory reads a step may make (`Registry.read_arity`)
and M memory slots (M = T: the values before any step, then after each step
but the last).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import torch

from neuprog.lang.registry import Registry
from neuprog.lang.values import Column
from neuprog.tables.constant import Constant


def uses(registry: Registry, value_type: type, device: torch.device | str = "cpu") -> torch.Tensor:
    """(O,) bool: which ops take an argument of ``value_type``."""
    return torch.tensor([op.uses(value_type) for op in registry], device=device)


def answering(registry: Registry, device: torch.device | str = "cpu") -> torch.Tensor:
    """(O,) bool: which ops return a value a program may end with."""
    return torch.tensor([op.answers for op in registry], device=device)


def read_counts(registry: Registry, device: torch.device | str = "cpu") -> torch.Tensor:
    """(O,) how many arguments each op reads from earlier steps."""
    return torch.tensor([len(op.step_params) for op in registry], device=device)


@dataclass
class Picks:
    """S programs per question as indices: what search samples, what decoding reads."""

    ops: torch.Tensor  # (B, S, T)
    columns: torch.Tensor  # (B, S, T) the column of each step's op
    constants: torch.Tensor  # (B, S, T) the constant of each step's op
    reads: torch.Tensor | None = None  # (B, S, T, A) the memory slot each step argument reads; None: the stack rule
    stops: torch.Tensor | None = None  # (B, S) the step each program ends at; None: the last step

    def parts(self) -> list[torch.Tensor]:
        """The index tensors this program form has, in field order (reads and stops only when present)."""
        return [getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None]

    def with_parts(self, parts: list[torch.Tensor]) -> Picks:
        """The same form with its present parts replaced by ``parts``, in the order `parts` gives them."""
        present = [f.name for f in fields(self) if getattr(self, f.name) is not None]
        return replace(self, **dict(zip(present, parts)))

    def one_hot(self, registry: Registry, columns: int, constants: int) -> Choices:
        """The programs as one-hot `Choices` over ``columns`` columns and ``constants`` constants, each question's S programs side by side: (B * S, T, ...).

        Every op of a step is given the step's column and constant, so hard execution runs exactly these programs.
        """
        B, S, T = self.ops.shape
        O = len(registry)
        hot = lambda index, size: torch.nn.functional.one_hot(index.reshape((B * S,) + index.shape[2:]), size).float()
        every_op = lambda chosen: chosen.unsqueeze(2).expand(-1, -1, O, *chosen.shape[2:])  # (B * S, T, ...) -> (B * S, T, O, ...)
        choices = Choices(hot(self.ops, O), every_op(hot(self.columns, columns)), every_op(hot(self.constants, constants)))
        if self.reads is not None:
            choices.reads = every_op(hot(self.reads, T))  # (B * S, T, O, A, M)
        if self.stops is not None:
            choices.halting = hot(self.stops, T)  # (B * S, T)
        return choices

    def ends(self) -> torch.Tensor:
        """(B, S) the step each program ends at."""
        if self.stops is not None:
            return self.stops
        return torch.full(self.ops.shape[:2], self.ops.shape[2] - 1, dtype=torch.long, device=self.ops.device)

    def signature(self, registry: Registry) -> torch.Tensor:
        """(B, S, X) what tells two programs apart: the choices their steps use, up to the step they end at."""
        device = self.ops.device
        steps = [self.ops, self.columns * uses(registry, Column, device)[self.ops], self.constants * uses(registry, Constant, device)[self.ops]]
        reads = None
        if self.reads is not None:
            A = self.reads.shape[3]
            read = torch.arange(A, device=device) < read_counts(registry, device)[self.ops].unsqueeze(3)  # (B, S, T, A)
            reads = self.reads * read
        if self.stops is None:
            return torch.cat(steps + ([reads.flatten(2)] if reads is not None else []), 2)
        live = torch.arange(self.ops.shape[2], device=device) <= self.stops.unsqueeze(2)  # (B, S, T)
        steps = [torch.where(live, part, -1) for part in steps]
        if reads is not None:
            steps.append(torch.where(live.unsqueeze(3), reads, -1).flatten(2))
        return torch.cat(steps + [self.stops.unsqueeze(2)], 2)


@dataclass
class Choices:
    """The controller's distributions for T steps; each op has its own column, constant and memory-read distributions."""

    ops: torch.Tensor  # (B, T, O)
    columns: torch.Tensor  # (B, T, O, C) column distribution of each op
    constants: torch.Tensor  # (B, T, O, K) constant distribution of each op
    halting: torch.Tensor | None = None  # (B, T) probability that the program ends at each step; None: at the last
    reads: torch.Tensor | None = None  # (B, T, O, A, M) each op's read weights over memory slots; None: the stack rule
    ponder: torch.Tensor | None = None  # (B,) adaptive computation time's ponder cost N + R, with ``halting``

    def _of(self, distribution: torch.Tensor, ops: torch.Tensor) -> torch.Tensor:
        """(B, T, O, ...) per-op distributions at the ops ``ops`` (B, S, T): (B, S, T, ...)."""
        B, _, T = ops.shape
        batch = torch.arange(B, device=ops.device).reshape(B, 1, 1)
        step = torch.arange(T, device=ops.device).reshape(1, 1, T)
        return distribution[batch, step, ops]

    def given(self, ops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Column and constant distributions of the ops ``ops`` (B, S, T): (B, S, T, C) and (B, S, T, K)."""
        return self._of(self.columns, ops), self._of(self.constants, ops)

    def reads_given(self, ops: torch.Tensor) -> torch.Tensor:
        """Memory-read distributions of the ops ``ops`` (B, S, T): (B, S, T, A, M)."""
        return self._of(self.reads, ops)

    def log_prob(self, registry: Registry, picks: Picks) -> torch.Tensor:
        """(B, S) log-probability of each program.

        A step's probability is that of its op, times that of its column and its
        constant when the op takes one, and of the slot each argument it reads
        from earlier steps; a program that ends early counts its steps up to the
        end and the probability of halting there.
        """
        ops = picks.ops
        column_p, constant_p = self.given(ops)  # (B, S, T, C), (B, S, T, K)
        op_p = self.ops.unsqueeze(1).expand(-1, ops.shape[1], -1, -1)  # (B, S, T, O)
        log = lambda d, index: d.gather(-1, index.unsqueeze(-1)).squeeze(-1).clamp(min=1e-12).log()
        takes = lambda value_type: uses(registry, value_type, ops.device)[ops]
        steps = log(op_p, ops) + takes(Column) * log(column_p, picks.columns) + takes(Constant) * log(constant_p, picks.constants)  # (B, S, T)
        if self.reads is not None:
            A = picks.reads.shape[3]
            read = torch.arange(A, device=ops.device) < read_counts(registry, ops.device)[ops].unsqueeze(3)  # (B, S, T, A)
            steps = steps + (read * log(self.reads_given(ops), picks.reads)).sum(3)
        if self.halting is None:
            return steps.sum(2)
        live = torch.arange(ops.shape[2], device=ops.device) <= picks.stops.unsqueeze(2)  # (B, S, T)
        return (steps * live).sum(2) + log(self.halting.unsqueeze(1).expand(-1, ops.shape[1], -1), picks.stops)

    def stops(self, registry: Registry) -> torch.Tensor:
        """(B,) the step each decoded program ends at: the most probable halting step whose argmax op answers.

        Without halting it is the last step. A step whose argmax op cannot answer
        (a filter, say) cannot end a program, so it is passed over.
        """
        B, T, _ = self.ops.shape
        if self.halting is None:
            return torch.full((B,), T - 1, dtype=torch.long, device=self.ops.device)
        can_end = answering(registry, self.ops.device)[self.ops.argmax(-1)]  # (B, T)
        return self.halting.masked_fill(~can_end, -1.0).argmax(1)

    def chosen(self, registry: Registry) -> Picks:
        """The argmax program of each question, as `Picks` with S = 1: the argmax op of every step, its argmax column, constant and reads, and where it stops."""
        ops = self.ops.argmax(-1).unsqueeze(1)  # (B, 1, T)
        columns, constants = self.given(ops)  # (B, 1, T, C), (B, 1, T, K)
        reads = self.reads_given(ops).argmax(-1) if self.reads is not None else None  # (B, 1, T, A)
        stops = self.stops(registry).unsqueeze(1) if self.halting is not None else None  # (B, 1)
        return Picks(ops, columns.argmax(-1), constants.argmax(-1), reads, stops)

    def ranked(self, registry: Registry, count: int, per_step: int = 6) -> Picks:
        """About the ``count`` most probable programs of each question, most probable first, as `Picks` with S = ``count``.

        A beam over the steps: each step offers its ``per_step`` most probable
        choices of an op with one of its two likeliest columns and constants
        (both only when the op takes them); a program reads the argmax slots of
        its ops and stops at the most probable halting step whose op answers.
        Programs the controller rules out (an op it masks) come last with
        log-probability -inf, so ``count`` may exceed what is possible.
        """
        B, T, O = self.ops.shape
        device = self.ops.device
        columns, constants = self.columns.topk(min(2, self.columns.shape[-1]), -1), self.constants.topk(min(2, self.constants.shape[-1]), -1)
        I, J = columns.values.shape[-1], constants.values.shape[-1]
        log = lambda d: d.clamp(min=1e-30).log().masked_fill(d <= 0, -torch.inf)
        one = lambda n: torch.arange(n, device=device) == 0  # only the first of choices an op does not take is a program
        takes_column, takes_constant = uses(registry, Column, device), uses(registry, Constant, device)  # (O,)
        column_score = torch.where(takes_column.reshape(1, 1, O, 1), log(columns.values), torch.where(one(I), 0.0, -torch.inf))  # (B, T, O, I)
        constant_score = torch.where(takes_constant.reshape(1, 1, O, 1), log(constants.values), torch.where(one(J), 0.0, -torch.inf))  # (B, T, O, J)
        step_score = (log(self.ops)[..., None, None] + column_score[..., :, None] + constant_score[..., None, :]).reshape(B, T, -1)  # (B, T, O*I*J)
        step_best = step_score.topk(min(per_step, step_score.shape[-1]), -1)  # (B, T, m)
        totals = torch.zeros(B, 1, device=device)  # (B, S') beam scores
        trail = torch.zeros(B, 1, 0, dtype=torch.long, device=device)  # (B, S', t) index into each step's m choices
        for t in range(T):
            grown = (totals.unsqueeze(2) + step_best.values[:, t].unsqueeze(1)).reshape(B, -1)  # (B, S' * m)
            kept = grown.topk(min(count, grown.shape[1]), 1)
            m = step_best.values.shape[-1]
            trail = torch.cat([trail.gather(1, (kept.indices // m).unsqueeze(2).expand(-1, -1, t)), (kept.indices % m).unsqueeze(2)], 2)
            totals = kept.values
        flat = step_best.indices.unsqueeze(1).expand(-1, trail.shape[1], -1, -1).gather(3, trail.unsqueeze(3)).squeeze(3)  # (B, S, T)
        ops, rest = flat // (I * J), flat % (I * J)
        column_ids = self._of(columns.indices, ops).gather(3, (rest // J).unsqueeze(3)).squeeze(3)  # (B, S, T)
        constant_ids = self._of(constants.indices, ops).gather(3, (rest % J).unsqueeze(3)).squeeze(3)  # (B, S, T)
        picks = Picks(ops, column_ids, constant_ids)
        if self.reads is not None:
            picks.reads = self.reads_given(ops).argmax(-1)  # (B, S, T, A)
        if self.halting is not None:
            can_end = answering(registry, device)[ops]  # (B, S, T)
            picks.stops = self.halting.unsqueeze(1).masked_fill(~can_end, -1.0).argmax(2)  # (B, S)
        return picks

    def argmax(self, registry: Registry) -> Choices:
        """One-hot choices at the most probable op, column, constant and reads of every step, halting where `stops` says."""
        hot = lambda d: torch.nn.functional.one_hot(d.argmax(-1), d.shape[-1]).to(d.dtype)
        halting = None
        if self.halting is not None:
            halting = torch.nn.functional.one_hot(self.stops(registry), self.halting.shape[1]).to(self.halting.dtype)
        return Choices(hot(self.ops), hot(self.columns), hot(self.constants), halting, hot(self.reads) if self.reads is not None else None)
