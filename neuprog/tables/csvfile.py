"""CSV and TSV files to a header and columns of cell text, with one reading rule for every file.

The rule is Python's `csv` module (lenient quoting, blank records skipped, ragged
records refused). Large, well-formed files take pandas' C reader instead, but only
after a vectorised check has shown that the two read this text the same way.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from neuprog.errors import DataError, UsageError, WrongTypeError
from neuprog.inputs import read_bytes
from neuprog.limits import TABLE_CELLS, TABLE_COLUMNS

_QUOTE, _NEWLINE, _RETURN = ord('"'), ord("\n"), ord("\r")


def read_csv_columns(path: str | Path, encoding: str = "utf-8", delimiter: str | None = None) -> tuple[list[str], list[np.ndarray]]:
    r"""The header and the columns (object arrays of str) of a CSV or TSV file.

    Both ordinary CSV quoting ("" inside quotes) and WikiTableQuestions' backslash
    escapes are read. Bad files raise ``DataError`` naming the file.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cities.csv"
    >>> _ = path.write_text('City,Population\nOslo,"709,037"\n\nBergen,291940\n')
    >>> header, columns = read_csv_columns(path)
    >>> header, [column.tolist() for column in columns]
    (['City', 'Population'], [['Oslo', 'Bergen'], ['709,037', '291940']])
    """
    if not isinstance(path, (str, os.PathLike)):
        raise WrongTypeError(f"a table file is a path, not {type(path).__name__}")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n'):
        raise UsageError(f"a delimiter is one character other than a quote or a line break, not {delimiter!r}")
    path = Path(path)
    text = _read_text(path, encoding)
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(text)
    first_line_end = text.find("\n") if "\n" in text else len(text)
    TABLE_COLUMNS.check(text.count(delimiter, 0, first_line_end) + 1, f"{path} (by its first line)")
    TABLE_CELLS.check(text.count(delimiter) + text.count("\n") + 1, f"{path} (by its delimiters and line breaks)")
    escaped = '\\"' in text or "\\\\" in text
    columns = None if escaped else _agreed_columns(text, delimiter)
    if columns is None:
        records = _csv_records(text, delimiter, escaped, path)
        columns = [np.array(column, dtype=object) for column in zip(*records)] if records else []
    else:
        columns = _without_blank_rows(columns)
    if not columns or not len(columns[0]):
        raise DataError(f"{path}: the file has no header and no rows")
    header = [str(column[0]) for column in columns]
    if len(columns[0]) == 1:
        raise DataError(f"{path}: the file has a header but no rows")
    return header, [column[1:] for column in columns]


def _csv_records(text: str, delimiter: str, escaped: bool, path: Path) -> list[list[str]]:
    """Non-blank records by the csv module: the reading rule itself, for any text."""
    csv.field_size_limit(1 << 30)  # real tables have cells far beyond csv's 128 KB default
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, escapechar="\\" if escaped else None, doublequote=not escaped, strict=False)
    records: list[list[str]] = []
    try:
        for row in reader:
            if row and ("".join(row).strip() or (not records and len(row) > 1)):  # a header of empty names is still the header
                records.append(row)
    except csv.Error as error:
        raise DataError(f"{path}: not a readable CSV ({error})") from None
    for index, row in enumerate(records[1:], start=2):
        if len(row) != len(records[0]):
            raise DataError(f"{path}: record {index} has {len(row)} fields, the header has {len(records[0])} (ragged rows)")
    return records


def _agreed_columns(text: str, delimiter: str) -> list[np.ndarray] | None:
    """Columns read by pandas' C reader, or None where it might read ``text`` differently from the csv module."""
    if "\x00" in text or text.startswith("\ufeff") or len(delimiter) != 1 or delimiter in '"\r\n' or ord(delimiter) >= 128:
        return None
    try:
        data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)  # multi-byte characters never contain ASCII bytes
    except UnicodeEncodeError:
        return None
    fields = _fields_per_line(data, ord(delimiter))
    if fields is None or fields[0] == 1 or (fields != fields[0]).any():
        return None  # one column: pandas and csv skip whitespace-only lines differently
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, header=None, dtype=object, na_filter=False, engine="c", quotechar='"', doublequote=True, low_memory=False
        )
    except (pd.errors.ParserError, ValueError):
        return None
    if frame.shape != (len(fields), fields[0]):
        return None
    return [frame[column].to_numpy(dtype=object) for column in frame.columns]


