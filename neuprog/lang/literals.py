"""Question constants and the program literals that stand for them, converted both ways."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from neuprog.errors import ExecutionError
from neuprog.lang.tree import Arg, DateLiteral, NumberLiteral, TextLiteral
from neuprog.tables.cells import Date
from neuprog.tables.constant import Constant
from neuprog.tables.scoring import format_number


def literal_of(constant: Constant) -> Arg:
    """How a question constant is written in a program.

    >>> literal_of(Constant("2005", number=2005.0))
    NumberLiteral(kind='number', value=2005.0)
    """
    if constant.kind == "date":
        return DateLiteral(value=constant.text)
    if constant.kind == "number":
        return NumberLiteral(value=constant.number)
    return TextLiteral(value=constant.text)


def literals_of(constants: Sequence[Constant]) -> list[Arg]:
    """The program literal of each constant, in pointer order."""
    return [literal_of(constant) for constant in constants]


def constant_of(arg: Arg) -> Constant:
    """The question constant a literal stands for.

    >>> constant_of(DateLiteral(value="2004-05-05")).kind
    'date'
    """
    if isinstance(arg, NumberLiteral):
        return Constant(format_number(arg.value), number=arg.value)
    if isinstance(arg, DateLiteral):
        day = datetime.date.fromisoformat(arg.value)
        return Constant(arg.value, date=Date(day.year, day.month, day.day).key())
    if isinstance(arg, TextLiteral):
        return Constant(arg.value)
    raise ExecutionError(f"{arg!r} is not a constant")
