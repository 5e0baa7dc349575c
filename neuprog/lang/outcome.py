"""What a program computed, shaped for people: the answer in the table's style, how it was computed in words, the cells it read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from neuprog.lang.interpret import interpret
from neuprog.lang.ops import BUILTINS
from neuprog.lang.program import render_arg
from neuprog.lang.registry import Op, Registry
from neuprog.lang.tree import AllRows, Arg, ColumnRef, DateLiteral, NumberLiteral, Program, Step, StepRef, TextLiteral
from neuprog.lang.values import Cells, Column, RowMask, Scalar
from neuprog.tables.scoring import format_number
from neuprog.tables.style import NumberStyle
from neuprog.tables.table import Table

SHOWN_CELLS = 5
"""A longer list of cells is summarised as its first few, then "... and N more"."""
MOST_CELLS_IN_FULL = 10
"""Lists up to this long are shown whole."""
_STYLE_SAMPLE = 1000  # a column's style is read from at most this many of the cells a step reads


@dataclass
class Outcome:
    """A program's answer on one table, as one line for people and in the table-QA pipeline's terms."""

    answer: str
    """One line: the number in its column's style, or the cells' texts (a long list summarised); "" when empty."""
    value: float | list[str] | bool
    """The computed answer itself: the number, every cell's text, or True for yes and False for no."""
    coordinates: list[tuple[int, int]]
    """(row, column) of the answer's cells, or of the cells the last step aggregated (their rows in its column)."""
    cells: list[str]
    """The texts of the cells at ``coordinates``."""
    aggregator: str
    """``NONE`` for a lookup, else the last op's name in capitals (``COUNT``, ``SUM``, ``EXISTS``, ...)."""
    how: str
    """How the answer was computed, in words."""
    empty: str | None = None
    """Why the answer holds nothing, when it does not."""
    selections: list[tuple[int, np.ndarray]] = field(default_factory=list, repr=False)
    """(step number, rows) for every step that selects rows."""


def outcome(program: Program, table: Table, registry: Registry | None = None, trace: list | None = None) -> Outcome:
    """Run ``program`` (unless its ``trace`` of step results is given) and shape its answer.

    >>> from neuprog.lang.parse import parse
    >>> table = Table.from_csv("examples/tables/medals.csv")
    >>> done = outcome(parse('s1 = ALL_ROWS WHERE "Gold" > 10; s2 = SELECT COUNT(*) FROM s1'), table)
    >>> done.answer, done.how, done.aggregator
    ('3', 'count of 3 rows where "Gold" > 10', 'COUNT')
    >>> outcome(parse('s1 = SELECT SUM("Gold") FROM ALL_ROWS'), table).answer
    '83'
    """
    registry = registry or BUILTINS
    if trace is None:
        trace = []
        interpret(program, table, registry, trace)
    result, last = trace[-1], program.steps[-1]
    how = _Words(program, table, registry, trace).scalar(StepRef(index=len(trace)), nested=False)
    selections = [(n, value) for n, value in enumerate(trace, start=1) if isinstance(value, np.ndarray)]
    if isinstance(result, Cells):
        coordinates = [tuple(rc) for rc in result.coordinates]
        cells = [table.cell(r, c) for r, c in coordinates]
        empty = (
            None
            if any(text.strip() for text in cells)
            else (
                "the program selects no rows"
                if not cells
                else f"the {_rows(len(cells))[:-4]}cell{'s' if len(cells) > 1 else ''} it selects {'are' if len(cells) > 1 else 'is'} blank"
            )
        )
        return Outcome("" if empty else summarise(cells), cells, coordinates, cells, "NONE", how, empty, selections)
    coordinates = _read_cells(last, table, trace)
    cells = [table.cell(r, c) for r, c in coordinates]
    aggregator = registry[last.op].name.upper()
    if isinstance(result, (bool, np.bool_)):
        return Outcome("yes" if result else "no", bool(result), coordinates, cells, aggregator, how, None, selections)
    answer = _style(program, len(trace), table, registry, trace).format(float(result))
    return Outcome(answer, float(result), coordinates, cells, aggregator, how, None, selections)


