"""Every registered op: soft semantics agree with exact semantics, and gradients flow."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import check_gradients, check_soft_matches_exact
from hypothesis import given, settings
from hypothesis import strategies as st

from neuprog.errors import RegistryError
from neuprog.lang.batch import TableBatch
from neuprog.lang.interpret import answer_texts, interpret
from neuprog.lang.ops import BUILTINS
from neuprog.lang.parse import parse
from neuprog.lang.values import Column, RowMask, Scalar
from neuprog.tables.table import Table

OPS = list(BUILTINS)


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_soft_execution_with_one_hot_choices_equals_exact(op, data):
    check_soft_matches_exact(op, data)


@pytest.mark.parametrize("op", [op for op in OPS if op.params], ids=[op.name for op in OPS if op.params])
def test_gradients_reach_every_soft_argument(op):
    check_gradients(op)


def test_registry_has_at_least_eighteen_ops_with_docs_and_templates():
    assert len(BUILTINS) >= 18
    for op in BUILTINS:
        assert op.doc and op.template and op.signature.startswith(op.name + "(")


def _toy_registry():
    registry = BUILTINS.copy()

    @registry.op()
    class blank:
        """Selected rows whose cell in `column` is empty."""

        def exact(table: Table, rows: RowMask, column: Column) -> RowMask:
            return rows & (table.value_ids[:, column] < 0)

        def soft(batch: TableBatch, rows, column):
            empty = (batch.value_ids < 0).float() * batch.cells  # (B, R, C)
            return rows * torch.einsum("brc,bc->br", empty, column)

    @registry.op("HALF({value})")
    class half:
        """Half of an earlier scalar."""

        def exact(table: Table, value: Scalar) -> Scalar:
            return value / 2

        def soft(batch, value):
            return value / 2

    return registry


def test_user_registered_op_parses_runs_and_is_learnable():
    registry = _toy_registry()
    assert "blank" not in BUILTINS, "extending a copy leaves the built-ins alone"
    table = Table.from_rows(["a", "b"], [["1", ""], ["2", "x"], ["3", ""]])
    program = parse('s1 = BLANK(ALL_ROWS, "b"); s2 = SELECT COUNT(*) FROM s1; s3 = HALF(s2)', registry)
    assert answer_texts(interpret(program, table, registry), table) == ["1"]
    check_gradients(registry["blank"])


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_user_registered_op_is_checked_against_exact_semantics(data):
    registry = _toy_registry()
    check_soft_matches_exact(registry["blank"], data)
    check_soft_matches_exact(registry["half"], data)


def test_registering_a_clashing_template_names_both_ops():
    registry = BUILTINS.copy()
    with pytest.raises(RegistryError, match="reads the same as op 'count'"):

        @registry.op("SELECT COUNT(*) FROM {rows}")
        class tally:
            """Counts rows."""

            def exact(table: Table, rows: RowMask) -> Scalar:
                return float(rows.sum())

            def soft(batch, rows):
                return rows.sum(1)


def test_op_with_unannotated_parameter_is_refused():
    with pytest.raises(RegistryError, match="parameter 'rows' must be annotated"):

        @BUILTINS.copy().op()
        class broken:
            """Broken."""

            def exact(table, rows) -> RowMask:
                return rows

            def soft(batch, rows):
                return rows


def test_greater_keeps_rows_above_pivot_within_selection(olympics):
    program = parse('s1 = ALL_ROWS WHERE "Points" < 10; s2 = s1 WHERE "Year" > 2002; s3 = SELECT "Venue" FROM s2')
    assert answer_texts(interpret(program, olympics), olympics) == ["Athens", "Beijing", "London"]


def test_argmax_breaks_ties_by_table_order(olympics):
    program = parse('s1 = ALL_ROWS WHERE "Points" < 10; s2 = ARGMAX(s1, "Points"); s3 = SELECT "Venue" FROM s2')
    assert answer_texts(interpret(program, olympics), olympics) == ["Athens"]


def test_year_constant_compares_with_dates(olympics):
    program = parse('s1 = ALL_ROWS WHERE "Date" >= 2004; s2 = SELECT COUNT(*) FROM s1')
    assert interpret(program, olympics) == 2.0


def test_date_constant_compares_with_dates(olympics):
    program = parse('s1 = ALL_ROWS WHERE "Date" > DATE \'2004-05-05\'; s2 = SELECT "Venue" FROM s1')
    assert answer_texts(interpret(program, olympics), olympics) == ["Athens"]


def test_aggregates_over_no_rows_are_zero(olympics):
    for aggregate in ("SUM", "AVG", "MAX", "MIN"):
        program = parse(f's1 = ALL_ROWS WHERE "Year" > 3000; s2 = SELECT {aggregate}("Points") FROM s1')
        assert interpret(program, olympics) == 0.0


def test_prev_and_next_shift_the_selection(olympics):
    text = 's1 = ALL_ROWS WHERE "Venue" LIKE \'athens\'; s2 = {}(s1); s3 = SELECT "Venue" FROM s2'
    assert answer_texts(interpret(parse(text.format("PREV")), olympics), olympics) == ["Sydney"]
    assert answer_texts(interpret(parse(text.format("NEXT")), olympics), olympics) == ["Beijing"]


def test_most_common_picks_the_most_frequent_value(olympics):
    program = parse('s1 = MOST_COMMON(ALL_ROWS, "Points"); s2 = SELECT "Venue" FROM s1')
    assert answer_texts(interpret(program, olympics), olympics) == ["Athens", "Beijing"]


def test_difference_subtracts_later_scalar_from_earlier(olympics):
    program = parse('s1 = ALL_ROWS; s2 = SELECT SUM("Points") FROM s1; s3 = SELECT COUNT(*) FROM s1; s4 = s2 - s3')
    assert interpret(program, olympics) == np.float64(23 - 4)


def test_not_like_keeps_the_rows_that_do_not_mention_the_phrase(olympics):
    program = parse('s1 = ALL_ROWS WHERE "Venue" not  like \'athens\'; s2 = SELECT "Venue" FROM s1')
    assert [step.op for step in program.steps] == ["select_not", "print"]
    assert answer_texts(interpret(program, olympics), olympics) == ["Sydney", "Beijing", "London"]


def test_value_reads_a_named_row_so_two_values_can_be_subtracted(olympics):
    program = parse("s1 = VALUE(\"Points\", 'sydney'); s2 = VALUE(\"Points\", 'london'); s3 = s1 - s2")
    assert interpret(program, olympics) == 12 - (-3)
    assert interpret(parse("s1 = VALUE(\"Points\", 'tokyo')"), olympics) == 0.0
