"""Programs: a typed tree of steps, checked against the registry and rendered as SQL-like text."""

from __future__ import annotations

import datetime
import math
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import ProgramTypeError
from .registry import Registry
from .values import ANSWER_TYPES, Cells, Column, Constant, RowMask, Scalar


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepRef(_Node):
    """The result of an earlier step, written ``s1``, ``s2``, ... (1-based)."""

    kind: Literal["step"] = "step"
    index: int = Field(ge=1)
    """Position of the referenced step, counting from 1."""


class AllRows(_Node):
    """Every row of the table, written ``ALL_ROWS``."""

    kind: Literal["all_rows"] = "all_rows"


class ColumnRef(_Node):
    """A column by name, written in double quotes: ``"Year"``."""

    kind: Literal["column"] = "column"
    name: str
    """The column's full header text."""


class NumberLiteral(_Node):
    """A number, written plainly: ``2005``, ``-3.5``."""

    kind: Literal["number"] = "number"
    value: float
    """The number; finite."""

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("a number literal must be finite")
        return value


class TextLiteral(_Node):
    """A phrase, written in single quotes: ``'lee p. brown'``."""

    kind: Literal["text"] = "text"
    value: str
    """The phrase as it appeared in the question."""


class DateLiteral(_Node):
    """A calendar date, written ``DATE '2004-05-05'``."""

    kind: Literal["date"] = "date"
    value: str
    """The date as ISO ``yyyy-mm-dd``."""

    @field_validator("value")
    @classmethod
    def _iso(cls, value: str) -> str:
        datetime.date.fromisoformat(value)
        return value


Arg = Annotated[Union[StepRef, AllRows, ColumnRef, NumberLiteral, TextLiteral, DateLiteral], Field(discriminator="kind")]


class Step(_Node):
    """One op applied to its arguments, in the order of the op's parameters."""

    op: str
    """The registered op's name."""
    args: tuple[Arg, ...] = ()
    """One argument per parameter of the op."""


class Program(_Node):
    """A sequence of steps; the last step's result is the answer.

    >>> program = Program(steps=(Step(op="greater", args=(AllRows(), ColumnRef(name="Year"), NumberLiteral(value=2005))),
    ...                          Step(op="count", args=(StepRef(index=1),))))
    >>> print(render(program))
    s1 = ALL_ROWS WHERE "Year" > 2005; s2 = SELECT COUNT(*) FROM s1
    """

    steps: tuple[Step, ...] = Field(min_length=1)
    """The steps, executed in order."""


# -- type checking ---------------------------------------------------------------------------

_ACCEPTS = {
    RowMask: ("step", "all_rows"),
    Scalar: ("step", "number"),
    Cells: ("step",),
    Column: ("column",),
    Constant: ("number", "text", "date"),
}


def check(program: Program, registry: Registry) -> list[type]:
    """Type-check a program against the registry; returns each step's result type.

    Errors name the step, the op and the argument.
    """
    results: list[type] = []
    for position, step in enumerate(program.steps, start=1):
        if step.op not in registry:
            raise ProgramTypeError(f"step s{position}: unknown op {step.op!r}")
        op = registry[step.op]
        if len(step.args) != len(op.params):
            raise ProgramTypeError(f"step s{position}: {op.signature} takes {len(op.params)} arguments, got {len(step.args)}")
        for param, arg in zip(op.params, step.args):
            where = f"step s{position}: {op.name} argument {param.name!r} expects {param.type.__name__}"
            if arg.kind not in _ACCEPTS[param.type]:
                raise ProgramTypeError(f"{where}, got {render_arg(arg)}")
            if isinstance(arg, StepRef):
                if arg.index >= position:
                    raise ProgramTypeError(f"{where}, but s{arg.index} is not an earlier step")
                got = results[arg.index - 1]
                if got is not param.type:
                    raise ProgramTypeError(f"{where}, got s{arg.index} which is a {got.__name__}")
        results.append(op.returns)
    if results[-1] not in ANSWER_TYPES:
        last = program.steps[-1].op
        raise ProgramTypeError(f"step s{len(results)}: a program must end with an answer (Scalar or Cells); {last} returns {results[-1].__name__}")
    return results


# -- rendering -------------------------------------------------------------------------------


def format_number(value: float) -> str:
    """The shortest text that reads back as ``value``.

    >>> format_number(2005.0), format_number(-0.5), format_number(1e21)
    ('2005', '-0.5', '1e+21')
    """
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def render_arg(arg: Arg) -> str:
    if isinstance(arg, StepRef):
        return f"s{arg.index}"
    if isinstance(arg, AllRows):
        return "ALL_ROWS"
    if isinstance(arg, ColumnRef):
        return '"' + arg.name.replace('"', '""') + '"'
    if isinstance(arg, NumberLiteral):
        return format_number(arg.value)
    if isinstance(arg, TextLiteral):
        return "'" + arg.value.replace("'", "''") + "'"
    return f"DATE '{arg.value}'"


def render_step(step: Step, registry: Registry) -> str:
    op = registry[step.op]
    return op.template.format(**{p.name: render_arg(a) for p, a in zip(op.params, step.args)})


def render(program: Program, registry: Registry | None = None, multiline: bool = False) -> str:
    """The program as text, one ``sN = ...`` per step, joined by ``; `` or newlines."""
    from .ops import BUILTINS

    registry = registry or BUILTINS
    lines = [f"s{i} = {render_step(step, registry)}" for i, step in enumerate(program.steps, start=1)]
    return ("\n" if multiline else "; ").join(lines)
