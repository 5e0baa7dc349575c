"""Size limits on what neuprog reads, each changeable through an environment variable."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from neuprog.errors import LimitError, UsageError


@dataclass(frozen=True)
class Limit:
    """A bound on one kind of input, in ``unit``s; the environment variable ``variable`` overrides ``default``.

    >>> Limit("NEUPROG_EXAMPLE", 3, "cells").check(4, "t.csv")
    Traceback (most recent call last):
    neuprog.errors.LimitError: t.csv: 4 cells, over the limit of 3 cells (raise it with NEUPROG_EXAMPLE=...)
    """

    variable: str
    """The environment variable that sets the limit, in ``unit``s."""
    default: float
    """The limit when the variable is not set."""
    unit: str
    """What the limit counts: "MB" (10**6 bytes), "cells" or "characters"."""

    def value(self) -> int:
        """The limit in bytes (for MB) or in the unit itself, read from the environment at each call."""
        raw = os.environ.get(self.variable, "").strip()
        try:
            number = float(raw) if raw else self.default
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number <= 0:
            raise UsageError(f"{self.variable}={raw!r}: a limit is a positive number of {self.unit}")
        return int(number * 10**6) if self.unit == "MB" else int(number)

    def check(self, amount: int, culprit: str) -> None:
        """Raise `LimitError`, naming ``culprit`` and the variable to raise, when ``amount`` is over the limit."""
        limit = self.value()
        if amount > limit:
            shown = (
                f"{amount:,} bytes, over the limit of {limit / 10**6:g} MB"
                if self.unit == "MB"
                else f"{amount:,} {self.unit}, over the limit of {limit:,} {self.unit}"
            )
            raise LimitError(f"{culprit}: {shown} (raise it with {self.variable}=...)")


FILE_BYTES = Limit("NEUPROG_MAX_FILE_MB", 100, "MB")
"""Any file read as data: tables, question files, program files, configs."""
MODEL_BYTES = Limit("NEUPROG_MAX_MODEL_MB", 512, "MB")
"""A checkpoint or model folder file, and what a checkpoint archive expands to."""
TABLE_CELLS = Limit("NEUPROG_MAX_CELLS", 5_000_000, "cells")
"""Cells of one table read from a file (rows times columns), counted before parsing."""
TABLE_COLUMNS = Limit("NEUPROG_MAX_COLUMNS", 10_000, "columns")
"""Columns of one table read from a file, counted on its header line before parsing (each column costs time of its own)."""
TEXT_CHARS = Limit("NEUPROG_MAX_TEXT_CHARS", 20_000, "characters")
"""One question, or one program's text."""
LIMITS = (FILE_BYTES, MODEL_BYTES, TABLE_CELLS, TABLE_COLUMNS, TEXT_CHARS)
"""Every limit, for the README and ``neuprog --help``."""
