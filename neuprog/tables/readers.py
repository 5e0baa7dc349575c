"""Tables from files by their suffix: CSV and TSV by neuprog's own rule; Parquet, Excel, JSON and SQLite through pandas' readers.

Parquet and Excel need optional extras (``pip install 'neuprog[parquet]'``,
``'neuprog[excel]'``); without one, reading such a file is a one-line error
naming the extra. JSON and SQLite need nothing beyond pandas and the standard library.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import sqlite3
import time
from pathlib import Path

import pandas as pd

from neuprog.errors import DataError, LimitError, NeuprogError, UsageError, WrongTypeError
from neuprog.inputs import check_archive, check_file, read_bytes
from neuprog.limits import FILE_BYTES, TABLE_CELLS, TABLE_COLUMNS
from neuprog.tables.table import Table

EXTRAS = {"parquet": "pyarrow", "excel": "openpyxl"}
"""Optional extra -> the package pandas needs for it."""
SUFFIXES = {
    ".parquet": "Parquet",
    ".pq": "Parquet",
    ".xlsx": "Excel",
    ".xlsm": "Excel",
    ".json": "JSON",
    ".jsonl": "JSON Lines",
    ".sqlite": "SQLite",
    ".sqlite3": "SQLite",
    ".db": "SQLite",
}
"""File suffixes read by pandas, and the format each names; any other file is read as CSV or TSV."""
QUERY_SECONDS = 30
"""Reading one SQLite table or view may take this long; a view can be an endless recursive query."""


def read_table(path: str | Path, encoding: str = "utf-8", sheet: str | None = None, table: str | None = None) -> Table:
    """A table from a CSV, TSV, Parquet, Excel (``sheet``: a name or a 0-based position), JSON or SQLite (``table``) file.

    >>> import json, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cities.json"
    >>> _ = path.write_text(json.dumps({"City": ["Oslo", "Bergen"], "Population": [709037, 291940]}))
    >>> read_table(path).rows
    [['Oslo', '709037'], ['Bergen', '291940']]
    """
    if not isinstance(path, (str, os.PathLike)):
        raise WrongTypeError(f"a table file is a path, not {type(path).__name__}")
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if sheet is not None and kind != "Excel":
        raise UsageError(f"{path}: --sheet is for Excel files (.xlsx, .xlsm)")
    if table is not None and kind != "SQLite":
        raise UsageError(f"{path}: --table is for SQLite files (.sqlite, .sqlite3, .db)")
    if kind is None:
        return Table.from_csv(path, encoding=encoding)
    if kind == "SQLite":
        check_file(path, f"{kind} table")
        return _sqlite(path, table)
    data = read_bytes(path, f"{kind} table")
    try:
        if kind == "Parquet":
            frame = _parquet(data, path) if _needs("parquet", kind) else None
        elif kind == "Excel":
            frame = _excel(data, path, sheet) if _needs("excel", kind) else None
        else:
            text = data.decode(encoding)
            TABLE_CELLS.check(text.count(",") + text.count("\n") + 1, f"{path} (by its commas and line breaks)")
            frame = _json(text, lines=kind == "JSON Lines")
    except (NeuprogError, MemoryError):
        raise
    except Exception as error:  # each pandas back end raises its own kinds; the user needs the file named and the reason
        raise DataError(f"{path}: not a readable {kind} table ({str(error).splitlines()[0][:200] if str(error) else type(error).__name__})") from None
    return _table(frame, str(path), f"the {kind} file")


def _table(frame: pd.DataFrame, name: str, what: str) -> Table:
    """A Table from a frame a reader made, once it has columns and its cells are within the limit."""
    if frame.shape[1] == 0:
        raise DataError(f"{name}: {what} holds no columns")
    TABLE_COLUMNS.check(frame.shape[1], name)
    TABLE_CELLS.check(frame.shape[0] * frame.shape[1], name)
    return Table.from_dataframe(frame, name=name)


def _deadline(end: float):
    """An SQLite progress handler that interrupts the query once ``end`` (a monotonic time) has passed."""
    return lambda: int(time.monotonic() > end)


def _needs(extra: str, kind: str) -> bool:
    if importlib.util.find_spec(EXTRAS[extra]) is None:
        raise NeuprogError(f"reading {kind} files needs the '{extra}' extra: pip install 'neuprog[{extra}]'")
    return True


def _parquet(data: bytes, path: Path) -> pd.DataFrame:
    """A Parquet file's rows, once its metadata shows a table within the cell limit."""
    import pyarrow.parquet  # the optional extra, loaded only when a Parquet table is read

    metadata = pyarrow.parquet.read_metadata(io.BytesIO(data))
    TABLE_COLUMNS.check(metadata.num_columns, str(path))
    TABLE_CELLS.check(metadata.num_rows * metadata.num_columns, str(path))
    return pd.read_parquet(io.BytesIO(data))


