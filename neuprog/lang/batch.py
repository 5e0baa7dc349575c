"""Tables and their question constants, padded into the batched tensors soft execution reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from neuprog.tables.constant import Constant
from neuprog.tables.table import Table

_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass
class TableBatch:
    """B tables padded to R rows and C columns, with K question constants each."""

    numbers: torch.Tensor  # (B, R, C) float32, 0 where a cell has no number
    has_number: torch.Tensor  # (B, R, C) float32 in {0, 1}
    order: torch.Tensor  # (B, R, C) float32, what superlatives sort by (dates in date columns), 0 where nothing
    has_order: torch.Tensor  # (B, R, C) float32 in {0, 1}
    value_ids: torch.Tensor  # (B, R, C) int64 id of the cell text within its column, -1 if empty or padding
    rows: torch.Tensor  # (B, R) float32, 1 for real rows
    columns: torch.Tensor  # (B, C) bool, real columns
    cells: torch.Tensor  # (B, R, C) float32, 1 for real cells
    constants: torch.Tensor  # (B, K) bool, real constants
    constant_keys: torch.Tensor  # (B, K) float64, the number or date of each constant (NaN for phrases)
    keys: torch.Tensor  # (B, K, R, C) float64, what each cell compares to constant k
    key_valid: torch.Tensor  # (B, K, R, C) bool, whether the cell has such a value
    matches: torch.Tensor  # (B, K, R, C) float32, cell contains the constant's phrase
    equals: torch.Tensor  # (B, K, R, C) float32, cell equals the constant

    @property
    def size(self) -> int:
        return self.numbers.shape[0]

    @classmethod
    def build(cls, tables: Sequence[Table], constants: Sequence[Sequence[Constant]]) -> TableBatch:
        """Pad tables to the largest in the batch; every table needs at least one row and column.

        >>> table = Table.from_rows(["a"], [["1"], ["2"]])
        >>> TableBatch.build([table], [[Constant("1", number=1.0)]]).keys.shape
        torch.Size([1, 1, 2, 1])
        """
        B = len(tables)
        R = max(t.shape[0] for t in tables)
        C = max(t.shape[1] for t in tables)
        K = max(1, max(len(k) for k in constants))
        numbers = np.zeros((B, R, C), np.float32)
        has_number = np.zeros((B, R, C), np.float32)
        order = np.zeros((B, R, C), np.float32)
        has_order = np.zeros((B, R, C), np.float32)
        value_ids = np.full((B, R, C), -1, np.int64)
        cells = np.zeros((B, R, C), np.float32)
        constant_mask = np.zeros((B, K), bool)
        constant_keys = np.full((B, K), np.nan)
        keys = np.zeros((B, K, R, C))
        key_valid = np.zeros((B, K, R, C), bool)
        matches = np.zeros((B, K, R, C), np.float32)
        equals = np.zeros((B, K, R, C), np.float32)
        for b, (table, found) in enumerate(zip(tables, constants)):
            r, c = table.shape
            present = ~np.isnan(table.numbers)
            numbers[b, :r, :c] = np.where(present, table.numbers, 0.0).clip(-_FLOAT32_MAX, _FLOAT32_MAX)  # float32 holds less than a cell
            has_number[b, :r, :c] = present
            ordered = ~np.isnan(table.order_keys)
            order[b, :r, :c] = np.where(ordered, table.order_keys, 0.0).clip(-_FLOAT32_MAX, _FLOAT32_MAX)
            has_order[b, :r, :c] = ordered
            value_ids[b, :r, :c] = table.value_ids
            cells[b, :r, :c] = 1.0
            for k, constant in enumerate(found):
                constant_mask[b, k] = True
                constant_keys[b, k] = constant.key
                keys[b, k, :r, :c], key_valid[b, k, :r, :c] = table.comparison_keys(constant)
                matches[b, k, :r, :c] = table.phrase_matches(constant)
                equals[b, k, :r, :c] = table.equals(constant)
        cells_t = torch.from_numpy(cells)
        return cls(
            numbers=torch.from_numpy(numbers),
            has_number=torch.from_numpy(has_number),
            order=torch.from_numpy(order),
            has_order=torch.from_numpy(has_order),
            value_ids=torch.from_numpy(value_ids),
            rows=cells_t.amax(dim=2),
            columns=cells_t.amax(dim=1) > 0,
            cells=cells_t,
            constants=torch.from_numpy(constant_mask),
            constant_keys=torch.from_numpy(constant_keys),
            keys=torch.from_numpy(keys),
            key_valid=torch.from_numpy(key_valid),
            matches=torch.from_numpy(matches),
            equals=torch.from_numpy(equals),
        )

    def take(self, index: torch.Tensor) -> TableBatch:
        """The tables at ``index`` (1-D, repeats allowed), in that order.

        Each tensor is selected when first read: hard execution takes the rows of
        every op a question chose, and most ops read only a few of the tensors.

        >>> table = Table.from_rows(["a"], [["1"], ["2"]])
        >>> batch = TableBatch.build([table, Table.from_rows(["b"], [["3"]])], [[], []])
        >>> batch.take(torch.tensor([1, 1])).numbers[:, :, 0].tolist()
        [[3.0, 0.0], [3.0, 0.0]]
        """
        taken = object.__new__(TableBatch)
        taken.__dict__["_taken_from"] = (self, index)
        return taken

    def __getattr__(self, name: str) -> torch.Tensor:
        """A tensor of a batch made by `take`, selected from its source on first reading and kept."""
        source = self.__dict__.get("_taken_from")
        if source is None or name not in TableBatch.__dataclass_fields__:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = self.__dict__[name] = getattr(source[0], name).index_select(0, source[1])
        return value

    def repeat(self, times: int) -> TableBatch:
        """Each table ``times`` times in a row: (B, ...) -> (B * times, ...)."""
        return self.take(torch.arange(self.size, device=self.numbers.device).repeat_interleave(times))

    def value_order(self, descending: bool, by_number: bool = False) -> torch.Tensor:
        """(B, R, C) row indices per column sorted by order key (or number), rows without one last, ties in table order; cached."""
        cache = self.__dict__.setdefault("_orders", {})
        key = (descending, by_number)
        source = self.__dict__.get("_taken_from")
        if key not in cache and source is not None:  # sorted once, for the batch it was taken from
            cache[key] = source[0].value_order(descending, by_number).index_select(0, source[1])
        elif key not in cache:
            missing = torch.tensor(float("-inf") if descending else float("inf"), device=self.numbers.device)
            present, values = (self.has_number, self.numbers) if by_number else (self.has_order, self.order)
            keys = torch.where(present > 0, values, missing)  # (B, R, C)
            cache[key] = torch.sort(keys, dim=1, descending=descending, stable=True).indices
        return cache[key]

    def to(self, device: torch.device | str) -> TableBatch:
        return TableBatch(**{name: getattr(self, name).to(device) for name in self.__dataclass_fields__})


def rows_choosing(ops: Iterable, weights: torch.Tensor) -> Iterator[tuple[int, object, torch.Tensor]]:
    """(index, op, rows) for every op that some question's one-hot weights (B, O) chose: hard execution runs each op on its rows only."""
    chosen = weights.argmax(1)  # (B,)
    for index, op in enumerate(ops):
        rows = torch.nonzero(chosen == index).squeeze(1)
        if len(rows):
            yield index, op, rows


def scattered(result: torch.Tensor, rows: torch.Tensor, size: int) -> torch.Tensor:
    """A result computed for ``rows`` of a batch, placed among zeros for all ``size`` questions."""
    full = result.new_zeros((size,) + result.shape[1:])
    full[rows] = result
    return full


def expand(weight: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Per-question weights (B,) shaped to broadcast against ``like`` (B, ...)."""
    return weight.reshape(weight.shape + (1,) * (like.dim() - 1))
