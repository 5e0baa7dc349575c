"""A constant found in a question: a number, a date or a phrase, as ops compare cells with it."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Constant:
    """A constant taken from the question: a number, a date or a phrase.

    ``number`` is set for numbers, ``date`` (a sortable day number, see
    ``neuprog.tables.cells.Date.key``) for dates; a phrase has neither and matches
    cells by text.

    >>> Constant("2005", number=2005.0).kind
    'number'
    >>> Constant("lee p. brown").kind
    'text'
    """

    text: str
    number: float | None = None
    date: float | None = None

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
