"""Algebraic facts an op may declare, each stated as a law about its exact execution.

An op lists its facts once, in its declaration (``@op(..., facts=("idempotent",))``).
The program minimiser (`neuprog.lang.minimal`) reads them to drop steps that
cannot change an answer, and a property test checks every declared fact against
exact execution on random tables, so a wrong declaration fails a test instead of
silently changing answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuprog.lang.values import STACKED_TYPES, TYPES, RowMask


@dataclass(frozen=True)
class Fact:
    """One algebraic fact: its law in words, which signatures it fits, and the law as a check."""

    name: str
    law: str
    """The law, in words (``neuprog ops`` prints it)."""
    needs: str
    """What an op's signature must look like for the law to make sense."""
    fits: Callable[[Any], bool]
    """Whether an op's signature admits the law."""
    holds: Callable[[Any, Any, list], bool]
    """``holds(op, table, args)``: the law on one table and one list of exact arguments."""


def _own(op) -> list[int]:
    """Positions of the parameters of the op's own result type (its stacked inputs of that type)."""
    return [i for i, p in enumerate(op.params) if p.type is op.returns]


def _selections(op) -> list[int]:
    return [i for i, p in enumerate(op.params) if p.type is RowMask]


def _with(args: list, positions: list[int], values: list) -> list:
    changed = list(args)
    for position, value in zip(positions, values):
        changed[position] = value
    return changed


def _same(a, b) -> bool:
    return bool(np.array_equal(a, b)) if isinstance(a, np.ndarray) else a == b


def _idempotent(op, table, args) -> bool:
    result, own = op.exact(table, *args), _own(op)
    if len(own) == 1:  # f(f(x)) = f(x)
        return _same(op.exact(table, *_with(args, own, [result])), result)
    x = args[own[0]]  # x . x = x
    return _same(op.exact(table, *_with(args, own, [x, x])), x)


def _keeps_one_row(op, table, args) -> bool:
    [where] = _selections(op)
    single = np.zeros_like(args[where])
    single[np.flatnonzero(args[where])[:1]] = True
    return _same(op.exact(table, *_with(args, [where], [single])), single)


def _neutral(op, table, args) -> bool:
    own, empty = _own(op), TYPES[op.returns].empty_exact(table)
    x = args[own[0]]
    return _same(op.exact(table, *_with(args, own, [empty, x])), x) and _same(op.exact(table, *_with(args, own, [x, empty])), x)


def _right_neutral(op, table, args) -> bool:
    own = _own(op)
    x = args[own[0]]
    return _same(op.exact(table, *_with(args, own, [x, TYPES[op.returns].empty_exact(table)])), x)


def _filter(op, table, args) -> bool:
    [where] = _selections(op)
    everything = np.ones_like(args[where])
    return _same(op.exact(table, *args), args[where] & op.exact(table, *_with(args, [where], [everything])))


_SELECTION_IN_AND_OUT = "a RowMask argument and a RowMask result"
_ONE_SELECTION = "exactly one RowMask argument and a RowMask result"

FACTS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        Fact(
            "idempotent",
            "applying it again to its own result (same column and constant) changes nothing; with two inputs of its type, x op x = x",
            "one or two arguments of its result type, which flows between steps",
            lambda op: op.returns in STACKED_TYPES and len(_own(op)) in (1, 2),
            _idempotent,
        ),
        Fact(
            "narrows",
            "its result keeps only rows of each selection it reads",
            _SELECTION_IN_AND_OUT,
            lambda op: op.returns is RowMask and bool(_selections(op)),
            lambda op, table, args: all(not (op.exact(table, *args) & ~args[i]).any() for i in _selections(op)),
        ),
        Fact(
            "widens",
            "its result keeps every row of each selection it reads",
            _SELECTION_IN_AND_OUT,
            lambda op: op.returns is RowMask and bool(_selections(op)),
            lambda op, table, args: all(not (args[i] & ~op.exact(table, *args)).any() for i in _selections(op)),
        ),
        Fact(
            "one_row",
            "its result selects at most one row",
            "a RowMask result",
            lambda op: op.returns is RowMask,
            lambda op, table, args: int(op.exact(table, *args).sum()) <= 1,
        ),
        Fact(
            "keeps_one_row",
            "a selection of at most one row comes out unchanged",
            _ONE_SELECTION,
            lambda op: op.returns is RowMask and len(_selections(op)) == 1,
            _keeps_one_row,
        ),
        Fact(
            "whole_table",
            "its result selects every row",
            "a RowMask result",
            lambda op: op.returns is RowMask,
            lambda op, table, args: bool(op.exact(table, *args).all()),
        ),
        Fact(
            "neutral",
            "an input that is its type's starting value (ALL_ROWS, 0), on either side, leaves the other input as it is",
            "two arguments of its result type, which flows between steps",
            lambda op: op.returns in STACKED_TYPES and len(_own(op)) == 2,
            _neutral,
        ),
        Fact(
            "right_neutral",
            "a second input that is its type's starting value (ALL_ROWS, 0) leaves the first as it is",
            "two arguments of its result type, which flows between steps",
            lambda op: op.returns in STACKED_TYPES and len(_own(op)) == 2,
            _right_neutral,
        ),
        Fact(
            "filter",
            "its result is its selection intersected with rows chosen by column and constant alone",
            _ONE_SELECTION,
            lambda op: op.returns is RowMask and len(_selections(op)) == 1,
            _filter,
        ),
    )
}
"""Every fact an op may declare, by name."""
