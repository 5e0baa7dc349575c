"""Typed tables: every cell keeps its text and gets a parsed number and date where it has one."""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from neuprog.errors import DataError, ExecutionError, WrongTypeError
from neuprog.tables.columns import parse_column
from neuprog.tables.constant import Constant
from neuprog.tables.csvfile import read_csv_columns
from neuprog.tables.text import normalize

_YEARS = (1000.0, 2100.0)


def unique_names(header: Sequence[str]) -> list[str]:
    """Column names from raw header text: empty headers are numbered, repeats get a suffix.

    >>> unique_names(["Name", "", "Name", "Year"])
    ['Name', 'column 2', 'Name (2)', 'Year']
    """
    names: list[str] = []
    seen: set[str] = set()
    for position, raw in enumerate(header, start=1):
        base = " ".join(str(raw).split()) or f"column {position}"
        name, copy = base, 1
        while name in seen:
            copy += 1
            name = f"{base} ({copy})"
        seen.add(name)
        names.append(name)
    return names


class Table:
    """A table of text cells with parsed numbers and dates, R rows by C columns.

    >>> table = Table.from_rows(["City", "Population"], [["Oslo", "709,037"], ["Bergen", "291,940"]])
    >>> table.shape, table.numbers[:, 1].tolist(), table.cell(1, 0)
    ((2, 2), [709037.0, 291940.0], 'Bergen')
    """

    def __init__(self, header: Sequence[str], columns: Sequence[Sequence[str]], name: str = "table") -> None:
        if any(isinstance(part, (str, bytes)) or not isinstance(part, Iterable) for part in (header, columns)):
            raise WrongTypeError(f"{name}: a table is a list of column names and a list of columns")
        self.header = unique_names(header)
        self.name = name
        self.columns = [np.asarray(column, dtype=object).reshape(-1) for column in columns]  # C object arrays of R str
        if len(self.columns) != len(self.header) or len({len(column) for column in self.columns}) > 1:
            raise DataError(f"{name}: {len(self.header)} column names but columns of lengths {sorted({len(c) for c in self.columns})}")
        R, width = (len(self.columns[0]) if self.columns else 0), len(self.header)
        self._keys: dict[tuple[str, bool], tuple[np.ndarray, np.ndarray]] = {}
        self._hits: dict[tuple[str, str], np.ndarray] = {}
        self._joined: dict[int, tuple[str, np.ndarray]] = {}
        self._source: tuple[Table, np.ndarray] | None = None  # (table, row order) this one permutes, which keeps the caches
        parsed = [parse_column(column) for column in self.columns]
        stack = lambda name, dtype: np.stack([getattr(c, name) for c in parsed], axis=1).astype(dtype).reshape(R, width)
        self.numbers = stack("numbers", float)  # (R, C) float64, NaN where no number
        self.dates = stack("dates", float)  # (R, C) day numbers, NaN where no date
        self.years = stack("years", float)  # (R, C) year of a date cell, NaN otherwise
        self.value_ids = stack("value_ids", np.int64)  # (R, C) index into texts[c] of the cell's normalised text, -1 if empty
        self.texts = [c.texts for c in parsed]  # per column, its distinct non-empty normalised texts
        self.order_keys = _order_keys(self.numbers, self.dates)  # (R, C) what superlatives sort by, NaN where nothing

    def __repr__(self) -> str:
        return f"Table({self.name!r}, {self.shape[0]} rows, columns {self.header[:6]}{'...' if len(self.header) > 6 else ''})"

    @property
    def rows(self) -> list[list[str]]:
        """The cells row by row (built on demand: tables keep columns)."""
        return [list(row) for row in zip(*self.columns)]

    def permuted(self, order: Sequence[int]) -> Table:
        """The same table with its rows in ``order`` (a permutation of row indices), parsed values carried along.

        >>> Table.from_rows(["a"], [["1"], ["2"], ["3"]]).permuted([2, 0, 1]).numbers[:, 0].tolist()
        [3.0, 1.0, 2.0]
        """
        order = np.asarray(order, dtype=np.int64)
        table = object.__new__(Table)
        table.header, table.name = list(self.header), self.name
        table.columns = [column[order] for column in self.columns]
        table._keys, table._hits, table._joined = {}, {}, self._joined  # joined texts do not depend on row order
        source, before = self._source or (self, np.arange(self.shape[0]))
        table._source = (source, before[order])
        for name in ("numbers", "dates", "years", "value_ids", "order_keys"):
            setattr(table, name, getattr(self, name)[order])
        table.texts = self.texts
        return table

    def cell(self, row: int, column: int) -> str:
        """The text of one cell."""
        return self.columns[column][row]

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.columns[0]) if self.columns else 0), len(self.header)

    def column_index(self, name: str) -> int:
        """The index of a column by its name; errors list the known names."""
        try:
            return self.header.index(name)
        except ValueError:
            known = ", ".join(repr(h) for h in self.header[:12])
            raise ExecutionError(f"no column {name!r} in {self.name}; columns: {known}") from None

    # -- what a constant means for each cell; exact and soft execution both read these ----------

    def comparison_keys(self, constant: Constant) -> tuple[np.ndarray, np.ndarray]:
        """Per cell, the number compared with ``constant`` and whether the cell has one: (R, C) each.

        Dates compare with dates; numbers compare with numbers, and a year-like
        number also with the year of a date cell ("after 2004" vs "May 5, 2004").
        """
        if self._source is not None:  # the permuted table's keys are its source's, rows reordered
            source, order = self._source
            keys, valid = source.comparison_keys(constant)
            return keys[order], valid[order]
        year_like = constant.kind == "number" and _YEARS[0] <= constant.number <= _YEARS[1] and constant.number == int(constant.number)
        kind = (constant.kind, year_like)
        if kind not in self._keys:  # a batch asks once per constant and again through equals(); the answer depends only on this
            if constant.kind == "date":
                keys = self.dates
            elif constant.kind == "number":
                keys = np.where(np.isnan(self.numbers), self.years, self.numbers) if year_like else self.numbers
            else:
                keys = np.full(self.shape, math.nan)
            self._keys[kind] = (np.nan_to_num(keys), ~np.isnan(keys))
        return self._keys[kind]

    def phrase_matches(self, constant: Constant) -> np.ndarray:
        """(R, C) bool: cells that contain a phrase as a run of whole words, or hold a number or date constant's value."""
        if constant.kind != "text":
            return self.equals(constant)
        return self._text_hits("contains", normalize(constant.text))

    def equals(self, constant: Constant) -> np.ndarray:
        """(R, C) bool: cells equal to the constant, as numbers, dates or normalised text."""
        keys, valid = self.comparison_keys(constant)
        if constant.kind != "text":
            return valid & (keys == constant.key)
        return self._text_hits("equals", normalize(constant.text))

    def _text_hits(self, test: str, phrase: str) -> np.ndarray:
        """(R, C) bool: cells whose normalised text equals or contains ``phrase``, from per-column indexes.

        Each column's distinct texts are searched once, by one substring scan of
        their concatenation, so the cost grows with the distinct texts, not the
        rows; results are kept per phrase.
        """
        if self._source is not None:
            source, order = self._source
            return source._text_hits(test, phrase)[order]
        if (test, phrase) not in self._hits:
            result = np.zeros(self.shape, dtype=bool)
            if phrase:
                for c, texts in enumerate(self.texts):
                    found = np.zeros(len(texts) + 1, dtype=bool)  # the extra last entry is the empty cell (id -1)
                    found[self._find(c, f"\n {phrase} \n" if test == "equals" else f" {phrase} ")] = True
                    result[:, c] = found[self.value_ids[:, c]]
            self._hits[(test, phrase)] = result
        return self._hits[(test, phrase)].copy()

    def _find(self, c: int, needle: str) -> list[int]:
        r"""Ids of column ``c``'s texts that ``needle`` occurs in, within "\n t0 \n t1 \n ... \n".

        Normalised texts hold no line breaks, so a needle without one stays inside a
        text, and "\n text \n" matches exactly one text.
        """
        joined, starts = self._joined_texts(c)
        hits, at = set(), joined.find(needle)
        while at >= 0:
            hits.add(int(np.searchsorted(starts, at, side="right")) - 1)
            at = joined.find(needle, at + 1)
        return sorted(hits)

    def _joined_texts(self, c: int) -> tuple[str, np.ndarray]:
        if c not in self._joined:
            texts = self.texts[c]
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            self._joined[c] = ("\n " + " \n ".join(texts) + " \n", np.cumsum(lengths + 3) - lengths - 3)  # text i's "\n" at starts[i]
        return self._joined[c]

    def mentions(self, phrase: str) -> bool:
        """Whether some cell's normalised text holds ``phrase`` (normalised) as a run of whole words.

        >>> Table.from_rows(["Team"], [["Red Sox"], ["Cubs"]]).mentions("red sox")
        True
        """
        if -1 not in self._joined:  # every column's texts in one string: one search per phrase however wide the table
            self._joined[-1] = ("".join(self._joined_texts(c)[0] for c in range(len(self.texts))), np.zeros(0, dtype=np.int64))
        return f" {phrase} " in self._joined[-1][0]

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_rows(cls, header: Sequence[str], rows: Sequence[Sequence[str]], name: str = "table") -> Table:
        """A table from a header and rows of cell text."""
        if isinstance(header, (str, bytes)) or not isinstance(header, Iterable) or isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
            raise WrongTypeError(f"{name}: a table from rows needs a list of column names and a list of rows")
        header, rows = list(header), list(rows)
        if not header:
            raise DataError(f"{name}: the table has no columns")
        for index, row in enumerate(rows):
            if isinstance(row, (str, bytes)) or not hasattr(row, "__len__"):
                raise WrongTypeError(f"{name}: row {index + 1} is a {type(row).__name__}, not a list of cells")
            if len(row) != len(header):
                raise DataError(f"{name}: row {index + 1} has {len(row)} cells, the header has {len(header)}")
        columns = [[str(cell) for cell in column] for column in zip(*rows)] if rows else [[] for _ in header]
        return cls(list(header), columns, name=name)

    @classmethod
    def from_dataframe(cls, frame, name: str = "dataframe") -> Table:
        """A table from a pandas DataFrame: any dtypes, NaN, any index, repeated or empty headers.

        >>> import pandas as pd
        >>> frame = pd.DataFrame({"a": [1.0, None], "b": ["x", "y"]}, index=[7, 3])
        >>> Table.from_dataframe(frame).rows
        [['1', 'x'], ['', 'y']]
        """
        if not isinstance(frame, pd.DataFrame):
            raise WrongTypeError(f"{name}: a pandas DataFrame is needed, not {type(frame).__name__}")
        header = ["" if _is_missing(h) else str(h) for h in frame.columns]
        if not header:
            raise DataError(f"{name}: the table has no columns")
        return cls(header, [_column_texts(frame.iloc[:, c]) for c in range(len(header))], name=name)

    @classmethod
    def from_csv(cls, path: str | Path, encoding: str = "utf-8", delimiter: str | None = None) -> Table:
        """A table from a CSV or TSV file whose first row is the header (see `read_csv_columns`)."""
        header, columns = read_csv_columns(path, encoding, delimiter)
        return cls(header, columns, name=str(path))


