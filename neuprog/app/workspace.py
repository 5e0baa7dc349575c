"""The web inspector's state: its tables and recent answers, held in memory and named by id, and what each request does with them.

Tables come from the command line or from uploads. An upload is written to a
file in a private temporary folder only long enough for the usual readers to
read it, then deleted; from then on it lives in memory, named by an id the
server chose, so no request ever names a path. Uploads and answers are kept
in bounded numbers, the oldest dropped first.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from neuprog.app.inspector import PAGE, Inspection, ask_view, rows_view, run_view
from neuprog.errors import NeuprogError
from neuprog.tables.readers import read_table
from neuprog.tables.table import Table

MAX_UPLOAD_BYTES = 20_000_000
"""Default largest upload: a 100,000-row table of 20 columns is about 13 MB of CSV."""
MAX_UPLOADS = 8
"""Uploaded tables kept in memory; the oldest is forgotten when another arrives."""
MAX_ANSWERS = 32
"""Answers whose rows can still be paged through; the oldest is forgotten first."""
MAX_QUESTION = 1000
MAX_PROGRAM = 20_000
UPLOAD_SUFFIXES = {".csv": ".csv", ".tsv": ".tsv", ".txt": ".csv", ".json": ".json", ".jsonl": ".jsonl"}
"""Uploads are text tables: CSV and TSV (a name with any other suffix is read as CSV), JSON and JSON Lines."""


class RequestError(NeuprogError):
    """A request the inspector refuses, with the HTTP status that says why (400 bad input, 404 no such thing, 413 too large)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Workspace:
    """The tables and answers one inspector serves; every method takes and gives JSON-ready values.

    >>> from neuprog.learn.runner import open_model
    >>> space = Workspace(open_model()[0], [Table.from_csv("examples/cities.csv")])
    >>> [t["id"] for t in space.tables()["tables"]], space.upload("mine.csv", b"a,b\\n1,2\\n")["rows"]
    (['t1'], 1)
    """

    def __init__(self, model, tables: list[Table] = (), max_upload_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self.model = model
        self.max_upload_bytes = max_upload_bytes
        self._tables: OrderedDict[str, Table] = OrderedDict()
        self._uploaded: list[str] = []
        self._answers: OrderedDict[str, tuple[str, Inspection]] = OrderedDict()
        self._count = {"table": 0, "answer": 0}
        self._lock = threading.Lock()  # one question or upload changes the state at a time; the model runs one question at a time
        for table in tables:
            self._add(table)

    def tables(self) -> dict:
        """Every table's id, name and size, and the upload limit."""
        listed = [self._describe(ident, table) for ident, table in self._tables.items()]
        return {"tables": listed, "max_upload_bytes": self.max_upload_bytes}

    def upload(self, name: str, data: bytes) -> dict:
        """Read an uploaded file into a new table; ``name`` only gives its format (by suffix) and the name shown."""
        shown = _shown_name(name)
        if len(data) > self.max_upload_bytes:
            raise RequestError(f"the upload {shown} is {len(data):,} bytes, over the limit of {self.max_upload_bytes:,} bytes", 413)
        suffix = UPLOAD_SUFFIXES.get(Path(shown).suffix.lower(), ".csv")
        with tempfile.TemporaryDirectory(prefix="neuprog-upload-") as private:  # created readable by its owner alone
            path = Path(private) / f"upload{suffix}"
            path.write_bytes(data)
            os.chmod(path, 0o600)
            try:
                table = read_table(path)
            except NeuprogError as error:
                raise RequestError(str(error).replace(str(path), shown)) from None
            except Exception as error:  # a reader's own failure: say which upload and why, never the temporary path
                raise RequestError(f"{shown}: not a readable table ({type(error).__name__}: {str(error).replace(str(path), shown)[:200]})") from None
        if not table.shape[0]:
            raise RequestError(f"{shown}: the table has no rows")
        table.name = shown
        with self._lock:
            ident = self._add(table)
            self._uploaded.append(ident)
            if len(self._uploaded) > MAX_UPLOADS:
                self._tables.pop(self._uploaded.pop(0))
        return self._describe(ident, table)

    def ask(self, body: dict) -> dict:
        """``{"table": id, "question": text}`` -> the answer, confidence, minimal program and steps, with an answer id for paging rows."""
        ident, table = self._table(body.get("table"))
        question = _text(body, "question", MAX_QUESTION)
        with self._lock:
            view, inspection = ask_view(self.model, table, question)
        return {"answer_id": self._remember(ident, inspection), "table": ident} | view

    def run(self, body: dict) -> dict:
        """``{"table": id, "program": text}`` -> the program's answer and steps; errors name their line and column."""
        ident, table = self._table(body.get("table"))
        view, inspection = run_view(table, _text(body, "program", MAX_PROGRAM))
        return {"answer_id": self._remember(ident, inspection), "table": ident} | view

    def rows(self, ident: str, query: dict) -> dict:
        """A page of a table's rows (``offset``, ``limit``), marked with the steps' selections of ``answer`` at ``step``."""
        ident, table = self._table(ident)
        inspection = None
        if query.get("answer"):
            remembered = self._answers.get(query["answer"])
            if remembered is None or remembered[0] != ident:
                raise RequestError(f"no answer {query['answer']!r} for table {ident} (only the latest {MAX_ANSWERS} answers are kept; ask again)", 404)
            inspection = remembered[1]
        numbers = {key: _whole(query, key, default) for key, default in (("offset", 0), ("limit", PAGE), ("step", None))}
        only = query.get("only_selected", "") in ("1", "true")
        return rows_view(table, numbers["offset"], numbers["limit"], inspection, numbers["step"], only)

    def _add(self, table: Table) -> str:
        self._count["table"] += 1
        ident = f"t{self._count['table']}"
        self._tables[ident] = table
        return ident

    def _table(self, ident) -> tuple[str, Table]:
        if not isinstance(ident, str) or ident not in self._tables:
            raise RequestError(f"no table {ident!r}; the tables are {', '.join(self._tables) or '(none)'}", 404)
        return ident, self._tables[ident]

    def _remember(self, ident: str, inspection: Inspection) -> str:
        with self._lock:
            self._count["answer"] += 1
            answer = f"a{self._count['answer']}"
            self._answers[answer] = (ident, inspection)
            while len(self._answers) > MAX_ANSWERS:
                self._answers.popitem(last=False)
        return answer

    def _describe(self, ident: str, table: Table) -> dict:
        rows, columns = table.shape
        return {"id": ident, "name": Path(table.name).name, "rows": rows, "columns": columns, "header": table.header, "uploaded": ident in self._uploaded}


def _shown_name(name: str) -> str:
    """The name an upload is shown by: the file's own name without folders or control characters, at most 100 characters.

    >>> _shown_name("../../etc/passwd"), _shown_name("C:\\\\data\\\\cities.csv"), _shown_name("")
    ('passwd', 'cities.csv', 'upload.csv')
    """
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")[:100]
    return cleaned or "upload.csv"


def _text(body: dict, key: str, longest: int) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RequestError(f"the request needs a {key} (non-empty text)")
    if len(value) > longest:
        raise RequestError(f"the {key} is {len(value):,} characters, over the limit of {longest:,}")
    return value


def _whole(query: dict, key: str, default: int | None) -> int | None:
    text = query.get(key)
    if text is None or text == "":
        return default
    if not str(text).isdigit():
        raise RequestError(f"{key} must be a whole number, not {text!r}")
    return int(text)
