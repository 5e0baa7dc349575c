"""Oracle coverage: does any program of T steps over the registry give the gold answer exactly?"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from neuprog.errors import UsageError
from neuprog.lang.interpret import answer_texts
from neuprog.lang.literals import literals_of
from neuprog.lang.registry import Registry
from neuprog.lang.soft import decode
from neuprog.lang.tree import Program
from neuprog.lang.values import STACKED_TYPES, TYPES, Cells, Column
from neuprog.tables.canon import canonical_forms
from neuprog.tables.constant import Constant
from neuprog.tables.scoring import answer_is_correct


@dataclass
class Coverage:
    """The outcome of the search for one question."""

    program: Program | None  # the first program found whose answer is correct
    states: int  # distinct machine states visited
    complete: bool  # False when the state cap cut the search short


def _value_key(value) -> object:
    if isinstance(value, np.ndarray):
        return value.tobytes()
    if isinstance(value, float):
        return round(value, 9)
    return value


def _state_key(stacks: dict[type, list]) -> tuple:
    return tuple(_value_key(v) for t in STACKED_TYPES for v in stacks[t])


def search(registry: Registry, sample, steps: int, max_states: int = 20_000) -> Coverage:
    """Breadth-first search over programs of exactly ``steps`` steps, merging equal machine states.

    The programs are the ones the controller can emit: any op at every step, an answer
    op at the last, stacked arguments taken by the same step machine.
    """
    table, constants = sample.table, sample.question.constants
    C = table.shape[1]
    fills = {t: TYPES[t].empty_exact(table) for t in STACKED_TYPES}
    depth = registry.stack_depth()
    start = {t: [fills[t]] * depth for t in STACKED_TYPES}
    frontier: dict[tuple, tuple[dict, tuple]] = {_state_key(start): (start, ())}
    verdicts: dict[object, bool] = {}
    results: dict[tuple, object] = {}
    tried: set[tuple] = set()
    visited, complete = 1, True
    for level in range(steps):
        last = level == steps - 1
        following: dict[tuple, tuple[dict, tuple]] = {}
        for stacks, path in frontier.values():
            for index, op in enumerate(registry):
                if last and not op.answers:
                    continue
                needed = {t: op.count(t) for t in STACKED_TYPES}
                if any(v is None for t in STACKED_TYPES for v in stacks[t][: needed[t]]):
                    continue  # an argument of a type nothing has produced yet
                column_range = range(C) if op.uses(Column) else (0,)
                constant_range = range(len(constants)) if op.uses(Constant) else (0,)
                for c in column_range:
                    for k in constant_range:
                        constant = constants[k] if constants else None  # ops that take one have k < len(constants)
                        arguments = op.arguments(stacks, c, constant)
                        # An op's result depends only on its arguments, which many states share.
                        call = (op.name, c, k, *(_value_key(a) for a in arguments if not isinstance(a, (int, Constant))))
                        if last:
                            if call in tried:
                                continue
                            tried.add(call)
                        if call not in results:
                            results[call] = op.exact(table, *arguments)
                        result = results[call]
                        choice = path + ((index, c, k),)
                        if last:
                            if _correct(result, table, sample, verdicts):
                                return Coverage(_program(registry, choice, sample), visited, complete)
                            continue
                        updated = op.update(stacks, result, fills)
                        key = _state_key(updated)
                        if key in following:
                            continue
                        if len(following) >= max_states:
                            complete = False
                            continue
                        following[key] = (updated, choice)
        visited += len(following)
        frontier = following
    return Coverage(None, visited, complete)


def _correct(result, table, sample, verdicts: dict) -> bool:
    key = result.coordinates if isinstance(result, Cells) else ("truth", bool(result)) if isinstance(result, (bool, np.bool_)) else round(float(result), 6)
    if key not in verdicts:
        texts = answer_texts(result, table)
        verdicts[key] = bool(texts) and answer_is_correct(texts, sample.answers, sample.canon)
    return verdicts[key]


def _program(registry: Registry, choice: tuple, sample) -> Program:
    ops, columns, constants = (list(part) for part in zip(*choice))
    return decode(registry, ops, columns, constants, sample.table.header, literals_of(sample.question.constants))


def answer_type(answers: Sequence[str]) -> str:
    """The kind of a gold answer: 'number', 'date', 'string' or 'list' (several values).

    >>> answer_type(["12,467"]), answer_type(["May 5, 2004"]), answer_type(["Oslo"]), answer_type(["a", "b"])
    ('number', 'date', 'string', 'list')
    """
    if len(answers) > 1:
        return "list"
    [canon] = canonical_forms(list(answers))
    if canon is None:
        return "string"
    return "date" if "-" in canon[1:] else "number"


def coverage_report(registry: Registry, samples: Sequence, steps: int, max_states: int = 20_000, progress: bool = False) -> dict:
    """Share of ``samples`` some program reaches, overall and per answer type."""
    for name, value in (("steps", steps), ("max_states", max_states)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UsageError(f"{name} must be a whole number above 0, not {value!r}")
    iterator = samples
    if progress:
        iterator = tqdm(samples, desc="oracle", unit="q", leave=False)
    found: Counter = Counter()
    total: Counter = Counter()
    capped = 0
    programs = {}
    started = time.perf_counter()
    for sample in iterator:
        result = search(registry, sample, steps, max_states)
        kind = answer_type(sample.answers)
        total[kind] += 1
        capped += not result.complete
        if result.program is not None:
            found[kind] += 1
            programs[sample.id] = result.program
    n = sum(total.values())
    return {
        "questions": n,
        "covered": sum(found.values()),
        "coverage": round(sum(found.values()) / n, 4) if n else 0.0,
        "by_answer_type": {k: {"questions": total[k], "covered": found[k], "coverage": round(found[k] / total[k], 4)} for k in sorted(total)},
        "searches_cut_short": capped,
        "seconds": round(time.perf_counter() - started, 1),
        "programs": programs,
    }
