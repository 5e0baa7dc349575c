"""The soft executor in hard mode gives exactly what `interpret` gives on the decoded program."""

from __future__ import annotations

import numpy as np
import torch
from conftest import constants, tables
from hypothesis import given, settings
from hypothesis import strategies as st

from neuprog.lang.batch import TableBatch
from neuprog.lang.interpret import interpret
from neuprog.lang.literals import literal_of
from neuprog.lang.ops import BUILTINS
from neuprog.lang.soft import Choices, decode, execute
from neuprog.lang.values import Cells
from neuprog.tables.constant import Constant


@st.composite
def choices_for(draw, table, found, steps):
    ops = [draw(st.integers(0, len(BUILTINS) - 1)) for _ in range(steps - 1)]
    ops.append(draw(st.sampled_from([i for i, op in enumerate(BUILTINS) if op.answers])))
    columns = [draw(st.integers(0, table.shape[1] - 1)) for _ in range(steps)]
    picks = [draw(st.integers(0, len(found) - 1)) for _ in range(steps)]
    return ops, columns, picks


def _logits(indices, size):
    return torch.nn.functional.one_hot(torch.tensor(indices), size).float() * 5 + torch.rand(len(indices), size)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_hard_execution_equals_interpret_of_decoded_program(data):
    table = data.draw(tables(), label="table")
    found = data.draw(constants(table), label="constants")
    steps = data.draw(st.integers(1, 5), label="steps")
    ops, columns, picks = data.draw(choices_for(table, found, steps), label="choices")
    batch = TableBatch.build([table], [found])
    O = len(BUILTINS)
    per_op = lambda indices, size: _logits(indices, size).softmax(-1).unsqueeze(1).expand(-1, O, -1).unsqueeze(0)
    choices = Choices(_logits(ops, O).softmax(-1).unsqueeze(0), per_op(columns, table.shape[1]), per_op(picks, len(found)))
    execution = execute(BUILTINS, batch, choices, hard=True)
    program = decode(BUILTINS, ops, columns, picks, table.header, [literal_of(c) for c in found])
    expected = interpret(program, table)
    got = execution.answers[BUILTINS.names[ops[-1]]][0]
    if isinstance(expected, Cells):
        assert set(map(tuple, torch.nonzero(got > 0.5).tolist())) == set(expected.coordinates)
    else:
        assert np.isclose(float(got), expected, rtol=1e-5, atol=1e-3), (program, float(got), expected)


def test_soft_execution_passes_gradients_to_every_step_choice(olympics):
    found = [Constant("2004", number=2004.0), Constant("athens")]
    batch = TableBatch.build([olympics], [found])
    O = len(BUILTINS)
    leaves = [torch.randn(1, 3, O, requires_grad=True), torch.randn(1, 3, O, 4, requires_grad=True), torch.randn(1, 3, O, 2, requires_grad=True)]
    execution = execute(BUILTINS, batch, Choices(*(leaf.softmax(-1) for leaf in leaves)))
    total = sum(execution.final_ops[:, BUILTINS.names.index(name)] * v.reshape(1, -1).sum(1) for name, v in execution.answers.items())
    total.sum().backward()
    for leaf in leaves:
        assert torch.isfinite(leaf.grad).all() and leaf.grad[0, 0].abs().sum() > 0, "the first step's choices shape the answer"
    assert leaves[0].grad[0, -1].abs().sum() > 0
