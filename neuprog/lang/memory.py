"""A memory of step results: each step writes a slot, and ops read their arguments from slots by read weights.

Slot 0 holds the values before any step (every row, 0); slot j holds, for each
type that flows between steps, the newest value of that type after step j:
step j's result if its op returns that type, else slot j-1's value. An op
reads each of its step parameters (`Op.step_params`) from one slot, chosen by
the controller's read head; the printed program names the step that wrote the
value (`sN`), or ``ALL_ROWS`` / ``0`` for slot 0.
"""

from __future__ import annotations

import torch

from neuprog.lang.batch import TableBatch, expand, rows_choosing, scattered
from neuprog.lang.registry import Registry
from neuprog.lang.tree import StepRef
from neuprog.lang.values import STACKED_TYPES, TYPES


class SlotMemory:
    """The slots written so far, per type, as batched tensors; `step` runs one step soft or hard."""

    def __init__(self, batch: TableBatch) -> None:
        self.slots = {t: [TYPES[t].empty_soft(batch)] for t in STACKED_TYPES}  # type -> slots, each (B, ...)

    def newest(self, value_type: type) -> torch.Tensor:
        return self.slots[value_type][-1]

    def step(self, registry: Registry, batch: TableBatch, weights, column, constant, reads, hard: bool = False) -> dict:
        """Run one step: op weights (B, O), each op's column (B, O, C), constant (B, O, K) and read weights (B, O, A, M).

        Soft: every op with non-zero weight runs on the whole batch on arguments
        mixed by its read weights, and the new slot mixes the results by the op
        weights. Hard (one-hot weights): each op runs on the questions that chose
        it, on the slots their reads point at. Returns every op's result.
        """
        written = len(self.slots[STACKED_TYPES[0]])
        reads = reads[..., :written]  # (B, O, A, N) slots not yet written have weight 0
        run = self._hard if hard else self._soft
        results, slot = run(registry, batch, weights, column, constant, reads)
        for value_type in STACKED_TYPES:
            self.slots[value_type].append(slot[value_type])
        return results

    def _soft(self, registry, batch, weights, column, constant, reads):
        slot = {t: torch.zeros_like(self.newest(t)) for t in STACKED_TYPES}
        kept = {t: torch.zeros_like(weights[:, 0]) for t in STACKED_TYPES}  # (B,) weight of ops that write no value of type t
        results = {}
        for index, op in enumerate(registry):
            weight = weights[:, index]  # (B,)
            if not torch.any(weight != 0):
                continue
            values = [_mix(self.slots[p.type], reads[:, index, a]) for a, p in enumerate(op.step_params)]
            result = results[op.name] = op.soft(batch, *op.arguments_read(values, column[:, index], constant[:, index]))
            for value_type in STACKED_TYPES:
                if value_type is not op.returns:
                    kept[value_type] = kept[value_type] + weight
            slot[op.returns] = slot[op.returns] + expand(weight, result) * result
        for value_type in STACKED_TYPES:
            newest = self.newest(value_type)
            slot[value_type] = slot[value_type] + expand(kept[value_type], newest) * newest
        return results, slot

    def _hard(self, registry, batch, weights, column, constant, reads):
        slot = {t: self.newest(t).clone() for t in STACKED_TYPES}
        stored = {t: torch.stack(self.slots[t]) for t in STACKED_TYPES}  # (N, B, ...)
        results = {}
        for index, op, rows in rows_choosing(registry, weights):
            pick = lambda v, rows=rows: v.index_select(0, rows)
            where = reads[rows, index].argmax(-1)  # (b, A) the slot each argument reads
            values = [stored[p.type][where[:, a], rows] for a, p in enumerate(op.step_params)]
            result = op.soft(batch.take(rows), *op.arguments_read(values, pick(column[:, index]), pick(constant[:, index])))
            slot[op.returns][rows] = result
            results[op.name] = scattered(result, rows, len(weights))
        return results, slot


def _mix(slots: list[torch.Tensor], weights: torch.Tensor) -> torch.Tensor:
    """The slots (each (B, ...)) mixed by read weights (B, N)."""
    stacked = torch.stack(slots, 1)  # (B, N, ...)
    return (weights.reshape(weights.shape + (1,) * (stacked.dim() - 2)) * stacked).sum(1)


def slot_refs() -> dict[type, list]:
    """The program arguments slot 0 stands for, per type: what a read of it prints as."""
    return {t: [TYPES[t].empty_ref()] for t in STACKED_TYPES}


def write_refs(refs: dict[type, list], returns: type, number: int) -> None:
    """Record that step ``number`` (1-based) wrote its result, of type ``returns``, to the next slot."""
    for value_type, slots in refs.items():
        slots.append(StepRef(index=number) if value_type is returns else slots[-1])
