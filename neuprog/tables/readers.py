"""Tables from files by their suffix: CSV and TSV by neuprog's own rule; Parquet, Excel, JSON and SQLite through pandas' readers.

Parquet and Excel need optional extras (``pip install 'neuprog[parquet]'``,
``'neuprog[excel]'``); without one, reading such a file is a one-line error
naming the extra. JSON and SQLite need nothing beyond pandas and the standard library.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path

import pandas as pd

from neuprog.errors import DataError, NeuprogError, UsageError
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


def read_table(path: str | Path, encoding: str = "utf-8", sheet: str | None = None, table: str | None = None) -> Table:
    """A table from a CSV, TSV, Parquet, Excel (``sheet``: a name or a 0-based position), JSON or SQLite (``table``) file.

    >>> import json, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cities.json"
    >>> _ = path.write_text(json.dumps({"City": ["Oslo", "Bergen"], "Population": [709037, 291940]}))
    >>> read_table(path).rows
    [['Oslo', '709037'], ['Bergen', '291940']]
    """
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if sheet is not None and kind != "Excel":
        raise UsageError(f"{path}: --sheet is for Excel files (.xlsx, .xlsm)")
    if table is not None and kind != "SQLite":
        raise UsageError(f"{path}: --table is for SQLite files (.sqlite, .sqlite3, .db)")
    if kind is None:
        return Table.from_csv(path, encoding=encoding)
    if not path.is_file():
        raise DataError(f"{path}: no such file" if not path.exists() else f"{path}: is a directory, not a table file")
    if kind == "SQLite":
        return _sqlite(path, table)
    try:
        if kind == "Parquet":
            frame = pd.read_parquet(path) if _needs("parquet", kind) else None
        elif kind == "Excel":
            frame = _excel(path, sheet) if _needs("excel", kind) else None
        else:
            frame = _json(path.read_text(encoding=encoding), lines=kind == "JSON Lines")
    except (NeuprogError, MemoryError):
        raise
    except Exception as error:  # each pandas back end raises its own kinds; the user needs the file named and the reason
        raise DataError(f"{path}: not a readable {kind} table ({str(error).splitlines()[0][:200] if str(error) else type(error).__name__})") from None
    if frame.shape[1] == 0:
        raise DataError(f"{path}: the {kind} file holds no columns")
    return Table.from_dataframe(frame, name=str(path))


def _needs(extra: str, kind: str) -> bool:
    if importlib.util.find_spec(EXTRAS[extra]) is None:
        raise NeuprogError(f"reading {kind} files needs the '{extra}' extra: pip install 'neuprog[{extra}]'")
    return True


def _excel(path: Path, sheet: str | None) -> pd.DataFrame:
    """One sheet (the first unless named), its first row as the header, every cell as Excel stored it."""
    with pd.ExcelFile(path, engine="openpyxl") as book:
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
    data = [json.loads(line) for line in text.splitlines() if line.strip()] if lines else json.loads(text)
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
            frame = pd.read_sql_query('SELECT * FROM "%s"' % chosen.replace('"', '""'), connection)
    except sqlite3.Error as error:
        raise DataError(f"{path}: not a readable SQLite database ({error})") from None
    if frame.shape[1] == 0:
        raise DataError(f"{path}: table {chosen!r} holds no columns")
    return Table.from_dataframe(frame, name=f"{path}:{chosen}")
