"""Exact execution of a program on a table: the reference semantics."""

from __future__ import annotations

import datetime
from typing import Union

import numpy as np

from .cells import Date
from .errors import ExecutionError
from .program import AllRows, Arg, ColumnRef, DateLiteral, NumberLiteral, Program, StepRef, TextLiteral, check, format_number
from .registry import Registry
from .table import Table
from .values import Cells, Constant, Scalar

Answer = Union[float, Cells]
"""A program's answer: a number, or a set of cells."""


def constant_of(arg: Arg) -> Constant:
    """The question constant a literal stands for."""
    if isinstance(arg, NumberLiteral):
        return Constant(format_number(arg.value), number=arg.value)
    if isinstance(arg, DateLiteral):
        day = datetime.date.fromisoformat(arg.value)
        return Constant(arg.value, date=Date(day.year, day.month, day.day).key())
    if isinstance(arg, TextLiteral):
        return Constant(arg.value)
    raise ExecutionError(f"{arg!r} is not a constant")


def interpret(program: Program, table: Table, registry: Registry | None = None, trace: list | None = None) -> Answer:
    """Run ``program`` on ``table`` and return its answer; ``trace`` collects every step's result.

    >>> from neuprog.parse import parse
    >>> table = Table.from_rows(["Year", "City"], [["2004", "Athens"], ["2008", "Beijing"], ["2012", "London"]])
    >>> interpret(parse('s1 = ALL_ROWS WHERE "Year" > 2005; s2 = SELECT COUNT(*) FROM s1'), table)
    2.0
    >>> answer_texts(interpret(parse('s1 = ARGMAX(ALL_ROWS, "Year"); s2 = SELECT "City" FROM s1'), table), table)
    ['London']
    """
    from .ops import BUILTINS

    registry = registry or BUILTINS
    check(program, registry)
    results: list = []
    for step in program.steps:
        op = registry[step.op]
        args = []
        for param, arg in zip(op.params, step.args):
            if isinstance(arg, StepRef):
                args.append(results[arg.index - 1])
            elif isinstance(arg, AllRows):
                args.append(np.ones(table.shape[0], dtype=bool))
            elif isinstance(arg, ColumnRef):
                args.append(table.column_index(arg.name))
            elif param.type is Scalar:
                args.append(float(arg.value))
            else:
                args.append(constant_of(arg))
        results.append(op.exact(table, *args))
    if trace is not None:
        trace.extend(results)
    return results[-1]


def answer_texts(answer: Answer, table: Table) -> list[str]:
    """The answer as a list of strings: the number, or the text of each cell in table order."""
    if isinstance(answer, Cells):
        return [table.cell(r, c) for r, c in answer.coordinates]
    return [format_number(round(float(answer), 6))]
