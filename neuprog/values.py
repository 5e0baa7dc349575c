"""The value types that ops take and return, in their exact and soft (batched) forms.

Each type is a Python class used in op annotations; the registry reads those
annotations to build signatures, the controller reads them to know where an
argument comes from, and the soft executor reads them to know how it is stored:

=========  ==============================  ==========================================
type       exact form                      soft form (batched tensor)
=========  ==============================  ==========================================
RowMask    numpy bool array ``(R,)``       ``(B, R)`` selection weights in [0, 1]
Column     column index ``int``            ``(B, C)`` distribution over columns
Constant   a ``Constant`` instance         ``(B, K)`` distribution over question constants
Scalar     ``float``                       ``(B,)``
Cells      a ``Cells`` instance            ``(B, R, C)`` cell probabilities
=========  ==============================  ==========================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class ValueType:
    """Base of the value types; subclasses document their exact and soft forms."""

    exact_form: str = ""
    soft_form: str = ""


class RowMask(ValueType):
    """A set of table rows: the running selection."""

    exact_form = "numpy bool array (R,)"
    soft_form = "tensor (B, R) in [0, 1]"


class Column(ValueType):
    """One column of the table, chosen by the controller's column head."""

    exact_form = "column index"
    soft_form = "tensor (B, C), a distribution over columns"


class Scalar(ValueType):
    """A number computed by an earlier step (a count, a sum, a difference, ...)."""

    exact_form = "float"
    soft_form = "tensor (B,)"


@dataclass(frozen=True)
class Constant(ValueType):
    """A constant taken from the question: a number, a date or a phrase.

    ``number`` is set for numbers, ``date`` (a sortable day number, see
    ``neuprog.cells.Date.key``) for dates; a phrase has neither and matches
    cells by text.

    >>> Constant("2005", number=2005.0).kind
    'number'
    >>> Constant("lee p. brown").kind
    'text'
    """

    text: str
    number: float | None = None
    date: float | None = None

    exact_form = "Constant(text, number, date)"
    soft_form = "tensor (B, K), a distribution over question constants"

    @property
    def kind(self) -> str:
        if self.date is not None:
            return "date"
        if self.number is not None:
            return "number"
        return "text"

    @property
    def key(self) -> float:
        """The number a cell's value is compared with (NaN for phrases)."""
        if self.date is not None:
            return self.date
        if self.number is not None:
            return self.number
        return math.nan


@dataclass(frozen=True)
class Cells(ValueType):
    """A set of table cells: the lookup answer, as sorted (row, column) coordinates.

    >>> Cells(((2, 0), (0, 1))).coordinates
    ((0, 1), (2, 0))
    """

    coordinates: tuple[tuple[int, int], ...] = ()

    exact_form = "Cells((row, column), ...)"
    soft_form = "tensor (B, R, C) in [0, 1]"

    def __post_init__(self) -> None:
        object.__setattr__(self, "coordinates", tuple(sorted(set(self.coordinates))))


VALUE_TYPES: tuple[type[ValueType], ...] = (RowMask, Column, Constant, Scalar, Cells)
ANSWER_TYPES: tuple[type[ValueType], ...] = (Scalar, Cells)
"""A program's last step must return one of these."""
