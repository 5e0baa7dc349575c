"""The web inspector's JSON: a question's answer with each step's choices and rows, an edited program's run, a page of rows.

Nothing here holds state or knows the web framework: each function takes a
model or a table and gives plain dicts, plus an `Inspection` that keeps what a
later page of rows needs (the rows each step selected, the answer's cells).
Every view is bounded in size whatever the table's: a step sends how many rows
it selected and the first `ROW_IDS` of them, and rows travel a page at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from neuprog.errors import ExecutionError, NeuprogError
from neuprog.lang.interpret import interpret
from neuprog.lang.minimal import minimize
from neuprog.lang.ops import BUILTINS
from neuprog.lang.outcome import outcome
from neuprog.lang.parse import parse
from neuprog.lang.program import render, render_step
from neuprog.lang.registry import Registry
from neuprog.lang.tree import Program
from neuprog.lang.values import Cells
from neuprog.model.ask import ask
from neuprog.tables.scoring import format_number
from neuprog.tables.table import Table

ROW_IDS = 200
"""Row ids a step sends at most; the rest are one page request away."""
PAGE = 50
"""Rows in a page unless asked otherwise."""
MAX_PAGE = 500
"""Rows in a page at most, so no request makes the server send a whole big table."""
TOP = 3
"""Alternatives shown per step for the op, the column and the constant."""


@dataclass
class Inspection:
    """What a page of rows needs from one answer: the rows selected after each step and the answer's cells."""

    selections: list[np.ndarray]
    """Per step, the rows selected after it: its own selection, or the one before it for a step that selects none."""
    coordinates: np.ndarray
    """(N, 2) row and column of each cell of the answer, or of the cells its last step aggregated."""


def selections_after(trace: list, rows: int) -> list[np.ndarray]:
    """The rows selected after each step of a run: the latest row selection so far (every row before the first).

    >>> [s.tolist() for s in selections_after([np.array([True, False]), 1.0], 2)]
    [[True, False], [True, False]]
    """
    current, after = np.ones(rows, dtype=bool), []
    for value in trace:
        if isinstance(value, np.ndarray):
            current = value
        after.append(current)
    return after


def ask_view(model, table: Table, question: str, top: int = TOP) -> tuple[dict, Inspection]:
    """A question's answer first, then its confidence, minimal program and every step the model ran with its top choices.

    >>> from neuprog.learn.runner import open_model
    >>> view, _ = ask_view(open_model()[0], Table.from_csv("examples/cities.csv"), "what cities are in norway?")
    >>> view["answer"], view["program"].splitlines()[0], next(step for step in view["steps"] if step["kept"] == 1)["rows"]["count"]
    ('Oslo, Bergen, Trondheim', 's1 = ALL_ROWS WHERE "Country" LIKE \\'norway\\'', 3)
    """
    result = ask(model, table, question, top=top)
    program = parse(result.raw_program, model.registry)
    minimal = minimize(program, model.registry)
    trace = _trace(program, table, model.registry)
    steps = _steps(program, table, trace, model.registry)
    for number, (step, choices) in enumerate(zip(steps, result.steps), start=1):
        step["kept"] = minimal.kept[number - 1]
        step["dropped"] = minimal.dropped.get(number)
        step |= {title: [[label, round(p, 4)] for label, p in choices[title].items()] for title in ("ops", "columns", "constants")}
    view = {
        "question": result.question,
        "status": result.status,
        "answer": result.answer,
        "reason": result.reason,
        "how": result.how,
        "confidence": round(result.confidence, 4),
        "program": render(parse(result.program, model.registry), model.registry, multiline=True),
        "raw_program": render(program, model.registry, multiline=True),
        "steps": steps,
    }
    return view, Inspection(selections_after(trace, table.shape[0]), _cells(result.coordinates))


def run_view(table: Table, text: str, registry: Registry | None = None) -> tuple[dict, Inspection]:
    """Run program text as written (every step kept) and give its answer, its minimal form and each step's rows.

    Syntax, type and execution errors propagate; `error_view` turns them into JSON with their position.

    >>> view, _ = run_view(Table.from_csv("examples/cities.csv"), 's1 = ALL_ROWS WHERE "Population" > 600000\\ns2 = SELECT COUNT(*) FROM s1')
    >>> view["answer"], view["how"], [step["rows"]["count"] for step in view["steps"]]
    ('5', 'count of 5 rows where "Population" > 600000', [5, 5])
    """
    registry = registry or BUILTINS
    program = parse(text, registry)
    trace: list = []
    interpret(program, table, registry, trace)
    done = outcome(program, table, registry, trace)
    view = {
        "status": "empty" if done.empty else "answered",
        "answer": done.answer,
        "reason": done.empty,
        "how": done.how,
        "program": render(program, registry, multiline=True),
        "minimal": render(minimize(program, registry).program, registry, multiline=True),
        "steps": _steps(program, table, trace, registry),
    }
    return view, Inspection(selections_after(trace, table.shape[0]), _cells(done.coordinates))