def _excel(data: bytes, path: Path, sheet: str | None) -> pd.DataFrame:
    """One sheet (the first unless named), its first row as the header, every cell as Excel stored it."""
    check_archive(io.BytesIO(data), str(path), FILE_BYTES)  # an .xlsx book is a zip archive: refuse a bomb before expanding it
    with pd.ExcelFile(io.BytesIO(data), engine="openpyxl") as book:
        names = [str(name) for name in book.sheet_names]
        if sheet is None:
            chosen = names[0]
        elif sheet in names:
            chosen = sheet
        elif sheet.isdigit() and int(sheet) < len(names):
            chosen = names[int(sheet)]
        else:
            raise DataError(f"{path}: no sheet {sheet!r}; sheets: {', '.join(names)}")
        frame = pd.read_excel(book, sheet_name=chosen, header=None, dtype=object)
    if frame.shape[0] < 2:
        raise DataError(f"{path}: sheet {chosen!r} has {'no header and ' if frame.empty else 'a header but '}no rows")
    body = frame.iloc[1:]
    body.columns = list(frame.iloc[0])
    return body


def _json(text: str, lines: bool) -> pd.DataFrame:
    """A list of row objects (or of rows after a header row), an object of column lists, or pandas' {"columns", "data"}."""
    try:
        data = [json.loads(line) for line in text.splitlines() if line.strip()] if lines else json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if isinstance(data, dict) and set(data) >= {"columns", "data"}:
        return pd.DataFrame(data["data"], columns=data["columns"], dtype=object)
    if isinstance(data, list) and data and all(isinstance(row, list) for row in data):
        return pd.DataFrame(data[1:], columns=data[0], dtype=object)
    if isinstance(data, list) and data and all(isinstance(row, dict) for row in data):
        return pd.DataFrame.from_records(data).astype(object)
    if isinstance(data, dict) and data and all(isinstance(column, (list, dict)) for column in data.values()):
        return pd.DataFrame(data, dtype=object)
    raise ValueError("a JSON table is a list of row objects, an object of column lists, or {columns, data}")


def _sqlite(path: Path, table: str | None) -> Table:
    """One table or view of an SQLite file, opened read-only."""
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as connection:
            names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")]
            if table is None and len(names) != 1:
                raise UsageError(f"{path}: {'holds no tables' if not names else 'holds several tables (' + ', '.join(names) + '); choose one with --table'}")
            chosen = names[0] if table is None else table
            if chosen not in names:
                raise DataError(f"{path}: no table {chosen!r}; tables: {', '.join(names) or '(none)'}")
            quoted = '"%s"' % chosen.replace('"', '""')
            connection.set_progress_handler(_deadline(time.monotonic() + QUERY_SECONDS), 10_000)  # a view can loop forever
            width = len(connection.execute(f"SELECT * FROM {quoted} LIMIT 0").description)
            TABLE_COLUMNS.check(width, f"{path}:{chosen}")
            most = TABLE_CELLS.value() // max(width, 1)
            rows = connection.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {quoted} LIMIT ?)", (most + 1,)).fetchone()[0]
            TABLE_CELLS.check(rows * width, f"{path}:{chosen} (at least)")
            frame = pd.read_sql_query(f"SELECT * FROM {quoted}", connection)
    except sqlite3.OperationalError as error:
        if "interrupt" in str(error):
            raise LimitError(f"{path}: reading table {chosen!r} took over {QUERY_SECONDS} seconds; is it a view that never ends?") from None
        raise DataError(f"{path}: not a readable SQLite database ({error})") from None
    except sqlite3.Error as error:
        raise DataError(f"{path}: not a readable SQLite database ({error})") from None
    return _table(frame, f"{path}:{chosen}", f"table {chosen!r}")
