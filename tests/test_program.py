"""Program text: the corpus prints back unchanged, random programs round-trip, errors point at the culprit."""

from __future__ import annotations

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from neuprog.errors import ProgramSyntaxError, ProgramTypeError
from neuprog.lang.ops import BUILTINS
from neuprog.lang.parse import parse
from neuprog.lang.program import check, render
from neuprog.lang.tree import AllRows, ColumnRef, DateLiteral, NumberLiteral, Program, Step, StepRef, TextLiteral
from neuprog.lang.values import Cells, Column, RowMask, Scalar
from neuprog.tables.constant import Constant

CORPUS = [line.rstrip("\n") for line in (FIXTURES / "programs.txt").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("line", CORPUS)
def test_corpus_program_prints_back_unchanged(line):
    assert render(parse(line)) == line


def test_corpus_covers_every_registered_op():
    used = {step.op for line in CORPUS for step in parse(line).steps}
    missing = set(BUILTINS.names) - used
    assert not missing, f"add a program using {sorted(missing)} to tests/fixtures/programs.txt"


def test_multiline_form_parses_to_the_same_program():
    for line in CORPUS:
        program = parse(line)
        assert parse(render(program, multiline=True)) == program


names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
numbers = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def programs(draw, registry=BUILTINS) -> Program:
    """Random well-typed programs built from the registry."""
    length = draw(st.integers(1, 5))
    ops = list(registry)
    steps, results = [], []
    for position in range(1, length + 1):
        choices = ops if position < length else [op for op in ops if op.answers]
        op = draw(st.sampled_from(choices))
        args = []
        for param in op.params:
            earlier = [StepRef(index=i + 1) for i, t in enumerate(results) if t is param.type]
            if param.type is RowMask:
                args.append(draw(st.sampled_from(earlier + [AllRows()])))
            elif param.type is Scalar:
                args.append(
                    draw(
                        st.one_of(st.sampled_from(earlier), numbers.map(lambda v: NumberLiteral(value=v)))
                        if earlier
                        else numbers.map(lambda v: NumberLiteral(value=v))
                    )
                )
            elif param.type is Column:
                args.append(ColumnRef(name=draw(names)))
            elif param.type is Constant:
                args.append(
                    draw(
                        st.one_of(
                            numbers.map(lambda v: NumberLiteral(value=v)),
                            names.map(lambda v: TextLiteral(value=v)),
                            st.dates().map(lambda d: DateLiteral(value=d.isoformat())),
                        )
                    )
                )
            elif param.type is Cells:
                args.append(draw(st.sampled_from(earlier)))
        steps.append(Step(op=op.name, args=tuple(args)))
        results.append(op.returns)
    return Program(steps=tuple(steps))


@settings(max_examples=300, deadline=None)
@given(programs())
def test_parse_of_render_is_identity(program):
    check(program, BUILTINS)
    assert parse(render(program)) == program
    assert parse(render(program, multiline=True)) == program


@pytest.mark.parametrize(
    "text, where",
    [
        ('s1 = ALL_ROWS WHERE "Year" >', "line 1, column 29"),
        ("s1 = ALL_ROWS\ns2 = SELECT COUNT(*) FRM s1", "line 2, column 22"),
        ('s1 = ALL_ROWS WHERE "Year" > \'unterminated', "line 1, column 30"),
        ("s1 = FROB(ALL_ROWS)", "line 1, column 6"),
    ],
)
def test_syntax_error_names_line_and_column(text, where):
    with pytest.raises(ProgramSyntaxError, match=where):
        parse(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ('s1 = ALL_ROWS WHERE "Year" ? 3', "(expected a comparison (> < >= <= = != LIKE NOT LIKE))"),
        ('s1 = ALL_ROWS WHERE "Year" >', "a number"),
        ("s1 ALL_ROWS", "(expected =)"),
        ('s1 = ALL_ROWS WHERE "Year" > 2005 @', "(expected ; or a new line)"),
    ],
)
def test_syntax_error_says_what_the_grammar_expected_at_the_position(text, expected):
    with pytest.raises(ProgramSyntaxError) as error:
        parse(text)
    assert expected in str(error.value) and "\n" not in str(error.value)


def test_a_literal_the_tree_refuses_is_reported_at_its_position():
    with pytest.raises(ProgramSyntaxError, match=r"line 1, column 30: .*finite"):
        parse('s1 = ALL_ROWS WHERE "Year" > 1e999; s2 = SELECT COUNT(*) FROM s1')


def test_unknown_op_form_is_reported_with_its_shape():
    with pytest.raises(ProgramSyntaxError, match=r"no op is written as `FROB \( _ \)`"):
        parse("s1 = FROB(ALL_ROWS)")


def test_steps_must_be_numbered_in_order():
    with pytest.raises(ProgramSyntaxError, match="step 2 must be named s2, not s3"):
        parse("s1 = ALL_ROWS; s3 = SELECT COUNT(*) FROM s1")


@pytest.mark.parametrize(
    "text, message",
    [
        ("s1 = SELECT SUM(ALL_ROWS) FROM ALL_ROWS", "sum argument 'column' expects Column, got ALL_ROWS"),
        (
            's1 = SELECT COUNT(*) FROM ALL_ROWS; s2 = s1 WHERE "a" > 3; s3 = SELECT COUNT(*) FROM s2',
            "greater argument 'rows' expects RowMask, got s1 which is a Scalar",
        ),
        ('s1 = ALL_ROWS WHERE "a" > "b"; s2 = SELECT COUNT(*) FROM s1', "greater argument 'value' expects Constant"),
        ("s1 = ALL_ROWS", "must end with an answer"),
        ("s1 = SELECT COUNT(*) FROM s1", "s1 is not an earlier step"),
        ("s1 = 'x' - 2", "difference argument 'first' expects Scalar"),
    ],
)
def test_type_error_names_the_op_and_argument(text, message):
    with pytest.raises(ProgramTypeError, match=message):
        parse(text)


def test_keywords_are_case_insensitive():
    assert parse('s1 = all_rows where "a" > 1; s2 = select count(*) from s1') == parse('s1 = ALL_ROWS WHERE "a" > 1; s2 = SELECT COUNT(*) FROM s1')
