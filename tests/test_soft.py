"""Soft and hard execution give exactly what `interpret` gives on the printed program, for stacks, the read-head memory and halting."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import constants, model_choices, tables
from hypothesis import given, settings
from hypothesis import strategies as st

from neuprog.lang.batch import TableBatch
from neuprog.lang.choices import Choices
from neuprog.lang.interpret import interpret
from neuprog.lang.literals import literal_of
from neuprog.lang.ops import BUILTINS
from neuprog.lang.parse import parse
from neuprog.lang.program import render
from neuprog.lang.soft import decode, execute
from neuprog.lang.values import Cells
from neuprog.tables.constant import Constant

OPTIONS = [
    pytest.param(False, False, id="stacks"),
    pytest.param(True, False, id="read-head memory"),
    pytest.param(False, True, id="halting"),
    pytest.param(True, True, id="read-head memory and halting"),
]


def _distribution(indices, size, exact):
    """(len, size) one-hot rows at ``indices``, exactly or as a peaked softmax whose argmax they are."""
    hot = torch.nn.functional.one_hot(torch.tensor(indices), size).float()
    return hot if exact else (hot * 5 + torch.rand(hot.shape)).softmax(-1)


def as_choices(picked: dict, table, found, exact: bool) -> Choices:
    """Batched `Choices` (B = 1) whose argmax is the program ``picked``: each op gets the step's column, constant and reads."""
    O, T = len(BUILTINS), len(picked["ops"])
    per_op = lambda d: d.unsqueeze(1).expand(-1, O, *d.shape[1:]).unsqueeze(0)  # (T, ...) -> (1, T, O, ...)
    choices = Choices(
        _distribution(picked["ops"], O, exact).unsqueeze(0),
        per_op(_distribution(picked["columns"], table.shape[1], exact)),
        per_op(_distribution(picked["constants"], len(found), exact)),
    )
    if picked["reads"] is not None:
        choices.reads = per_op(torch.stack([_distribution(slots, T, exact) for slots in picked["reads"]]))  # (1, T, O, A, M)
    if picked["stop"] is not None:
        choices.halting = _distribution([picked["stop"]], T, exact)  # (1, T)
    return choices


def _agrees(got: torch.Tensor, expected) -> bool:
    if isinstance(expected, Cells):
        return set(map(tuple, torch.nonzero(got > 0.5).tolist())) == set(expected.coordinates)
    return bool(np.isclose(float(got), expected, rtol=1e-5, atol=1e-3))


@pytest.mark.parametrize("memory, halting", OPTIONS)
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_soft_and_hard_execution_equal_interpret_of_the_printed_program(memory, halting, data):
    table = data.draw(tables(), label="table")
    found = data.draw(constants(table), label="constants")
    steps = data.draw(st.integers(1, 5), label="steps")
    picked = data.draw(model_choices(table, found, steps, memory, halting), label="choices")
    batch = TableBatch.build([table], [found])
    program = decode(BUILTINS, header=table.header, constant_args=[literal_of(c) for c in found], **picked)
    printed = parse(render(program))
    assert printed == program
    expected = interpret(printed, table)
    end = steps - 1 if picked["stop"] is None else picked["stop"]
    assert len(program.steps) == end + 1
    answering_op = BUILTINS.names[picked["ops"][end]]
    hard = execute(BUILTINS, batch, as_choices(picked, table, found, exact=False), hard=True)
    soft = execute(BUILTINS, batch, as_choices(picked, table, found, exact=True))
    for execution in (hard, soft):
        assert list(execution.answers) == [end]
        assert _agrees(execution.answers[end][answering_op][0], expected), (render(program), expected)


def test_soft_execution_passes_gradients_to_every_step_choice(olympics):
    found = [Constant("2004", number=2004.0), Constant("athens")]
    batch = TableBatch.build([olympics], [found])
    O = len(BUILTINS)
    leaves = [torch.randn(1, 3, O, requires_grad=True), torch.randn(1, 3, O, 4, requires_grad=True), torch.randn(1, 3, O, 2, requires_grad=True)]
    execution = execute(BUILTINS, batch, Choices(*(leaf.softmax(-1) for leaf in leaves)))
    [(last, answers)] = execution.answers.items()
    total = sum(execution.ops[:, last, BUILTINS.names.index(name)] * v.reshape(1, -1).sum(1) for name, v in answers.items())
    total.sum().backward()
    for leaf in leaves:
        assert torch.isfinite(leaf.grad).all() and leaf.grad[0, 0].abs().sum() > 0, "the first step's choices shape the answer"
    assert leaves[0].grad[0, -1].abs().sum() > 0


def test_soft_execution_passes_gradients_to_memory_reads_and_halting(olympics):
    found = [Constant("2004", number=2004.0), Constant("athens")]
    batch = TableBatch.build([olympics], [found])
    O, T, A = len(BUILTINS), 3, BUILTINS.read_arity()
    leaves = [torch.randn(1, T, O, A, T, requires_grad=True), torch.randn(1, T, requires_grad=True)]
    written = torch.arange(T).reshape(1, 1, 1, 1, T) <= torch.arange(T).reshape(1, T, 1, 1, 1)  # step t reads slots 0..t
    reads = leaves[0].masked_fill(~written, -1e9).softmax(-1)
    choices = Choices(torch.rand(1, T, O).softmax(-1), torch.rand(1, T, O, 4).softmax(-1), torch.rand(1, T, O, 2).softmax(-1), leaves[1].softmax(-1), reads)
    execution = execute(BUILTINS, batch, choices)
    assert sorted(execution.answers) == list(range(T)), "every step may end the program"
    total = sum(
        execution.halting[:, t] * execution.ops[:, t, BUILTINS.names.index(name)] * v.reshape(1, -1).sum(1)
        for t, answers in execution.answers.items()
        for name, v in answers.items()
    )
    total.sum().backward()
    for leaf in leaves:
        assert torch.isfinite(leaf.grad).all() and leaf.grad.abs().sum() > 0
    assert leaves[0].grad[0, 1:].abs().sum() > 0, "later steps' reads choose among earlier results"
