"""The built-in ops: each declared once with its signature, exact and soft semantics, and template.

``exact(table, ...)`` works on one ``Table`` with numpy and is the specification.
``soft(batch, ...)`` works on a ``TableBatch`` with torch; with one-hot column and
constant choices and 0/1 row masks it gives exactly what ``exact`` gives.
Filters keep only rows of the incoming selection. ``facts`` name the algebraic laws
an op obeys (`neuprog.lang.facts`) and ``words`` say what it computes in plain words.
"""

from __future__ import annotations

import numpy as np
import torch

from neuprog.lang import cues
from neuprog.lang.batch import TableBatch
from neuprog.lang.registry import Registry
from neuprog.lang.values import Cells, Column, RowMask, Scalar, Truth
from neuprog.tables.constant import Constant
from neuprog.tables.table import Table

BUILTINS = Registry()
op = BUILTINS.op

FILTER = ("filter", "narrows", "idempotent")  # every filter: rows & (a row set chosen by column and constant)
PICK_ONE = ("one_row", "keeps_one_row", "narrows", "idempotent")  # FIRST and LAST


# -- shared soft helpers --------------------------------------------------------------------


def by_column(per_cell: torch.Tensor, column: torch.Tensor) -> torch.Tensor:
    """Mix per-cell values (B, R, C) by a column distribution (B, C) into (B, R)."""
    return torch.einsum("brc,bc->br", per_cell, column)


def by_column_and_constant(per_cell: torch.Tensor, column: torch.Tensor, constant: torch.Tensor) -> torch.Tensor:
    """Mix per-constant cell values (B, K, R, C) by column (B, C) and constant (B, K) choices into (B, R)."""
    by_constant = torch.einsum("bkrc,bc->bkr", per_cell, column)  # (B, K, R)
    return torch.einsum("bkr,bk->br", by_constant, constant)