def rows_view(
    table: Table, offset: int = 0, limit: int = PAGE, inspection: Inspection | None = None, step: int | None = None, only_selected: bool = False
) -> dict:
    """One page of rows, each with its cells, whether the chosen step selected it and which of its cells the answer holds.

    ``step`` counts from 1 (None: the last step); ``only_selected`` pages through that step's rows alone.

    >>> page = rows_view(Table.from_csv("examples/cities.csv"), offset=6, limit=5)
    >>> page["total"], [row["id"] for row in page["rows"]], page["rows"][0]["cells"][0]
    (8, [6, 7], 'Aarhus')
    """
    R = table.shape[0]
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise NeuprogError(f"a page is 1 to {MAX_PAGE} rows from an offset of 0 or more, not {limit} rows from {offset}")
    selected = None
    if inspection is not None and inspection.selections:
        if step is not None and not 1 <= step <= len(inspection.selections):
            raise NeuprogError(f"no step {step}: the program has steps 1 to {len(inspection.selections)}")
        selected = inspection.selections[(step or len(inspection.selections)) - 1]
    chosen = np.flatnonzero(selected) if only_selected and selected is not None else None
    ids = (chosen[offset : offset + limit] if chosen is not None else np.arange(offset, min(offset + limit, R))).tolist()
    answer: dict[int, list[int]] = {}
    if inspection is not None and len(inspection.coordinates):
        coordinates = inspection.coordinates
        for r, c in coordinates[np.isin(coordinates[:, 0], ids)].tolist():
            answer.setdefault(r, []).append(c)
    rows = [
        {
            "id": r,
            "cells": [table.cell(r, c) for c in range(table.shape[1])],
            "selected": bool(selected[r]) if selected is not None else False,
            "answer": answer.get(r, []),
        }
        for r in ids
    ]
    return {
        "header": table.header,
        "offset": offset,
        "total": len(chosen) if chosen is not None else R,
        "rows_in_table": R,
        "selected_count": int(selected.sum()) if selected is not None else None,
        "rows": rows,
    }


_WHERE = re.compile(r"line (\d+), column (\d+)")
_STEP = re.compile(r"^step s(\d+):")


def error_view(error: Exception) -> dict:
    """An error as JSON: its one-line message, and where the program text went wrong when the message says.

    >>> error_view(ValueError("syntax error at line 2, column 7: unexpected ')'"))
    {'error': "syntax error at line 2, column 7: unexpected ')'", 'line': 2, 'column': 7}
    >>> error_view(ValueError("step s2: count argument 'rows' expects RowMask, got s1 which is a Scalar"))["step"]
    2
    """
    message = str(error)
    view: dict = {"error": message}
    if where := _WHERE.search(message):
        view |= {"line": int(where[1]), "column": int(where[2])}
    elif step := _STEP.match(message):
        view["step"] = int(step[1])
    return view


def _trace(program: Program, table: Table, registry: Registry) -> list:
    """Every step's exact result; empty when the program cannot run on the table (the answer then says why)."""
    trace: list = []
    try:
        interpret(program, table, registry, trace)
    except ExecutionError:
        return []
    return trace


def _steps(program: Program, table: Table, trace: list, registry: Registry) -> list[dict]:
    """Each step's text, what it computed in brief, and the rows selected after it (their count and the first few ids)."""
    after = selections_after(trace, table.shape[0])
    steps = []
    for number, step in enumerate(program.steps, start=1):
        view = {"number": number, "text": f"s{number} = {render_step(step, registry)}", "kind": None, "value": None, "rows": None}
        if trace:
            value, rows = trace[number - 1], np.flatnonzero(after[number - 1])
            view["rows"] = {"count": len(rows), "ids": rows[:ROW_IDS].tolist()}
            if isinstance(value, np.ndarray):
                view |= {"kind": "rows", "value": f"{len(rows):,} row{'' if len(rows) == 1 else 's'}"}
            elif isinstance(value, Cells):
                view |= {"kind": "cells", "value": f"{len(value.coordinates):,} cell{'' if len(value.coordinates) == 1 else 's'}"}
            elif isinstance(value, (bool, np.bool_)):
                view |= {"kind": "truth", "value": "yes" if value else "no"}
            else:
                view |= {"kind": "number", "value": format_number(round(float(value), 6))}
        steps.append(view)
    return steps


def _cells(coordinates) -> np.ndarray:
    return np.asarray(coordinates, dtype=np.int64).reshape(-1, 2)
