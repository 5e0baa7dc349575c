"""Soft execution: every op runs at every step and the results are mixed by the controller's choices."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .batch import TableBatch
from .program import AllRows, ColumnRef, NumberLiteral, Program, Step, StepRef, TextLiteral
from .registry import STACKED_TYPES, Registry
from .values import Cells, Column, Constant, RowMask, Scalar


@dataclass
class Choices:
    """The controller's distributions for T steps."""

    ops: torch.Tensor  # (B, T, O)
    columns: torch.Tensor  # (B, T, C)
    constants: torch.Tensor  # (B, T, K)

    def argmax(self) -> "Choices":
        """One-hot choices at the most probable op, column and constant of every step."""
        return Choices(*(torch.nn.functional.one_hot(d.argmax(-1), d.shape[-1]).to(d.dtype) for d in (self.ops, self.columns, self.constants)))


@dataclass
class Execution:
    """What soft execution produced."""

    answers: dict[str, torch.Tensor]  # last-step result of every answering op: (B,) or (B, R, C)
    final_ops: torch.Tensor  # (B, O) the last step's op distribution
    selections: list[torch.Tensor]  # per step, the newest selection (B, R)


def _fills(batch: TableBatch) -> dict[type, torch.Tensor]:
    B = batch.size
    return {RowMask: batch.rows, Scalar: batch.numbers.new_zeros(B), Cells: torch.zeros_like(batch.cells)}


def execute(registry: Registry, batch: TableBatch, choices: Choices, hard: bool = False) -> Execution:
    """Run all T steps; with ``hard`` the choices are replaced by their argmax one-hots first.

    Ops whose weight is zero everywhere in the batch are skipped, which makes
    hard execution cost one op per step.
    """
    if hard:
        choices = choices.argmax()
    fills = _fills(batch)
    depth = registry.stack_depth()
    stacks = {t: [fills[t]] * depth for t in STACKED_TYPES}
    T = choices.ops.shape[1]
    answers: dict[str, torch.Tensor] = {}
    selections = []
    for t in range(T):
        weights = choices.ops[:, t]  # (B, O)
        column, constant = choices.columns[:, t], choices.constants[:, t]  # (B, C), (B, K)
        mixed = {ty: [torch.zeros_like(v) for v in stack] for ty, stack in stacks.items()}
        kept = {ty: torch.zeros_like(weights[:, 0]) for ty in stacks}  # (B,) weight of ops leaving the stack as it is
        for index, op in enumerate(registry):
            weight = weights[:, index]  # (B,)
            if not torch.any(weight != 0):
                continue
            result = op.soft(batch, *op.arguments(stacks, column, constant))
            if t == T - 1 and op.answers:
                answers[op.name] = result
            for ty in stacks:
                if ty is not op.returns:
                    kept[ty] = kept[ty] + weight
            after = op.update({op.returns: stacks[op.returns]}, result, fills)[op.returns]
            mixed[op.returns] = [m + _expand(weight, v) * v for m, v in zip(mixed[op.returns], after)]
        stacks = {ty: [m + _expand(kept[ty], v) * v for m, v in zip(mixed[ty], stacks[ty])] for ty in stacks}
        selections.append(stacks[RowMask][0])
    return Execution(answers=answers, final_ops=choices.ops[:, -1], selections=selections)


def _expand(weight: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return weight.reshape(weight.shape + (1,) * (like.dim() - 1))


def decode(
    registry: Registry, ops: list[int], columns: list[int], constants: list[int], header: list[str], constant_args: list
) -> Program:
    """The program that hard execution of these choices runs, with references in place of the stacks.

    ``constant_args`` are the program literals of the question's constants, in pointer order.
    """
    fills = {RowMask: AllRows(), Scalar: NumberLiteral(value=0.0), Cells: None}
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
