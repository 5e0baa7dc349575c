"""Soft execution: every op runs at every step and the results are mixed by the controller's choices."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from neuprog.lang.batch import TableBatch, expand, rows_choosing, scattered
from neuprog.lang.choices import Choices
from neuprog.lang.memory import SlotMemory, slot_refs, write_refs
from neuprog.lang.registry import Registry
from neuprog.lang.tree import ColumnRef, Program, Step, StepRef, TextLiteral
from neuprog.lang.values import STACKED_TYPES, TYPES, RowMask


@dataclass
class Execution:
    """What soft execution produced."""

    answers: dict[int, dict[str, torch.Tensor]]  # per step a program may end at: every answering op's result, (B,) or (B, R, C)
    ops: torch.Tensor  # (B, T, O) the op distributions that mixed the results
    halting: torch.Tensor | None  # (B, T) probability that the program ends at each step; None: at the last step
    selections: list[torch.Tensor]  # per step, the newest selection (B, R)


def execute(registry: Registry, batch: TableBatch, choices: Choices, hard: bool = False) -> Execution:
    """Run all T steps; with ``hard`` the choices are replaced by their argmax one-hots first.

    Soft execution runs every op on every question and mixes the results. Hard
    execution runs each op only on the questions that chose it, so it costs one
    op per question and step, and gives what the decoded programs give. Ops get
    the values of earlier steps from typed stacks, or, when the choices carry
    memory reads, from the memory of step results (`neuprog.lang.memory`).
    """
    if hard:
        choices = choices.argmax(registry)
    T = choices.ops.shape[1]
    ends = {T - 1} if choices.halting is None else {t for t in range(T) if bool(choices.halting[:, t].any())}
    machine = Stacks(registry, batch) if choices.reads is None else SlotMemory(batch)
    answers: dict[int, dict[str, torch.Tensor]] = {}
    selections = []
    for t in range(T):
        reads = choices.reads[:, t] if choices.reads is not None else None
        results = machine.step(registry, batch, choices.ops[:, t], choices.columns[:, t], choices.constants[:, t], reads, hard)
        if t in ends:
            answers[t] = {name: result for name, result in results.items() if registry[name].answers}
        selections.append(machine.newest(RowMask))
    return Execution(answers=answers, ops=choices.ops, halting=choices.halting, selections=selections)


class Stacks:
    """The step machine's typed stacks as batched tensors: an op's arguments are the most recent values of their types."""

    def __init__(self, registry: Registry, batch: TableBatch) -> None:
        self.fills = {t: TYPES[t].empty_soft(batch) for t in STACKED_TYPES}
        depth = registry.stack_depth()
        self.stacks = {t: [self.fills[t]] * depth for t in STACKED_TYPES}

    def newest(self, value_type: type) -> torch.Tensor:
        return self.stacks[value_type][0]

    def step(self, registry: Registry, batch: TableBatch, weights, column, constant, reads=None, hard: bool = False) -> dict:
        """Run one step (``reads`` is unused: stacks decide the arguments); returns every op's result."""
        run = _hard_step if hard else _soft_step
        self.stacks, results = run(registry, batch, self.stacks, self.fills, weights, column, constant)
        return results


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
        mixed[op.returns] = [m + expand(weight, v) * v for m, v in zip(mixed[op.returns], after)]
    stacks = {ty: [m + expand(kept[ty], v) * v for m, v in zip(mixed[ty], stacks[ty])] for ty in stacks}
    return stacks, results


def _hard_step(registry, batch, stacks, fills, weights, column, constant):
    """Each op on just the questions whose one-hot weights (B, O) chose it."""
    updated = {ty: [v.clone() for v in stack] for ty, stack in stacks.items()}
    results = {}
    for index, op, rows in rows_choosing(registry, weights):
        pick = lambda v, rows=rows: v.index_select(0, rows)
        local = {ty: [pick(v) for v in stack] for ty, stack in stacks.items()}
        result = op.soft(batch.take(rows), *op.arguments(local, pick(column[:, index]), pick(constant[:, index])))
        after = op.update({op.returns: local[op.returns]}, result, {op.returns: pick(fills[op.returns])})[op.returns]
        for depth, value in enumerate(after):
            updated[op.returns][depth][rows] = value
        results[op.name] = scattered(result, rows, len(weights))
    return updated, results


def decode(
    registry: Registry,
    ops: list[int],
    columns: list[int],
    constants: list[int],
    header: list[str],
    constant_args: list,
    reads: list[list[int]] | None = None,
    stop: int | None = None,
) -> Program:
    """The program that hard execution of these choices runs, with references in place of the stacks or memory slots.

    ``constant_args`` are the program literals of the question's constants, in pointer
    order. With ``reads`` (per step, the slot each step argument reads) arguments come
    from the memory of step results, else from the stacks. ``stop`` ends the program
    at that step (0-based); without it the program runs every step.
    """
    fills = {t: TYPES[t].empty_ref() for t in STACKED_TYPES}
    depth = registry.stack_depth()
    stacks = {t: [fills[t]] * depth for t in STACKED_TYPES}
    slots = slot_refs()
    steps = []
    names = registry.names
    length = len(ops) if stop is None else stop + 1
    for t, (o, c, k) in enumerate(list(zip(ops, columns, constants))[:length]):
        op = registry[names[o]]
        column = ColumnRef(name=header[c]) if c < len(header) else None
        constant = constant_args[k] if k < len(constant_args) else TextLiteral(value="")
        if reads is None:
            args = op.arguments(stacks, column, constant)
            stacks = op.update(stacks, StepRef(index=t + 1), fills)
        else:
            args = op.arguments_read([slots[p.type][reads[t][a]] for a, p in enumerate(op.step_params)], column, constant)
            write_refs(slots, op.returns, t + 1)
        steps.append(Step(op=op.name, args=tuple(args)))
    return Program(steps=tuple(steps))