def _fields_per_line(data: np.ndarray, separator: int) -> np.ndarray | None:
    """The number of fields on each non-empty line of CSV bytes, or None where quoting or line ends are not plain.

    Plain: every quote opens a field (after a delimiter, a line break or a closing
    quote) or closes one (before a delimiter, a line break or an opening quote), so a
    byte is quoted exactly when an odd number of quotes precede it; and every carriage
    return is part of a CRLF.
    """
    returns = np.flatnonzero(data == _RETURN)
    if len(returns) and (returns[-1] + 1 >= len(data) or (data[returns + 1] != _NEWLINE).any()):
        return None  # a lone carriage return ends a line for csv, not for this count
    quotes = np.flatnonzero(data == _QUOTE)
    if len(quotes) % 2:
        return None
    edge = np.array([_NEWLINE], np.uint8)
    padded = np.concatenate([edge, data, edge])  # padded[i] is data[i - 1]; line breaks before the first and after the last byte
    before, after = padded[quotes[0::2]], padded[quotes[1::2] + 2]
    if not (np.isin(before, [separator, _NEWLINE, _QUOTE]).all() and np.isin(after, [separator, _NEWLINE, _RETURN, _QUOTE]).all()):
        return None
    newlines = np.flatnonzero(data == _NEWLINE)
    breaks = newlines[np.searchsorted(quotes, newlines) % 2 == 0]  # line breaks outside quotes
    starts, ends = np.concatenate([[0], breaks + 1]), np.concatenate([breaks, [len(data)]])
    ends = ends - ((ends > starts) & (padded[ends] == _RETURN))
    starts = starts[ends > starts]
    if not len(starts):
        return None
    separators = np.flatnonzero(data == separator)
    count_before = lambda positions: np.searchsorted(separators, positions)
    per_line = np.diff(count_before(np.append(starts, len(data))))  # from each line's start to the next's
    quoted = np.zeros(len(starts), dtype=np.int64)  # separators inside quoted fields, per line
    np.add.at(quoted, np.searchsorted(starts, quotes[0::2], side="right") - 1, count_before(quotes[1::2]) - count_before(quotes[0::2]))
    return per_line - quoted + 1


def _without_blank_rows(columns: list[np.ndarray]) -> list[np.ndarray]:
    """Drop rows below the header whose cells are all blank, as the csv rule skips blank records."""
    candidates = 1 + np.flatnonzero([not cell.strip() for cell in columns[0][1:]])
    blank = [r for r in candidates if all(not column[r].strip() for column in columns)]
    return [np.delete(column, blank) for column in columns] if blank else columns


def _read_text(path: Path, encoding: str) -> str:
    """The file's text, refused up front when it is no regular file, too large, binary, or not in ``encoding``."""
    raw = read_bytes(path, "table")
    try:
        codec = codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise DataError(f"{path}: unknown encoding {encoding!r}") from None
    wide = codec.startswith(("utf-16", "utf-32"))  # their text holds NUL bytes; look for NUL characters instead
    if not wide and raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not raw.startswith(codecs.BOM_UTF8):
        raise DataError(f"{path}: starts with a UTF-16 byte order mark; pass --encoding utf-16 if that is what it is")
    if not wide and b"\x00" in raw[:65536]:
        raise DataError(f"{path}: looks like a binary file, not a CSV")
    try:
        text = raw.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not valid {encoding} (byte {error.start}); pass --encoding latin-1 or cp1252 if that is what it is") from None
    if wide and "\x00" in text[:65536]:
        raise DataError(f"{path}: looks like a binary file, not a CSV")
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    return text.removeprefix("\ufeff")


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","
