"""A result as HTML for notebooks: the answer, the minimal program, and the table with the rows each step selected."""

from __future__ import annotations

from html import escape

import numpy as np

from neuprog.tables.table import Table

MAX_ROWS = 20
"""Rows shown at most: the first few, then the selected ones; gaps say how many rows they hide."""
MAX_COLUMNS = 12
"""Columns shown at most: those the program reads first, then the leading ones."""
_PICKED, _ANSWER = "#fff3c4", "#ffd54f"  # rows the last selection holds; the answer's cells


def result_html(result, table: Table | None, selections: list[tuple[int, np.ndarray]], columns: list[int] = (), steps: list[str] = ()) -> str:
    """HTML for a result; ``selections`` are (step number, rows) of the steps that select rows, ``steps`` the program's lines.

    >>> from neuprog.model.ask import AskResult
    >>> print(result_html(AskResult("q?", "3", 3.0, [], [], "COUNT", "s1 = SELECT COUNT(*) FROM ALL_ROWS", 0.9), None, []))
    <div class="neuprog-result"><p><b>3</b></p><pre>s1 = SELECT COUNT(*) FROM ALL_ROWS</pre><p>confidence 0.90</p></div>
    """
    if result.status in ("abstained", "failed"):
        head = f"<p><b>no answer</b>: {escape(str(result.reason))}</p><p>best guess:</p>"
    elif result.status == "empty":
        head = f"<p><b>(empty)</b>: {escape(str(result.reason))}</p>"
    else:
        head = f"<p><b>{escape(str(result.answer))}</b></p>"
    how = f"<p>{escape(result.how)}</p>" if result.how else ""
    program = "<pre>" + escape("\n".join(steps) or result.program) + "</pre>"
    body = _table(table, selections, set(map(tuple, result.coordinates)) if result.status == "answered" else set(), list(columns)) if table is not None else ""
    return f'<div class="neuprog-result">{head}{how}{program}<p>confidence {result.confidence:.2f}</p>{body}</div>'


def _table(table: Table, selections: list[tuple[int, np.ndarray]], answer: set, used: list[int]) -> str:
    R, C = table.shape
    marked = np.zeros(R, dtype=bool)
    for _, rows in selections:
        marked |= rows
    marked[[r for r, _ in answer]] = True
    rows = list(range(R)) if R <= MAX_ROWS else sorted(set(range(3)) | set(np.flatnonzero(marked)[: MAX_ROWS - 3].tolist()))
    wanted = sorted(set(used) | {c for _, c in answer})[:MAX_COLUMNS]
    shown = sorted(wanted + [c for c in range(C) if c not in wanted][: MAX_COLUMNS - len(wanted)])
    last = selections[-1][1] if selections else np.zeros(R, dtype=bool)
    head = "<tr><th>row</th>" + "".join(f"<th>s{n}</th>" for n, _ in selections) + "".join(f"<th>{escape(table.header[c])}</th>" for c in shown) + "</tr>"
    lines, previous = [head], -1
    for r in rows:
        if r > previous + 1:
            lines.append(f'<tr><td colspan="{1 + len(selections) + len(shown)}">&#8942; {r - previous - 1:,} more rows</td></tr>')
        style = f' style="background:{_PICKED}"' if last[r] else ""
        steps = "".join(f"<td>{'&#10003;' if picked[r] else ''}</td>" for _, picked in selections)
        cells = "".join(f"<td{_cell_style(r, c, answer)}>{escape(table.cell(r, c))}</td>" for c in shown)
        lines.append(f"<tr{style}><td>{r}</td>{steps}{cells}</tr>")
        previous = r
    if previous < R - 1:
        lines.append(f'<tr><td colspan="{1 + len(selections) + len(shown)}">&#8942; {R - previous - 1:,} more rows</td></tr>')
    note = f"<p>{len(rows):,} of {R:,} rows and {len(shown)} of {C} columns shown</p>" if len(rows) < R or len(shown) < C else ""
    return "<table>" + "".join(lines) + "</table>" + note


def _cell_style(r: int, c: int, answer: set) -> str:
    return f' style="background:{_ANSWER};font-weight:bold"' if (r, c) in answer else ""