def _order_keys(numbers: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """(R, C) sort keys: a column holding full dates (a date without a number) sorts by date, any other by number.

    >>> numbers = np.array([[2004.0, 1.0], [np.nan, 2.0]])
    >>> dates = np.array([[731581.0, np.nan], [731947.0, np.nan]])
    >>> _order_keys(numbers, dates).tolist()
    [[731581.0, 1.0], [731947.0, 2.0]]
    """
    by_date = (~np.isnan(dates) & np.isnan(numbers)).any(axis=0)  # (C,)
    return np.where(by_date[None, :], dates, numbers)


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like cells are values, not missing
        return False


def _column_texts(column) -> np.ndarray:
    """A DataFrame column's cells as text: `_cell_text` of each value, whole columns at once for plain dtypes."""
    if isinstance(column.dtype, pd.StringDtype):
        texts = column.to_numpy(dtype=object)
        texts[column.isna().to_numpy()] = ""
        return texts
    if not isinstance(column.dtype, np.dtype):  # other extension dtypes (Int64, category, ...) print value by value
        return np.array([_cell_text(value) for value in column], dtype=object)
    values = column.to_numpy()
    if values.dtype.kind in "iub":
        return values.astype(str).astype(object)
    if values.dtype == np.float64:  # numpy prints floats as Python's repr does
        texts = values.astype(str).astype(object)
        whole = np.isfinite(values) & (np.abs(values) < 1e15) & (values == np.floor(values))
        texts[whole] = values[whole].astype(np.int64).astype(str).astype(object)
        texts[np.isnan(values)] = ""
        return texts
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values.copy()
    return np.array([_cell_text(value) for value in column], dtype=object)


def _cell_text(value) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time() and value.tzinfo is None:
        return value.date().isoformat()  # a date stored as a midnight timestamp (Excel, pandas) reads as the date
    return str(value)
