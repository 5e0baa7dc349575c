"""Exact execution of a program on a table: the reference semantics."""

from __future__ import annotations

import math

import numpy as np

from neuprog.errors import ExecutionError, WrongTypeError
from neuprog.lang.literals import constant_of
from neuprog.lang.program import check, resolved
from neuprog.lang.registry import Registry
from neuprog.lang.tree import AllRows, ColumnRef, Program, StepRef
from neuprog.lang.values import Cells, Scalar
from neuprog.tables.scoring import format_number
from neuprog.tables.table import Table

Answer = float | Cells | bool
"""A program's answer: a number, a set of cells, or yes (True) or no (False)."""


def interpret(program: Program, table: Table, registry: Registry | None = None, trace: list | None = None) -> Answer:
    """Run ``program`` on ``table`` and return its answer; ``trace`` collects every step's result.

    >>> from neuprog.lang.parse import parse
    >>> table = Table.from_rows(["Year", "City"], [["2004", "Athens"], ["2008", "Beijing"], ["2012", "London"]])
    >>> interpret(parse('s1 = ALL_ROWS WHERE "Year" > 2005; s2 = SELECT COUNT(*) FROM s1'), table)
    2.0
    >>> answer_texts(interpret(parse('s1 = ARGMAX(ALL_ROWS, "Year"); s2 = SELECT "City" FROM s1'), table), table)
    ['London']
    """
    if not isinstance(program, Program):
        raise WrongTypeError(f"interpret runs a Program (from parse), not {type(program).__name__}")
    if not isinstance(table, Table):
        raise WrongTypeError(f"a program runs on a Table (Table.from_rows, Table.from_dataframe, read_table), not {type(table).__name__}")
    registry = resolved(registry)
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
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, as an error of the program
            result = op.exact(table, *args)
        if isinstance(result, (float, np.floating)) and not math.isfinite(result):
            raise ExecutionError(f"step s{len(results) + 1}: {step.op} gives {result}, beyond the range of numbers")
        results.append(result)
    if trace is not None:
        trace.extend(results)
    return results[-1]


def answer_texts(answer: Answer, table: Table) -> list[str]:
    """The answer as a list of strings: the number, the text of each cell in table order, or "yes" or "no"."""
    if isinstance(answer, Cells):
        return [table.cell(r, c) for r, c in answer.coordinates]
    if isinstance(answer, (bool, np.bool_)):
        return ["yes" if answer else "no"]
    return [format_number(round(float(answer), 6))]