def union(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """Soft OR of two row selections (B, R): exact for 0/1 weights."""
    return first + second - first * second


def first_of(weights: torch.Tensor, dim: int) -> torch.Tensor:
    """Soft "first selected": w_i * prod_{j<i} (1 - w_j) along ``dim``; exact for 0/1 weights."""
    survive = torch.cumprod(1.0 - weights, dim=dim)
    before = torch.cat([torch.ones_like(survive.narrow(dim, 0, 1)), survive.narrow(dim, 0, weights.shape[dim] - 1)], dim=dim)
    return weights * before


def top_by_value(batch: TableBatch, rows: torch.Tensor, descending: bool, by_number: bool = False) -> torch.Tensor:
    """Per column, the soft first selected row in order-key (or number) order, ties to the earlier row: (B, R, C)."""
    order = batch.value_order(descending, by_number)  # (B, R, C)
    weights = rows.unsqueeze(2) * (batch.has_number if by_number else batch.has_order)  # (B, R, C)
    ranked = first_of(torch.gather(weights, 1, order), dim=1)  # (B, R, C) in value order
    return torch.zeros_like(weights).scatter(1, order, ranked)


def numbers_in(table: Table, rows: np.ndarray, column: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact helper: indices and numbers of the selected rows that have a number in ``column``."""
    values = table.numbers[:, column]
    index = np.flatnonzero(rows & ~np.isnan(values))
    return index, values[index]


def _mask(table: Table, index) -> np.ndarray:
    mask = np.zeros(table.shape[0], dtype=bool)
    mask[index] = True
    return mask


# -- selections -----------------------------------------------------------------------------


@op("ALL_ROWS", facts=("whole_table",), words="all {n}")
class all_rows:
    """Every row of the table (starts a new selection)."""

    def exact(table: Table) -> RowMask:
        return np.ones(table.shape[0], dtype=bool)

    def soft(batch: TableBatch):
        return batch.rows.clone()  # (B, R)


@op("{rows} WHERE {column} LIKE {phrase}", facts=FILTER, words="{column} contains {phrase}")
class select:
    """Rows whose cell in `column` contains the question phrase `phrase`."""

    def exact(table: Table, rows: RowMask, column: Column, phrase: Constant) -> RowMask:
        return rows & table.phrase_matches(phrase)[:, column]

    def soft(batch, rows, column, phrase):
        return rows * by_column_and_constant(batch.matches, column, phrase)  # (B, R)


def passing(table: Table, column: int, value: Constant, compare) -> np.ndarray:
    """Exact: (R,) rows whose value in ``column`` passes ``compare(value_in_cell, constant)``."""
    keys, valid = table.comparison_keys(value)
    return valid[:, column] & compare(keys[:, column], value.key)


def passing_soft(batch: TableBatch, column: torch.Tensor, value: torch.Tensor, compare) -> torch.Tensor:
    """Soft twin of ``passing``: (B, R), mixed by the column (B, C) and constant (B, K) choices."""
    passed = batch.key_valid & compare(batch.keys, batch.constant_keys[:, :, None, None])  # (B, K, R, C)
    return by_column_and_constant(passed.float(), column, value)


def _comparison(name: str, symbol: str, compare, doc: str):
    def exact(table: Table, rows: RowMask, column: Column, value: Constant) -> RowMask:
        return rows & passing(table, column, value, compare)

    def soft(batch, rows, column, value):
        return rows * passing_soft(batch, column, value, compare)  # (B, R)

    spec = type(name, (), {"__doc__": doc, "exact": staticmethod(exact), "soft": staticmethod(soft)})
    return op("{rows} WHERE {column} %s {value}" % symbol, facts=FILTER, words="{column} %s {value}" % symbol, cues=cues.THRESHOLDS)(spec)


greater = _comparison("greater", ">", lambda a, b: a > b, "Rows whose value in `column` is greater than `value`.")
less = _comparison("less", "<", lambda a, b: a < b, "Rows whose value in `column` is less than `value`.")
geq = _comparison("geq", ">=", lambda a, b: a >= b, "Rows whose value in `column` is at least `value`.")
leq = _comparison("leq", "<=", lambda a, b: a <= b, "Rows whose value in `column` is at most `value`.")


def _widening(name: str, symbol: str, compare, doc: str):
    def exact(table: Table, rows: RowMask, column: Column, value: Constant) -> RowMask:
        return rows | passing(table, column, value, compare)

    def soft(batch, rows, column, value):
        return union(rows, passing_soft(batch, column, value, compare))  # (B, R)

    spec = type(name, (), {"__doc__": doc, "exact": staticmethod(exact), "soft": staticmethod(soft)})
    words = "{rows} plus those where {column} %s {value}" % symbol
    return op("{rows} OR {column} %s {value}" % symbol, facts=("widens", "idempotent"), words=words, cues=cues.THRESHOLDS)(spec)


or_greater = _widening("or_greater", ">", lambda a, b: a > b, "The selected rows plus every row whose value in `column` is greater than `value`.")
or_less = _widening("or_less", "<", lambda a, b: a < b, "The selected rows plus every row whose value in `column` is less than `value`.")


@op("{rows} OR {column} LIKE {phrase}", facts=("widens", "idempotent"), words="{rows} plus those where {column} contains {phrase}")
class or_select:
    """The selected rows plus every row whose cell in `column` contains the question phrase `phrase` ("A or B")."""

    def exact(table: Table, rows: RowMask, column: Column, phrase: Constant) -> RowMask:
        return rows | table.phrase_matches(phrase)[:, column]

    def soft(batch, rows, column, phrase):
        return union(rows, by_column_and_constant(batch.matches, column, phrase))  # (B, R)


@op("{rows} WHERE {column} NOT LIKE {phrase}", facts=FILTER, words="{column} does not contain {phrase}", cues=cues.NEGATIONS)
class select_not:
    """Rows whose cell in `column` does not contain the question phrase `phrase` ("other than", "besides", "not")."""

    def exact(table: Table, rows: RowMask, column: Column, phrase: Constant) -> RowMask:
        return rows & ~table.phrase_matches(phrase)[:, column]

    def soft(batch, rows, column, phrase):
        return rows * (1.0 - by_column_and_constant(batch.matches, column, phrase))  # (B, R)


@op("{rows} WHERE {column} = {value}", facts=FILTER, words="{column} = {value}")
class equal:
    """Rows whose cell in `column` equals `value` (as a number, a date or the whole text)."""

    def exact(table: Table, rows: RowMask, column: Column, value: Constant) -> RowMask:
        return rows & table.equals(value)[:, column]

    def soft(batch, rows, column, value):
        return rows * by_column_and_constant(batch.equals, column, value)  # (B, R)


@op("FIRST({rows})", facts=PICK_ONE, words="the first of {rows}", cues=cues.ORDER)
class first:
    """The first selected row, in table order."""

    def exact(table: Table, rows: RowMask) -> RowMask:
        return _mask(table, np.flatnonzero(rows)[:1])

    def soft(batch, rows):
        return first_of(rows, dim=1)  # (B, R)


@op("LAST({rows})", facts=PICK_ONE, words="the last of {rows}", cues=cues.ORDER)
class last:
    """The last selected row, in table order."""

    def exact(table: Table, rows: RowMask) -> RowMask:
        return _mask(table, np.flatnonzero(rows)[-1:])

    def soft(batch, rows):
        return first_of(rows.flip(1), dim=1).flip(1)  # (B, R)


@op("PREV({rows})", words="the row above each of {rows}", cues=cues.ORDER)
class prev:
    """The row just above each selected row."""

    def exact(table: Table, rows: RowMask) -> RowMask:
        return np.append(rows[1:], False)

    def soft(batch, rows):
        return torch.cat([rows[:, 1:], torch.zeros_like(rows[:, :1])], dim=1)  # (B, R)


@op("NEXT({rows})", name="next", words="the row below each of {rows}", cues=cues.ORDER)
class next_row:
    """The row just below each selected row."""

    def exact(table: Table, rows: RowMask) -> RowMask:
        return np.insert(rows[:-1], 0, False)

    def soft(batch, rows):
        return torch.cat([torch.zeros_like(rows[:, :1]), rows[:, :-1]], dim=1) * batch.rows  # (B, R)


def _extreme_row(name: str, descending: bool, doc: str):
    pick = np.argmax if descending else np.argmin

    def exact(table: Table, rows: RowMask, column: Column) -> RowMask:
        keys = table.order_keys[:, column]
        index = np.flatnonzero(rows & ~np.isnan(keys))
        return _mask(table, index[pick(keys[index])] if len(index) else [])

    def soft(batch, rows, column):
        return by_column(top_by_value(batch, rows, descending), column)  # (B, R)

    spec = type(name, (), {"__doc__": doc, "exact": staticmethod(exact), "soft": staticmethod(soft)})
    words = "the row with the %s {column} among {rows}" % ("largest" if descending else "smallest")
    return op("%s({rows}, {column})" % name.upper(), facts=("one_row", "narrows", "idempotent"), words=words, cues=cues.EXTREMES)(spec)


argmax = _extreme_row("argmax", True, "The selected row with the largest number (or latest date) in `column` (the earlier row on ties).")
argmin = _extreme_row("argmin", False, "The selected row with the smallest number (or earliest date) in `column` (the earlier row on ties).")


@op("MOST_COMMON({rows}, {column})", facts=("narrows", "idempotent"), words="{n} with the most common {column} among {rows}", cues=cues.FREQUENCY)
class most_common:
    """Selected rows holding the most frequent non-empty value of `column` (the first-seen value on ties)."""

    def exact(table: Table, rows: RowMask, column: Column) -> RowMask:
        ids = table.value_ids[:, column]
        counted = ids[rows & (ids >= 0)]
        if not len(counted):
            return np.zeros_like(rows)
        return rows & (ids == np.argmax(np.bincount(counted)))

    def soft(batch, rows, column):
        ids = batch.value_ids.clamp(min=0).transpose(1, 2)  # (B, C, R)
        present = (batch.value_ids >= 0).float()  # (B, R, C)
        counts = torch.zeros_like(ids, dtype=rows.dtype).scatter_add(2, ids, (rows.unsqueeze(2) * present).transpose(1, 2))  # (B, C, G=R)
        best = counts.argmax(dim=2)  # (B, C)
        holds = (batch.value_ids == best.unsqueeze(1)).float()  # (B, R, C)
        return rows * by_column(holds, column)  # (B, R)


@op("{first} AND {second}", facts=("narrows", "idempotent", "neutral"), words="{n} in both {first} and {second}")
class both:
    """Rows in both of two earlier selections."""

    def exact(table: Table, first: RowMask, second: RowMask) -> RowMask:
        return first & second

    def soft(batch, first, second):
        return first * second  # (B, R)


@op("{first} OR {second}", facts=("widens", "idempotent"), words="{n} in {first} or {second}")
class either:
    """Rows in either of two earlier selections."""

    def exact(table: Table, first: RowMask, second: RowMask) -> RowMask:
        return first | second

    def soft(batch, first, second):
        return union(first, second)  # (B, R)


# -- scalars --------------------------------------------------------------------------------


@op("SELECT COUNT(*) FROM {rows}", words="count of {rows}")
class count:
    """The number of selected rows."""

    def exact(table: Table, rows: RowMask) -> Scalar:
        return float(rows.sum())

    def soft(batch, rows):
        return rows.sum(dim=1)  # (B,)


@op("SELECT SUM({column}) FROM {rows}", name="sum", words="sum of {column} over {rows}", cues=cues.TOTALS)
class column_sum:
    """The sum of the numbers in `column` over the selected rows (0 if none)."""

    def exact(table: Table, rows: RowMask, column: Column) -> Scalar:
        return float(numbers_in(table, rows, column)[1].sum())

    def soft(batch, rows, column):
        return torch.einsum("br,brc,bc->b", rows, batch.numbers * batch.has_number, column)  # (B,)


@op("SELECT AVG({column}) FROM {rows}", words="average {column} over {rows}", cues=cues.AVERAGES)
class average:
    """The mean of the numbers in `column` over the selected rows (0 if none)."""

    def exact(table: Table, rows: RowMask, column: Column) -> Scalar:
        values = numbers_in(table, rows, column)[1]
        return float(values.mean()) if len(values) else 0.0

    def soft(batch, rows, column):
        totals = torch.einsum("br,brc->bc", rows, batch.numbers * batch.has_number)  # (B, C)
        counts = torch.einsum("br,brc->bc", rows, batch.has_number)  # (B, C)
        return (column * totals / counts.clamp(min=1e-6)).sum(dim=1)  # (B,)


@op("VALUE({column}, {phrase})", name="value", words="{column} of the rows mentioning {phrase}")
class named_value:
    """The sum of the numbers in `column` over every row that has a cell containing the question phrase `phrase` (0 if none): a named row's value, as "how many more A than B" compares."""

    def exact(table: Table, column: Column, phrase: Constant) -> Scalar:
        return float(numbers_in(table, table.phrase_matches(phrase).any(axis=1), column)[1].sum())

    def soft(batch, column, phrase):
        mentioning = torch.einsum("bkr,bk->br", batch.matches.amax(dim=3), phrase)  # (B, R) rows with a cell holding the phrase
        return torch.einsum("br,brc,bc->b", mentioning, batch.numbers * batch.has_number, column)  # (B,)


def _extreme_value(name: str, keyword: str, descending: bool, doc: str):
    def exact(table: Table, rows: RowMask, column: Column) -> Scalar:
        values = numbers_in(table, rows, column)[1]
        return float(values.max() if descending else values.min()) if len(values) else 0.0

    def soft(batch, rows, column):
        return torch.einsum("brc,brc,bc->b", top_by_value(batch, rows, descending, by_number=True), batch.numbers, column)  # (B,)

    spec = type(name, (), {"__doc__": doc, "exact": staticmethod(exact), "soft": staticmethod(soft)})
    words = "%s {column} among {rows}" % ("largest" if descending else "smallest")
    return op("SELECT %s({column}) FROM {rows}" % keyword, words=words, cues=cues.EXTREMES)(spec)


maximum = _extreme_value("maximum", "MAX", True, "The largest number in `column` over the selected rows (0 if none).")
minimum = _extreme_value("minimum", "MIN", False, "The smallest number in `column` over the selected rows (0 if none).")


@op("{first} - {second}", facts=("right_neutral",), words="{first} minus {second}", cues=cues.DIFFERENCES)
class difference:
    """The earlier scalar minus the later one."""

    def exact(table: Table, first: Scalar, second: Scalar) -> Scalar:
        return first - second

    def soft(batch, first, second):
        return first - second  # (B,)


@op("{first} + {second}", facts=("neutral",), words="{first} plus {second}", cues=cues.TOTALS)
class plus:
    """The sum of two earlier scalars."""

    def exact(table: Table, first: Scalar, second: Scalar) -> Scalar:
        return first + second

    def soft(batch, first, second):
        return first + second  # (B,)


# -- yes or no -----------------------------------------------------------------------------


@op("EXISTS({rows})", words="any row among {rows}", cues=cues.YES_NO)
class exists:
    """Yes when the selection holds some row, no when it is empty ("were any towers built before 1800?")."""

    def exact(table: Table, rows: RowMask) -> Truth:
        return bool(rows.any())

    def soft(batch, rows):
        return 1.0 - torch.prod(1.0 - rows, dim=1)  # (B,) soft OR over the rows: exact for 0/1 weights


# -- lookup ---------------------------------------------------------------------------------


@op("SELECT {column} FROM {rows}", name="print", words="{column} of {rows}")
class print_cells:
    """The cells of `column` in the selected rows (the lookup answer)."""

    def exact(table: Table, rows: RowMask, column: Column) -> Cells:
        return Cells(tuple((int(r), column) for r in np.flatnonzero(rows)))

    def soft(batch, rows, column):
        return rows.unsqueeze(2) * column.unsqueeze(1) * batch.cells  # (B, R, C)
