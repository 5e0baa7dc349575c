"""Soft execution: every op runs at every step and the results are mixed by the controller's choices."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from neuprog.lang.batch import TableBatch
from neuprog.lang.registry import Registry
from neuprog.lang.tree import ColumnRef, Program, Step, StepRef, TextLiteral
from neuprog.lang.values import STACKED_TYPES, TYPES, Column, RowMask
from neuprog.tables.constant import Constant


@dataclass
class Choices:
    """The controller's distributions for T steps; each op has its own column and constant distribution."""

    ops: torch.Tensor  # (B, T, O)
    columns: torch.Tensor  # (B, T, O, C) column distribution of each op
    constants: torch.Tensor  # (B, T, O, K) constant distribution of each op

    def given(self, ops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Column and constant distributions of the ops ``ops`` (B, S, T): (B, S, T, C) and (B, S, T, K)."""
        picked = []
        for distribution in (self.columns, self.constants):
            B, T, O, X = distribution.shape
            expanded = distribution.unsqueeze(1).expand(B, ops.shape[1], T, O, X)  # (B, S, T, O, X)
            index = ops.unsqueeze(-1).unsqueeze(-1).expand(-1, -1, -1, 1, X)  # (B, S, T, 1, X)
            picked.append(expanded.gather(3, index).squeeze(3))
        return picked[0], picked[1]

    def log_prob(self, registry: Registry, ops: torch.Tensor, columns: torch.Tensor, constants: torch.Tensor) -> torch.Tensor:
        """(B, S, T) log-probability of each step of the programs given as (B, S, T) indices.

        A step's probability is that of its op, times that of its column and
        its constant when the op takes one.
        """
        column_p, constant_p = self.given(ops)  # (B, S, T, C), (B, S, T, K)
        op_p = self.ops.unsqueeze(1).expand(-1, ops.shape[1], -1, -1)  # (B, S, T, O)
        log = lambda d, index: d.gather(3, index.unsqueeze(3)).squeeze(3).clamp(min=1e-12).log()
        takes = lambda value_type: uses(registry, value_type, ops.device)[ops]
        return log(op_p, ops) + takes(Column) * log(column_p, columns) + takes(Constant) * log(constant_p, constants)

    def chosen(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Argmax op of every step and the argmax column and constant of that op: three (B, T) index tensors."""
        ops = self.ops.argmax(-1)  # (B, T)
        columns, constants = self.given(ops.unsqueeze(1))  # (B, 1, T, C), (B, 1, T, K)
        return ops, columns.argmax(-1).squeeze(1), constants.argmax(-1).squeeze(1)

    def argmax(self) -> Choices:
        """One-hot choices at the most probable op, column and constant of every step."""
        return Choices(*(torch.nn.functional.one_hot(d.argmax(-1), d.shape[-1]).to(d.dtype) for d in (self.ops, self.columns, self.constants)))


def uses(registry: Registry, value_type: type, device: torch.device | str = "cpu") -> torch.Tensor:
    """(O,) bool: which ops take an argument of ``value_type``."""
    return torch.tensor([op.uses(value_type) for op in registry], device=device)


@dataclass
class Execution:
    """What soft execution produced."""

    answers: dict[str, torch.Tensor]  # last-step result of every answering op: (B,) or (B, R, C)
    final_ops: torch.Tensor  # (B, O) the last step's op distribution
    selections: list[torch.Tensor]  # per step, the newest selection (B, R)


def _fills(batch: TableBatch) -> dict[type, torch.Tensor]:
    return {t: TYPES[t].empty_soft(batch) for t in STACKED_TYPES}


def execute(registry: Registry, batch: TableBatch, choices: Choices, hard: bool = False) -> Execution:
    """Run all T steps; with ``hard`` the choices are replaced by their argmax one-hots first.

    Soft execution runs every op on every question and mixes the results. Hard
    execution runs each op only on the questions that chose it, so it costs one
    op per question and step, and gives what the decoded programs give.
    """
    if hard:
        choices = choices.argmax()
    fills = _fills(batch)
    depth = registry.stack_depth()
    stacks = {t: [fills[t]] * depth for t in STACKED_TYPES}
    T = choices.ops.shape[1]
    answers: dict[str, torch.Tensor] = {}
    selections = []
    step = _hard_step if hard else _soft_step
    for t in range(T):
        stacks, results = step(registry, batch, stacks, fills, choices.ops[:, t], choices.columns[:, t], choices.constants[:, t])
        if t == T - 1:
            answers = {name: result for name, result in results.items() if registry[name].answers}
        selections.append(stacks[RowMask][0])
    return Execution(answers=answers, final_ops=choices.ops[:, -1], selections=selections)


def _soft_step(registry, batch, stacks, fills, weights, column, constant):
    """Every op with non-zero weight on the whole batch, stacks mixed by the op weights (B, O).

    ``column`` (B, O, C) and ``constant`` (B, O, K) hold each op's own choices.
    """
    mixed = {ty: [torch.zeros_like(v) for v in stack] for ty, stack in stacks.items()}
    kept = {ty: torch.zeros_like(weights[:, 0]) for ty in stacks}  # (B,) weight of ops leaving the stack as it is
    results = {}
    for index, op in enumerate(registry):
        weight = weights[:, index]  # (B,)
        if not torch.any(weight != 0):
            continue
        result = results[op.name] = op.soft(batch, *op.arguments(stacks, column[:, index], constant[:, index]))
        for ty in stacks:
            if ty is not op.returns:
                kept[ty] = kept[ty] + weight
        after = op.update({op.returns: stacks[op.returns]}, result, fills)[op.returns]
        mixed[op.returns] = [m + _expand(weight, v) * v for m, v in zip(mixed[op.returns], after)]
    stacks = {ty: [m + _expand(kept[ty], v) * v for m, v in zip(mixed[ty], stacks[ty])] for ty in stacks}
    return stacks, results


def _hard_step(registry, batch, stacks, fills, weights, column, constant):
    """Each op on just the questions whose one-hot weights (B, O) chose it."""
    chosen = weights.argmax(1)  # (B,)
    updated = {ty: [v.clone() for v in stack] for ty, stack in stacks.items()}
    results = {}
    for index, op in enumerate(registry):
        rows = torch.nonzero(chosen == index).squeeze(1)
        if not len(rows):
            continue
        pick = lambda v, rows=rows: v.index_select(0, rows)
        local = {ty: [pick(v) for v in stack] for ty, stack in stacks.items()}
        result = op.soft(batch.take(rows), *op.arguments(local, pick(column[:, index]), pick(constant[:, index])))
        after = op.update({op.returns: local[op.returns]}, result, {op.returns: pick(fills[op.returns])})[op.returns]
        for depth, value in enumerate(after):
            updated[op.returns][depth][rows] = value
        full = result.new_zeros((len(chosen),) + result.shape[1:])
        full[rows] = result
        results[op.name] = full
    return updated, results


def _expand(weight: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return weight.reshape(weight.shape + (1,) * (like.dim() - 1))


def decode(registry: Registry, ops: list[int], columns: list[int], constants: list[int], header: list[str], constant_args: list) -> Program:
    """The program that hard execution of these choices runs, with references in place of the stacks.

    ``constant_args`` are the program literals of the question's constants, in pointer order.
    """
    fills = {t: TYPES[t].empty_ref() for t in STACKED_TYPES}
    depth = registry.stack_depth()
    stacks = {t: [fills[t]] * depth for t in STACKED_TYPES}
    steps = []
    names = registry.names
    for t, (o, c, k) in enumerate(zip(ops, columns, constants)):
        op = registry[names[o]]
        column = ColumnRef(name=header[c]) if c < len(header) else None
        constant = constant_args[k] if k < len(constant_args) else TextLiteral(value="")
        steps.append(Step(op=op.name, args=tuple(op.arguments(stacks, column, constant))))
        stacks = op.update(stacks, StepRef(index=t + 1), fills)
    return Program(steps=tuple(steps))
