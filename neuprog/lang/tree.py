"""The program tree: steps and their arguments as frozen pydantic nodes, with no behaviour of their own."""

from __future__ import annotations

import datetime
import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


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


Arg = Annotated[StepRef | AllRows | ColumnRef | NumberLiteral | TextLiteral | DateLiteral, Field(discriminator="kind")]


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
    >>> [step.op for step in program.steps]
    ['greater', 'count']
    """

    steps: tuple[Step, ...] = Field(min_length=1)
    """The steps, executed in order."""
