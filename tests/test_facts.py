"""Algebraic facts: every fact an op declares holds under exact execution on random tables, and bad declarations are refused."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import constants, draw_arguments, tables
from hypothesis import given, settings
from hypothesis import strategies as st

from neuprog.errors import RegistryError
from neuprog.lang.facts import FACTS
from neuprog.lang.ops import BUILTINS
from neuprog.lang.values import RowMask, Scalar
from neuprog.tables.table import Table

DECLARED = [(op, fact) for op in BUILTINS for fact in sorted(op.facts)]


@pytest.mark.parametrize(("op", "fact"), DECLARED, ids=[f"{op.name}-{fact}" for op, fact in DECLARED])
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_declared_fact_holds_under_exact_execution(op, fact, data):
    table = data.draw(tables(), label="table")
    args = draw_arguments(op, data, table, data.draw(constants(table), label="constants"))
    assert FACTS[fact].holds(op, table, args), f"{op.name} breaks {fact}: {FACTS[fact].law}"


def test_the_minimiser_has_facts_to_read():
    declared = {fact for op in BUILTINS for fact in op.facts}
    assert declared == set(FACTS), f"facts no built-in declares: {set(FACTS) - declared}"


def test_a_law_catches_an_op_that_breaks_it():
    table = Table.from_rows(["a"], [["1"], ["2"], ["3"]])
    below = np.array([False, False, True])
    assert not FACTS["idempotent"].holds(BUILTINS["prev"], table, [below])
    assert not FACTS["keeps_one_row"].holds(BUILTINS["argmax"], Table.from_rows(["a"], [["x"]]), [np.array([True]), 0])
    assert not FACTS["neutral"].holds(BUILTINS["difference"], table, [5.0, 2.0])


def _declare(facts=(), words=None):
    registry = BUILTINS.copy()

    @registry.op("ODD({rows})", facts=facts, words=words)
    class odd:
        """Every other selected row."""

        def exact(table: Table, rows: RowMask) -> RowMask:
            return rows & (np.arange(len(rows)) % 2 == 0)

        def soft(batch, rows):
            return rows

    return registry


@pytest.mark.parametrize(
    ("facts", "words", "message"),
    [
        (("idempotnt",), None, "no fact named 'idempotnt'"),
        (("neutral",), None, "fact 'neutral' needs two arguments"),
        ((), "every other of {rows} in {column}", "not its parameters"),
    ],
)
def test_bad_fact_or_words_declaration_is_refused_naming_the_op(facts, words, message):
    with pytest.raises(RegistryError, match=message) as error:
        _declare(facts, words)
    assert "op odd" in str(error.value)


def test_a_user_op_may_declare_facts_and_words():
    op = _declare(("narrows", "idempotent", "filter"), "odd rows of {rows}")["odd"]
    assert op.has("narrows") and op.words == "odd rows of {rows}"
    assert Scalar not in [p.type for p in op.params]
