"""Minimal programs keep only the steps the answer depends on and always give the identical answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLE, constants, model_choices, tables
from hypothesis import given, settings
from hypothesis import strategies as st

from neuprog.lang.interpret import interpret
from neuprog.lang.literals import literals_of
from neuprog.lang.minimal import minimize
from neuprog.lang.ops import BUILTINS
from neuprog.lang.parse import parse
from neuprog.lang.program import render
from neuprog.lang.soft import decode
from neuprog.lang.tree import AllRows, ColumnRef, NumberLiteral, Program, Step, StepRef
from neuprog.lang.values import Column, RowMask, Scalar
from neuprog.model.neural_programmer import NeuralProgrammer


def minimal_text(text: str) -> str:
    return render(minimize(parse(text)).program)


@pytest.mark.parametrize(
    ("raw", "minimal"),
    [
        (
            's1 = ALL_ROWS WHERE "C" LIKE \'k\'; s2 = LAST(s1); s3 = LAST(s2); s4 = SELECT "N" FROM s3',
            's1 = ALL_ROWS WHERE "C" LIKE \'k\'; s2 = LAST(s1); s3 = SELECT "N" FROM s2',
        ),
        (
            's1 = MOST_COMMON(ALL_ROWS, "G"); s2 = SELECT COUNT(*) FROM s1; s3 = SELECT COUNT(*) FROM s1; s4 = SELECT COUNT(*) FROM s1',
            's1 = MOST_COMMON(ALL_ROWS, "G"); s2 = SELECT COUNT(*) FROM s1',
        ),
        (
            's1 = SELECT COUNT(*) FROM ALL_ROWS; s2 = SELECT COUNT(*) FROM ALL_ROWS; s3 = SELECT SUM("G") FROM ALL_ROWS',
            's1 = SELECT SUM("G") FROM ALL_ROWS',
        ),
        ('s1 = FIRST(ALL_ROWS); s2 = LAST(s1); s3 = LAST(s2); s4 = SELECT "N" FROM s3', 's1 = FIRST(ALL_ROWS); s2 = SELECT "N" FROM s1'),
        (
            's1 = ARGMAX(ALL_ROWS, "G"); s2 = s1 WHERE "S" > 3; s3 = LAST(s2); s4 = SELECT "N" FROM s3',
            's1 = ARGMAX(ALL_ROWS, "G"); s2 = s1 WHERE "S" > 3; s3 = SELECT "N" FROM s2',
        ),
        ('s1 = ALL_ROWS WHERE "G" > 3; s2 = ALL_ROWS AND s1; s3 = SELECT COUNT(*) FROM s2', 's1 = ALL_ROWS WHERE "G" > 3; s2 = SELECT COUNT(*) FROM s1'),
        ('s1 = ALL_ROWS WHERE "G" > 3; s2 = ALL_ROWS OR s1; s3 = SELECT COUNT(*) FROM s2', "s1 = SELECT COUNT(*) FROM ALL_ROWS"),
        ('s1 = ALL_ROWS; s2 = s1 WHERE "G" > 3; s3 = SELECT COUNT(*) FROM s2', 's1 = ALL_ROWS WHERE "G" > 3; s2 = SELECT COUNT(*) FROM s1'),
        (
            's1 = ALL_ROWS WHERE "G" > 3; s2 = s1 WHERE "S" < 2; s3 = s2 WHERE "G" > 3; s4 = SELECT COUNT(*) FROM s3',
            's1 = ALL_ROWS WHERE "G" > 3; s2 = s1 WHERE "S" < 2; s3 = SELECT COUNT(*) FROM s2',
        ),
        ("s1 = SELECT COUNT(*) FROM ALL_ROWS; s2 = 0 + s1", "s1 = SELECT COUNT(*) FROM ALL_ROWS"),
        ("s1 = SELECT COUNT(*) FROM ALL_ROWS; s2 = SELECT COUNT(*) FROM ALL_ROWS; s3 = s1 + s2", "s1 = SELECT COUNT(*) FROM ALL_ROWS; s2 = s1 + s1"),
        ('s1 = ALL_ROWS WHERE "G" > 3; s2 = s1 AND s1; s3 = SELECT COUNT(*) FROM s2', 's1 = ALL_ROWS WHERE "G" > 3; s2 = SELECT COUNT(*) FROM s1'),
    ],
)
def test_padding_is_dropped_and_steps_renumbered(raw, minimal):
    assert minimal_text(raw) == minimal


@pytest.mark.parametrize(
    "kept",
    [
        's1 = ALL_ROWS WHERE "C" LIKE \'k\'; s2 = LAST(s1); s3 = NEXT(s2); s4 = SELECT "N" FROM s3',
        's1 = PREV(ALL_ROWS); s2 = PREV(s1); s3 = SELECT "N" FROM s2',
        's1 = ALL_ROWS; s2 = SELECT MAX("P") FROM s1; s3 = 0 - s2',
        's1 = ALL_ROWS WHERE "G" > 3; s2 = ARGMAX(s1, "S"); s3 = ARGMAX(s2, "G"); s4 = SELECT "N" FROM s3',
    ],
)
def test_steps_that_can_change_the_answer_stay(kept):
    assert len(minimize(parse(kept)).program.steps) == len([s for s in parse(kept).steps if s.op != "all_rows"])


def test_dropped_steps_say_why_and_kept_steps_say_where_they_went():
    minimal = minimize(parse('s1 = ALL_ROWS WHERE "G" > 3; s2 = SELECT COUNT(*) FROM s1; s3 = SELECT COUNT(*) FROM s1; s4 = SELECT "N" FROM s1'))
    assert minimal.kept == (1, None, None, 2)
    assert minimal.dropped == {2: "the answer does not use it", 3: "repeats s2"}


def test_the_answer_step_folds_into_the_step_it_repeats():
    minimal = minimize(parse("s1 = SELECT COUNT(*) FROM ALL_ROWS; s2 = SELECT COUNT(*) FROM ALL_ROWS"))
    assert render(minimal.program) == "s1 = SELECT COUNT(*) FROM ALL_ROWS" and minimal.kept == (1, None)


def _same_answer(a, b) -> bool:
    return a == b if not isinstance(a, float) else (a == b or (np.isnan(a) and np.isnan(b)))


@st.composite
def decoded_programs(draw, table):
    """Programs as the model writes them: choices run through the stacks or the read-head memory, ending at the last step or a halting one."""
    found = draw(constants(table))
    steps = draw(st.integers(1, 6))
    picked = draw(model_choices(table, found, steps, memory=draw(st.booleans()), halting=draw(st.booleans())))
    return decode(BUILTINS, header=table.header, constant_args=literals_of(found), **picked)


@st.composite
def wired_programs(draw, table):
    """Programs whose steps read any earlier result of the right type, so repeats and shared inputs are common."""
    found = literals_of(draw(constants(table)))
    length = draw(st.integers(1, 7))
    steps, types = [], []
    for position in range(1, length + 1):
        candidates = [op for op in BUILTINS if op.answers] if position == length else list(BUILTINS)
        again = [BUILTINS[step.op] for step in steps if BUILTINS[step.op] in candidates]  # repeating an op is where padding hides
        op = draw(st.sampled_from(candidates) | (st.sampled_from(again) if again else st.nothing()))
        args = []
        for param in op.params:
            earlier = [StepRef(index=i + 1) for i, t in enumerate(types) if t is param.type]
            if param.type is RowMask:
                args.append(draw(st.sampled_from(earlier[-1:] + earlier + [AllRows()])))
            elif param.type is Scalar:
                args.append(draw(st.sampled_from(earlier + [NumberLiteral(value=0.0), NumberLiteral(value=2.0)])))
            elif param.type is Column:
                args.append(ColumnRef(name=table.header[draw(st.integers(0, min(1, table.shape[1] - 1)))]))
            else:
                args.append(draw(st.sampled_from(found)))
        steps.append(Step(op=op.name, args=tuple(args)))
        types.append(op.returns)
    return Program(steps=tuple(steps))


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_minimal_program_parsed_back_gives_the_identical_answer(data):
    table = data.draw(tables(), label="table")
    raw = data.draw(st.one_of(decoded_programs(table), wired_programs(table)), label="program")
    minimal = minimize(raw)
    again = parse(render(minimal.program))
    assert _same_answer(interpret(again, table), interpret(raw, table)), (render(raw), render(minimal.program))
    assert len(minimal.program.steps) + len(minimal.dropped) == len(raw.steps)
    assert minimize(again).dropped == {}, "a minimal program has nothing left to drop"


def test_benchmark_finds_no_padding_left_and_every_minimal_program_faithful_on_the_shipped_sample():
    script = Path(__file__).parent.parent / "examples" / "program_benchmark.py"
    done = subprocess.run(
        [sys.executable, str(script), "--data", str(SAMPLE), "--split", "sample-dev"], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    counts = json.loads(done.stdout.splitlines()[-1])
    assert counts["predictions"] == 20 and counts["raw_steps"] == 20 * NeuralProgrammer.from_pretrained().config.steps
    assert counts["padded_steps_left"] == 0 and counts["faithful"] == counts["predictions"]
    assert counts["minimal_steps"] + counts["padded_steps"] == counts["raw_steps"]
