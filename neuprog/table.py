"""Typed tables: every cell keeps its text and gets a parsed number and date where it has one."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .columns import parse_column
from .errors import DataError
from .text import normalize
from .values import Constant

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


@dataclass(eq=False)
class Table:
    """A table of text cells with parsed numbers and dates, R rows by C columns.

    >>> table = Table.from_rows(["City", "Population"], [["Oslo", "709,037"], ["Bergen", "291,940"]])
    >>> table.shape, table.numbers[:, 1].tolist()
    ((2, 2), [709037.0, 291940.0])
    """

    header: list[str]
    rows: list[list[str]]
    name: str = "table"
    numbers: np.ndarray = field(init=False, repr=False)  # (R, C) float64, NaN where no number
    dates: np.ndarray = field(init=False, repr=False)  # (R, C) day numbers, NaN where no date
    years: np.ndarray = field(init=False, repr=False)  # (R, C) year of a date cell, NaN otherwise
    value_ids: np.ndarray = field(init=False, repr=False)  # (R, C) index into texts[c] of the cell's normalised text, -1 if empty
    texts: list[list[str]] = field(init=False, repr=False)  # per column, its distinct non-empty normalised texts

    def __post_init__(self) -> None:
        self.header = unique_names(self.header)
        width = len(self.header)
        for index, row in enumerate(self.rows):
            if len(row) != width:
                raise DataError(f"{self.name}: row {index + 1} has {len(row)} cells, the header has {width}")
        self._keys: dict[tuple[str, bool], tuple[np.ndarray, np.ndarray]] = {}
        self._hits: dict[tuple[str, str], np.ndarray] = {}
        self._indexes: dict[int, dict[str, int]] = {}
        self._joined: dict[int, tuple[str, np.ndarray]] = {}
        R = len(self.rows)
        columns = [parse_column(cells) for cells in zip(*self.rows)] if R else [parse_column([]) for _ in range(width)]
        stack = lambda name, dtype: np.stack([getattr(c, name) for c in columns], axis=1).astype(dtype).reshape(R, width)  # noqa: E731
        self.numbers, self.dates, self.years = stack("numbers", float), stack("dates", float), stack("years", float)
        self.value_ids = stack("value_ids", np.int64)
        self.texts = [c.texts for c in columns]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.header)

    def column_index(self, name: str) -> int:
        """The index of a column by its name; errors list the known names."""
        try:
            return self.header.index(name)
        except ValueError:
            known = ", ".join(repr(h) for h in self.header[:12])
            from .errors import ExecutionError

            raise ExecutionError(f"no column {name!r} in {self.name}; columns: {known}") from None

    # -- what a constant means for each cell; exact and soft execution both read these ----------

    def comparison_keys(self, constant: Constant) -> tuple[np.ndarray, np.ndarray]:
        """Per cell, the number compared with ``constant`` and whether the cell has one: (R, C) each.

        Dates compare with dates; numbers compare with numbers, and a year-like
        number also with the year of a date cell ("after 2004" vs "May 5, 2004").
        """
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

        Each column's distinct texts are searched once (a dict for equality, one
        substring scan of their concatenation for containment), so the cost grows with
        the distinct texts, not the rows; results are kept per phrase.
        """
        if (test, phrase) not in self._hits:
            result = np.zeros(self.shape, dtype=bool)
            if phrase:
                for c, texts in enumerate(self.texts):
                    found = np.zeros(len(texts) + 1, dtype=bool)  # the extra last entry is the empty cell (id -1)
                    if test == "equals":
                        index = self._index(c)
                        if phrase in index:
                            found[index[phrase]] = True
                    else:
                        found[self._containing(c, phrase)] = True
                    result[:, c] = found[self.value_ids[:, c]]
            self._hits[(test, phrase)] = result
        return self._hits[(test, phrase)].copy()

    def _index(self, c: int) -> dict[str, int]:
        if c not in self._indexes:
            self._indexes[c] = {text: i for i, text in enumerate(self.texts[c])}
        return self._indexes[c]

    def _containing(self, c: int, phrase: str) -> list[int]:
        """Ids of column ``c``'s texts holding ``phrase`` as whole words: one scan of " t0 \n t1 \n ... "."""
        if c not in self._joined:
            texts = self.texts[c]
            starts = np.cumsum([0] + [len(t) + 3 for t in texts])
            self._joined[c] = (" " + " \n ".join(texts) + " ", starts)
        joined, starts = self._joined[c]
        needle, hits, at = f" {phrase} ", set(), joined.find(f" {phrase} ")
        while at >= 0:
            hits.add(int(np.searchsorted(starts, at, side="right")) - 1)
            at = joined.find(needle, at + 1)
        return sorted(hits)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_rows(cls, header: Sequence[str], rows: Sequence[Sequence[str]], name: str = "table") -> "Table":
        """A table from a header and rows of cell text."""
        if not header:
            raise DataError(f"{name}: the table has no columns")
        return cls(list(header), [[str(cell) for cell in row] for row in rows], name=name)

    @classmethod
    def from_dataframe(cls, frame, name: str = "dataframe") -> "Table":
        """A table from a pandas DataFrame: any dtypes, NaN, any index, repeated or empty headers.

        >>> import pandas as pd
        >>> frame = pd.DataFrame({"a": [1.0, None], "b": ["x", "y"]}, index=[7, 3])
        >>> Table.from_dataframe(frame).rows
        [['1', 'x'], ['', 'y']]
        """
        header = ["" if _is_missing(h) else str(h) for h in frame.columns]
        rows = [[_cell_text(value) for value in row] for row in frame.itertuples(index=False, name=None)]
        return cls.from_rows(header, rows, name=name)

    @classmethod
    def from_csv(cls, path: str | Path, encoding: str = "utf-8", delimiter: str | None = None) -> "Table":
        """A table from a CSV or TSV file whose first row is the header.

        Both ordinary CSV quoting ("" inside quotes) and WikiTableQuestions'
        backslash escapes are read. Bad files raise ``DataError`` naming the file.
        """
        path = Path(path)
        text = _read_text(path, encoding)
        if delimiter is None:
            delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(text)
        escaped = '\\"' in text or "\\\\" in text
        csv.field_size_limit(1 << 30)  # real tables have cells far beyond csv's 128 KB default
        reader = csv.reader(
            io.StringIO(text, newline=""), delimiter=delimiter, escapechar="\\" if escaped else None, doublequote=not escaped, strict=False
        )
        try:
            records = [row for row in reader if row and "".join(row).strip()]
        except csv.Error as error:
            raise DataError(f"{path}: not a readable CSV ({error})") from None
        if not records:
            raise DataError(f"{path}: the file has no header and no rows")
        header, body = records[0], records[1:]
        if not body:
            raise DataError(f"{path}: the file has a header but no rows")
        for index, row in enumerate(body, start=2):
            if len(row) != len(header):
                raise DataError(f"{path}: record {index} has {len(row)} fields, the header has {len(header)} (ragged rows)")
        return cls(header, body, name=str(path))  # csv gives str cells already


def _read_text(path: Path, encoding: str) -> str:
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a table file")
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{path}: the file is empty")
    if b"\x00" in raw[:65536]:
        raise DataError(f"{path}: looks like a binary file, not a CSV")
    try:
        return raw.decode("utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not valid {encoding} (byte {error.start}); pass --encoding latin-1 or cp1252 if that is what it is") from None
    except LookupError:
        raise DataError(f"{path}: unknown encoding {encoding!r}") from None


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _is_missing(value) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like cells are values, not missing
        return False


def _cell_text(value) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
