"""Minimal programs: only the steps the answer depends on, with repeats folded by the ops' declared facts.

A decoded program runs a fixed number of steps, so it often carries padding:
steps the answer never reads, repeats of an earlier step, and steps the
ops' algebraic facts (`neuprog.lang.facts`) show cannot change their input
(``LAST(LAST(x))``, ``ALL_ROWS AND x``, a filter its input already satisfies).
`minimize` folds each such step into the value it equals, drops what the answer
does not read and renumbers the rest. Every fold is an equality under exact
execution, so the minimal program gives the identical answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from neuprog.lang.ops import BUILTINS
from neuprog.lang.program import check, render_arg
from neuprog.lang.registry import Op, Registry
from neuprog.lang.tree import AllRows, Arg, Program, Step, StepRef
from neuprog.lang.values import TYPES, RowMask

__all__ = ["Minimal", "minimize"]


@dataclass(frozen=True)
class Minimal:
    """A minimal program and how each step of the program it came from maps onto it."""

    program: Program
    kept: tuple[int | None, ...]
    """Per step of the original program, its number in the minimal one (None if dropped)."""
    dropped: dict[int, str] = field(default_factory=dict)
    """Original step number -> why the minimal program does without it."""


@dataclass
class _Folding:
    """What is known about the steps seen so far, in the original numbering."""

    equals: dict[int, Arg] = field(default_factory=dict)  # a folded step -> the earlier value it equals
    why: dict[int, str] = field(default_factory=dict)  # a folded step -> the reason
    standing: dict[int, tuple[str, tuple]] = field(default_factory=dict)  # a kept step -> (op, resolved args)
    first_of: dict[tuple, int] = field(default_factory=dict)  # (op, resolved args) -> the first step computing it
    one_row: set[int] = field(default_factory=set)  # steps that select at most one row
    satisfied: dict[int, frozenset] = field(default_factory=dict)  # step -> filters every row of its result passes

    def resolve(self, arg: Arg) -> Arg:
        return self.equals.get(arg.index, arg) if isinstance(arg, StepRef) else arg


def minimize(program: Program, registry: Registry | None = None) -> Minimal:
    """The program without padding, and where each original step went.

    >>> from neuprog.lang.parse import parse
    >>> from neuprog.lang.program import render
    >>> raw = parse('s1 = ALL_ROWS WHERE "Gold" > 10; s2 = LAST(s1); s3 = LAST(s2); s4 = SELECT COUNT(*) FROM s1; s5 = SELECT "Nation" FROM s3')
    >>> minimal = minimize(raw)
    >>> print(render(minimal.program))
    s1 = ALL_ROWS WHERE "Gold" > 10; s2 = LAST(s1); s3 = SELECT "Nation" FROM s2
    >>> minimal.kept, minimal.dropped
    ((1, 2, None, None, 3), {3: 'LAST again on s2 changes nothing', 4: 'the answer does not use it'})
    """
    registry = registry or BUILTINS
    check(program, registry)
    known = _Folding()
    last = len(program.steps)
    for number, step in enumerate(program.steps, start=1):
        op = registry[step.op]
        args = tuple(known.resolve(arg) for arg in step.args)
        folded = _fold(op, args, known)
        if folded and (number < last or isinstance(folded[0], StepRef)):  # the answer must stay a step
            known.equals[number], known.why[number] = folded
            continue
        known.standing[number] = (op.name, args)
        known.first_of.setdefault((op.name, args), number)
        _learn(op, number, args, known)
    answer = known.resolve(StepRef(index=last)).index
    used = _reachable(answer, known.standing)
    renumber = {old: new for new, old in enumerate(sorted(used), start=1)}
    steps = tuple(Step(op=known.standing[old][0], args=tuple(_renumbered(a, renumber) for a in known.standing[old][1])) for old in sorted(used))
    dropped = {n: known.why.get(n, "the answer does not use it") for n in range(1, last + 1) if n not in used}
    return Minimal(Program(steps=steps), tuple(renumber.get(n) for n in range(1, last + 1)), dropped)


def _fold(op: Op, args: tuple, known: _Folding) -> tuple[Arg, str] | None:
    """The earlier value a step equals, by purity or a declared fact, and why; None if it may compute something new."""
    name = op.name.upper()
    if (op.name, args) in known.first_of:
        return StepRef(index=known.first_of[(op.name, args)]), f"repeats s{known.first_of[(op.name, args)]}"
    own = [a for p, a in zip(op.params, args) if p.type is op.returns]
    rows = [a for p, a in zip(op.params, args) if p.type is RowMask]
    if op.has("whole_table"):
        return AllRows(), "selects every row, which ALL_ROWS says directly"
    if op.has("widens") and any(isinstance(a, AllRows) for a in rows):
        return AllRows(), f"{name} can only keep ALL_ROWS"
    if (op.has("neutral") or op.has("right_neutral")) and len(own) == 2:
        empty = TYPES[op.returns].empty_ref()
        for mine, other in ((own[1], own[0]), (own[0], own[1]))[: 2 if op.has("neutral") else 1]:
            if mine == empty:
                return other, f"{name} with {render_arg(empty)} leaves {render_arg(other)} as it is"
    if op.has("idempotent") and len(own) == 2 and own[0] == own[1]:
        return own[0], f"{name} of {render_arg(own[0])} with itself is {render_arg(own[0])}"
    if op.has("idempotent") and len(own) == 1 and isinstance(own[0], StepRef):
        earlier = known.standing.get(own[0].index)
        rest = lambda values: tuple(a for p, a in zip(op.params, values) if p.type is not op.returns)
        if earlier and earlier[0] == op.name and rest(earlier[1]) == rest(args):
            return own[0], f"{name} again on s{own[0].index} changes nothing"
    if op.has("keeps_one_row") and isinstance(rows[0], StepRef) and rows[0].index in known.one_row:
        return rows[0], f"{name} of s{rows[0].index}, which holds at most one row, changes nothing"
    if op.has("filter") and isinstance(rows[0], StepRef) and _condition(op, args) in known.satisfied.get(rows[0].index, ()):
        return rows[0], f"every row of s{rows[0].index} already passes this filter"
    return None


def _condition(op: Op, args: tuple) -> tuple:
    """A filter's row condition: the op with its column and constant (its selection left out)."""
    return (op.name, tuple(a for p, a in zip(op.params, args) if p.type is not RowMask))


def _learn(op: Op, number: int, args: tuple, known: _Folding) -> None:
    """Record what the facts say about a kept step: at most one row, and the filters its rows pass."""
    inputs = [a.index for p, a in zip(op.params, args) if p.type is RowMask and isinstance(a, StepRef)]
    if op.has("one_row") or (op.has("narrows") and any(i in known.one_row for i in inputs)):
        known.one_row.add(number)
    if op.has("narrows"):  # the result is inside every selection it reads, so it passes their filters too
        passed = frozenset().union(*(known.satisfied.get(i, frozenset()) for i in inputs))
        known.satisfied[number] = passed | {_condition(op, args)} if op.has("filter") else passed


def _reachable(answer: int, standing: dict[int, tuple[str, tuple]]) -> set[int]:
    used, todo = set(), [answer]
    while todo:
        number = todo.pop()
        if number not in used:
            used.add(number)
            todo.extend(a.index for a in standing[number][1] if isinstance(a, StepRef))
    return used


def _renumbered(arg: Arg, renumber: dict[int, int]) -> Arg:
    return StepRef(index=renumber[arg.index]) if isinstance(arg, StepRef) else arg
