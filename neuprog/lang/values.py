"""The value types that ops take and return, each declared once with every form it takes.

Each type is a Python class used in op annotations. `TYPES` declares, per type,
everything the rest of the package needs to know about it: whether it flows
between steps on a stack or comes from a controller head, which program
arguments can stand for it, how a template shows it, and the value a stack
holds before any step in each of the three representations (exact values for
the interpreter and the oracle, tensors for soft execution, program references
for the decoder).

=========  ==============================  ==========================================
type       exact form                      soft form (batched tensor)
=========  ==============================  ==========================================
RowMask    numpy bool array ``(R,)``       ``(B, R)`` selection weights in [0, 1]
Column     column index ``int``            ``(B, C)`` distribution over columns
Constant   a ``Constant`` instance         ``(B, K)`` distribution over question constants
Scalar     ``float``                       ``(B,)``
Cells      a ``Cells`` instance            ``(B, R, C)`` cell probabilities
Truth      ``bool``                        ``(B,)`` probability of "yes"
=========  ==============================  ==========================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from neuprog.lang.tree import AllRows, NumberLiteral
from neuprog.tables.constant import Constant

__all__ = ["ANSWER_TYPES", "STACKED_TYPES", "TYPES", "Cells", "Column", "Constant", "RowMask", "Scalar", "Truth", "TypeSpec"]


class RowMask:
    """A set of table rows: the running selection."""


class Column:
    """One column of the table, chosen by the controller's column head."""


class Scalar:
    """A number computed by an earlier step (a count, a sum, a difference, ...)."""


class Truth:
    """A yes-or-no answer (whether some row is selected), printed as "yes" or "no"."""


@dataclass(frozen=True)
class Cells:
    """A set of table cells: the lookup answer, as sorted (row, column) coordinates.

    >>> Cells(((2, 0), (0, 1))).coordinates
    ((0, 1), (2, 0))
    """

    coordinates: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "coordinates", tuple(sorted(set(self.coordinates))))


@dataclass(frozen=True)
class TypeSpec:
    """How one value type appears in programs, on the step machine's stacks and in an op's template."""

    arguments: tuple[str, ...]
    """The program argument kinds (`neuprog.lang.tree` node ``kind``) that can stand for it."""
    sample: str
    """A way to write an argument of this type, used to read the shape of an op's template."""
    answer: bool = False
    """Whether a program may end with a value of this type."""
    empty_exact: Callable[[Any], Any] | None = None
    """Stacked types: the value before any step, given the table (None for types chosen by a head)."""
    empty_soft: Callable[[Any], torch.Tensor] | None = None
    """Stacked types: the same as a batched tensor, given the `TableBatch`."""
    empty_ref: Callable[[], Any] | None = None
    """Stacked types: the same as a program argument (None where no program can read it)."""

    @property
    def stacked(self) -> bool:
        """Whether values of this type flow between steps (else a controller head chooses them)."""
        return self.empty_exact is not None


TYPES: dict[type, TypeSpec] = {
    RowMask: TypeSpec(
        ("step", "all_rows"),
        "s1",
        empty_exact=lambda table: np.ones(table.shape[0], dtype=bool),
        empty_soft=lambda batch: batch.rows,
        empty_ref=AllRows,
    ),
    Column: TypeSpec(("column",), '"c"'),
    Constant: TypeSpec(("number", "text", "date"), "0"),
    Scalar: TypeSpec(
        ("step", "number"),
        "s1",
        answer=True,
        empty_exact=lambda table: 0.0,
        empty_soft=lambda batch: batch.numbers.new_zeros(batch.size),
        empty_ref=lambda: NumberLiteral(value=0.0),
    ),
    Cells: TypeSpec(
        ("step",),
        "s1",
        answer=True,
        empty_exact=lambda table: None,
        empty_soft=lambda batch: torch.zeros_like(batch.cells),
        empty_ref=lambda: None,
    ),
    Truth: TypeSpec(
        ("step",),
        "s1",
        answer=True,
        empty_exact=lambda table: None,
        empty_soft=lambda batch: batch.numbers.new_zeros(batch.size),
        empty_ref=lambda: None,
    ),
}
"""Every value type an op may take or return, with its declaration."""

VALUE_TYPES: tuple[type, ...] = tuple(TYPES)
STACKED_TYPES: tuple[type, ...] = tuple(t for t, spec in TYPES.items() if spec.stacked)
"""Types that flow between steps. Column and Constant arguments come from the controller's heads instead."""
ANSWER_TYPES: tuple[type, ...] = tuple(t for t, spec in TYPES.items() if spec.answer)
"""A program's last step must return one of these."""