def summarise(texts: list[str]) -> str:
    """Texts on one line, joined by commas (semicolons when a text holds a comma); a long list shows its first few and how many more.

    >>> summarise(["Kenya", "Nigeria"]), summarise([str(n) for n in range(12)]), summarise(["709,037", "291,940"])
    ('Kenya, Nigeria', '0, 1, 2, 3, 4, ... and 7 more', '709,037; 291,940')
    """
    kept = texts if len(texts) <= MOST_CELLS_IN_FULL else texts[:SHOWN_CELLS]
    shown = [re.sub(r"\s*[\r\n]+\s*", " ", text) if text.strip() else "(blank)" for text in kept]
    more = len(texts) - len(shown)
    separator = "; " if any("," in text for text in shown) else ", "
    return separator.join(shown) + (f"{separator}... and {more:,} more" if more else "")


def _read_cells(step: Step, table: Table, trace: list) -> list[tuple[int, int]]:
    """The cells an aggregating step reads: its selection's rows in its column (column 0 without one)."""
    rows, column = None, 0
    for arg in step.args:
        if isinstance(arg, AllRows) and rows is None:
            rows = np.ones(table.shape[0], dtype=bool)
        elif isinstance(arg, StepRef) and isinstance(trace[arg.index - 1], np.ndarray) and rows is None:
            rows = trace[arg.index - 1]
        elif isinstance(arg, ColumnRef):
            column = table.column_index(arg.name)
    return [] if rows is None else [(int(r), column) for r in np.flatnonzero(rows)]


def _style(program: Program, number: int, table: Table, registry: Registry, trace: list) -> NumberStyle:
    """The style of the number step ``number`` computes: its column's, its inputs' when they agree, else plain."""
    step = program.steps[number - 1]
    op = registry[step.op]
    if op.uses(Column):
        cells = _read_cells(step, table, trace)[:_STYLE_SAMPLE]
        return NumberStyle.of(table.cell(r, c) for r, c in cells)
    inputs = {_style(program, a.index, table, registry, trace) for p, a in zip(op.params, step.args) if p.type is Scalar and isinstance(a, StepRef)}
    return inputs.pop() if len(inputs) == 1 else NumberStyle()


def _rows(count: int) -> str:
    return "no rows" if count == 0 else "1 row" if count == 1 else f"{count:,} rows"


class _Words:
    """Each op's declared words, filled in with its arguments: nested phrases for earlier steps, counts of rows."""

    def __init__(self, program: Program, table: Table, registry: Registry, trace: list) -> None:
        self.steps, self.table, self.registry, self.trace = program.steps, table, registry, trace

    def rows(self, arg: Arg) -> str:
        """A selection as a noun phrase: "all 8 rows", "3 rows where "Gold" > 10", "the last of ..."."""
        if not isinstance(arg, StepRef):
            return f"all {_rows(self.table.shape[0])}"
        conditions, base = [], arg
        while isinstance(base, StepRef) and self._condition(base):
            step = self.steps[base.index - 1]
            conditions.insert(0, self._condition(base))
            base = next(a for p, a in zip(self.registry[step.op].params, step.args) if p.type is RowMask)
        if not conditions:
            return self.fill(arg.index)
        phrase = f"{_rows(int(self.trace[arg.index - 1].sum()))} where {' and '.join(conditions)}"
        return phrase if isinstance(base, AllRows) else f"{phrase}, among {self.rows(base)}"

    def _condition(self, ref: StepRef) -> str | None:
        """A filter step's condition in words ("\"Gold\" > 10"), or None for other steps."""
        op = self.registry[self.steps[ref.index - 1].op]
        return self.fill(ref.index) if op.has("filter") and "{rows}" not in op.words else None

    def scalar(self, arg: Arg, nested: bool = True) -> str:
        if isinstance(arg, NumberLiteral):
            return format_number(arg.value)
        phrase = self.fill(arg.index)
        return f"({phrase})" if nested else phrase  # "(count of ...) minus (count of ...)" groups plainly

    def fill(self, number: int) -> str:
        step = self.steps[number - 1]
        op: Op = self.registry[step.op]
        result = self.trace[number - 1]
        filled = {"n": _rows(int(result.sum())) if isinstance(result, np.ndarray) else ""}
        for param, arg in zip(op.params, step.args):
            if param.type is RowMask:
                filled[param.name] = self.rows(arg)
            elif param.type is Scalar:
                filled[param.name] = self.scalar(arg)
            elif isinstance(arg, ColumnRef):
                filled[param.name] = f'"{arg.name}"'
            elif isinstance(arg, DateLiteral):
                filled[param.name] = arg.value
            elif isinstance(arg, TextLiteral):
                filled[param.name] = f"'{arg.value}'"
            else:
                filled[param.name] = render_arg(arg)
        return op.words.format(**filled)
