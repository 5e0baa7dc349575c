"""Shared fixtures: small tables and the soft-versus-exact checker every op goes through."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import strategies as st

from neuprog.lang.batch import TableBatch
from neuprog.lang.ops import BUILTINS
from neuprog.lang.registry import Op
from neuprog.lang.values import Cells, Column, RowMask, Scalar
from neuprog.tables.constant import Constant
from neuprog.tables.table import Table

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = Path(__file__).parent.parent / "datasets" / "wtq-sample"

WORDS = ["red", "blue", "green", "red sox", "athens", ""]
DATES = ["May 5, 2004", "2004-06-01", "1 January 1999"]


@pytest.fixture
def olympics() -> Table:
    return Table.from_rows(
        ["Year", "Venue", "Points", "Date"],
        [
            ["2000", "Sydney", "12", "May 5, 2004"],
            ["2004", "Athens", "7", "2004-06-01"],
            ["2008", "Beijing", "7", "1 January 1999"],
            ["2012", "London", "-3", ""],
        ],
    )


@st.composite
def tables(draw, max_rows: int = 7, max_columns: int = 4) -> Table:
    """Random small tables whose cells mix numbers, repeated words, dates and blanks."""
    rows = draw(st.integers(1, max_rows))
    columns = draw(st.integers(1, max_columns))
    cell = st.one_of(st.integers(-20, 20).map(str), st.sampled_from(WORDS), st.sampled_from(DATES), st.sampled_from(["1,000", "2.5", "3rd"]))
    body = [[draw(cell) for _ in range(columns)] for _ in range(rows)]
    return Table.from_rows([f"c{i}" for i in range(columns)], body)


@st.composite
def constants(draw, table: Table) -> list[Constant]:
    numbers = [float(x) for x in table.numbers[~np.isnan(table.numbers)]] + [0.0, 5.0]
    found = [Constant(str(n), number=n) for n in draw(st.lists(st.sampled_from(numbers), min_size=1, max_size=3))]
    found += [Constant(w) for w in draw(st.lists(st.sampled_from([w for w in WORDS if w]), max_size=2))]
    if draw(st.booleans()):
        found.append(Constant("2004-05-05", date=731706.0))
    return found


@st.composite
def model_choices(draw, table: Table, found: list[Constant], steps: int, memory: bool = False, halting: bool = False, registry=None) -> dict:
    """Choice indices as the controller makes them, as `decode` keyword arguments.

    Ops (the last one answers), a column and a constant per step; with ``memory`` the
    slot each step argument reads (slot t or earlier at step t); with ``halting`` the
    step the program stops at, whose op answers.
    """
    registry = registry or BUILTINS
    answering = [i for i, op in enumerate(registry) if op.answers]
    ops = [draw(st.integers(0, len(registry) - 1)) for _ in range(steps - 1)] + [draw(st.sampled_from(answering))]
    stop = None
    if halting:
        stop = draw(st.integers(0, steps - 1))
        ops[stop] = draw(st.sampled_from(answering))
    columns = [draw(st.integers(0, table.shape[1] - 1)) for _ in range(steps)]
    picked = [draw(st.integers(0, len(found) - 1)) for _ in range(steps)]
    reads = [[draw(st.integers(0, t)) for _ in range(registry.read_arity())] for t in range(steps)] if memory else None
    return {"ops": ops, "columns": columns, "constants": picked, "reads": reads, "stop": stop}


def one_hot(index: int, size: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.tensor([index]), size).float()


def draw_arguments(op: Op, data, table: Table, found: list[Constant]) -> list:
    """Random exact arguments for ``op`` on ``table``: 0/1 row masks, a column, one of the constants ``found``, a small number."""
    args = []
    for param in op.params:
        if param.type is RowMask:
            args.append(np.array(data.draw(st.lists(st.booleans(), min_size=table.shape[0], max_size=table.shape[0]), label=param.name), dtype=bool))
        elif param.type is Column:
            args.append(data.draw(st.integers(0, table.shape[1] - 1), label=param.name))
        elif param.type is Constant:
            args.append(found[data.draw(st.integers(0, len(found) - 1), label=param.name)])
        elif param.type is Scalar:
            args.append(float(data.draw(st.integers(-50, 50), label=param.name)))
        else:
            raise AssertionError(f"no generator for {param.type}")
    return args


def check_soft_matches_exact(op: Op, data) -> None:
    """One op on a random table, with one-hot choices and 0/1 rows, padded inside a batch of two."""
    table = data.draw(tables(), label="table")
    other = data.draw(tables(), label="padding table")
    found = data.draw(constants(table), label="constants")
    batch = TableBatch.build([table, other], [found, [Constant("0", number=0.0)]])
    R, C = batch.cells.shape[1:]
    exact_args = draw_arguments(op, data, table, found)
    soft_args = []
    for param, arg in zip(op.params, exact_args):
        if param.type is RowMask:
            padded = torch.zeros(2, R)
            padded[0, : len(arg)] = torch.tensor(arg, dtype=torch.float32)
            padded[1] = batch.rows[1]
            soft_args.append(padded)
        elif param.type is Column:
            soft_args.append(torch.cat([one_hot(arg, C), one_hot(0, C)]))
        elif param.type is Constant:
            soft_args.append(torch.cat([one_hot(found.index(arg), batch.constants.shape[1]), one_hot(0, batch.constants.shape[1])]))
        else:
            soft_args.append(torch.tensor([arg, 1.0]))
    expected = op.exact(table, *exact_args)
    got = op.soft(batch, *soft_args)[0]
    r = table.shape[0]
    if op.returns is RowMask:
        assert got[r:].abs().sum() == 0, "padding rows must stay unselected"
        assert got[:r].tolist() == expected.astype(float).tolist()
    elif op.returns is Scalar:
        assert np.isclose(float(got), expected, rtol=1e-5, atol=1e-4), (float(got), expected)
    elif op.returns is Cells:
        assert set(map(tuple, torch.nonzero(got > 0.5).tolist())) == set(expected.coordinates)
        assert torch.all((got == 0) | (got == 1))


def rich_batch() -> tuple[Table, TableBatch]:
    """A table where every column, constant and row changes some op's result."""
    table = Table.from_rows(
        ["n", "m", "word", "day"],
        [
            ["3", "10", "red", "May 5, 2004"],
            ["8", "-2", "blue", "June 1, 2004"],
            ["-1", "7", "red", "July 9, 1999"],
            ["5", "4", "green", "May 5, 2004"],
            ["8", "1", "blue", "Jan 3, 2010"],
            ["0", "9", "", "Feb 2, 2001"],
            ["2", "3", "red", "Feb 2, 2001"],
        ],
    )
    found = [Constant("4", number=4.0), Constant("red"), Constant("2003-01-01", date=731216.0), Constant("8", number=8.0)]
    return table, TableBatch.build([table], [found])


def check_gradients(op: Op) -> None:
    """Gradients reach every soft input of an op, finite and non-zero."""
    _, batch = rich_batch()
    generator = torch.Generator().manual_seed(0)
    R, C = batch.cells.shape[1:]
    K = batch.constants.shape[1]
    leaves, args = {}, []
    for param in op.params:
        if param.type is RowMask:
            leaf = (0.2 + 0.6 * torch.rand(1, R, generator=generator)).requires_grad_()
            args.append(leaf)
        elif param.type is Column:
            leaf = torch.randn(1, C, generator=generator).requires_grad_()
            args.append(leaf.softmax(-1))
        elif param.type is Constant:
            leaf = torch.randn(1, K, generator=generator).requires_grad_()
            args.append(leaf.softmax(-1))
        else:
            leaf = torch.randn(1, generator=generator).requires_grad_()
            args.append(leaf)
        leaves[param.name] = leaf
    out = op.soft(batch, *args)
    projection = torch.rand(out.shape, generator=generator) + 0.5
    (out * projection).sum().backward()
    for name, leaf in leaves.items():
        assert leaf.grad is not None, f"{op.name}: no gradient reaches {name!r}"
        assert torch.isfinite(leaf.grad).all(), f"{op.name}: gradient for {name!r} is not finite"
        assert leaf.grad.abs().sum() > 0, f"{op.name}: gradient for {name!r} is zero"
