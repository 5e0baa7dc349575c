"""Tests for the official WikiTableQuestions answer-matching rule."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neuprog.tables.scoring import DateValue, NumberValue, StringValue, answer_is_correct, format_number, normalize, to_value
from neuprog.wtq.files import format_prediction_line, load_split, split_list

SAMPLE = Path(__file__).resolve().parents[1] / "datasets" / "wtq-sample"
OFFICIAL_VERDICTS = Path(__file__).parent / "fixtures" / "official_verdicts.tsv.gz"

# --- normalization -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Crème Brûlée", "creme brulee"),
        ("Søren Kierkegaard", "søren kierkegaard"),  # ø is a letter, not o plus an accent
        ("1990–91", "1990-91"),
        ("A—B‐C−D", "a-b-c-d"),
        ("Rock ’n’ Roll", "rock 'n' roll"),
        ("“Thriller”", "thriller"),
        ('"Thriller"', "thriller"),
        ("Mexico City[3]", "mexico city"),
        ("Mexico City [a][12]", "mexico city"),
        ("Rhodes*", "rhodes"),
        ("Kelly Clark†‡", "kelly clark"),
        ("Great Britain (GBR)", "great britain"),
        ("London (UK) (capital)", "london"),
        ("Jane Ellen Henney, M.D.", "jane ellen henney, m.d"),
        ("  Many   spaces\nand\tlines ", "many spaces and lines"),
        ('"Hit" (UK)[1]', "hit"),
        ("  “Crème Brûlée” [3] (UK)", "creme brulee"),
        ("x [a] (b) [1]", "x"),
    ],
)
def test_normalize_follows_the_official_string_rule(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", ["[a]", "(UK)", "Foo(UK)", 'say "hi" now', "a―b", "„x‟"])
def test_normalize_keeps_text_that_is_not_a_trailing_note(raw):
    assert normalize(raw) == raw.lower()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("etc..", "etc."),  # one final period goes, after the notes: "2006.." is not "2006"
        ('"Hit" (UK)[1].', '"hit" (uk)[1]'),  # the period hides the notes from the loop
        ("[3]", ""),  # "[digits]" and marks go even when nothing is left
        ("*", ""),
        ("Javelin\n(ex-Kashmir)", "javelin (ex-kashmir)"),  # a remark needs a plain space before it
        ("it´s", "it s"),  # NFKD makes the acute accent a space and a combining mark
    ],
)
def test_normalize_keeps_the_official_quirks(raw, expected):
    assert normalize(raw) == expected


# --- typing values -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3", NumberValue(3.0, "3")),
        ("-2.5", NumberValue(-2.5, "-2.5")),
        (".10", NumberValue(0.1, ".10")),
        ("1e3", NumberValue(1000.0, "1e3")),
        ("2,000", StringValue("2,000")),  # not a float literal, so a string without a canonical form
        ("1_000", NumberValue(1000, "1_000")),  # the evaluator reads numbers with Python 3's int()
        (" 7 ", NumberValue(7, "7")),
        ("2.9999999", NumberValue(2, "2.9999999")),  # near-integers are truncated, not rounded
        ("inf", StringValue("inf")),
        ("nan", StringValue("nan")),
        ("2009-02-20", DateValue(2009, 2, 20, "2009-02-20")),
        ("xxxx-10-xx", DateValue(None, 10, None, "xxxx-10-xx")),
        ("xx-xx-14", DateValue(None, None, 14, "xx-xx-14")),
        ("1990-xx-xx", NumberValue(1990.0, "1990-xx-xx")),
        ("xxxx-xx-xx", StringValue("xxxx-xx-xx")),
        ("2009-13-01", StringValue("2009-13-01")),
        ("XX-10-02", DateValue(None, 10, 2, "xx-10-02")),
        ("2009- 2-020", DateValue(2009, 2, 20, "2009- 2-020")),
        ("20 February 2009", StringValue("20 february 2009")),
    ],
)
def test_to_value_types_raw_strings(raw, expected):
    assert to_value(raw) == expected
    assert type(to_value(raw)) is type(expected)


def test_to_value_takes_its_type_from_canon_and_its_text_from_the_raw_string():
    value = to_value("20 February 2009", canon="2009-02-20")
    assert value == DateValue(2009, 2, 20, "20 february 2009")
    assert value.normalized == "20 february 2009"


def test_to_value_ignores_an_empty_canon():
    assert to_value("2,000", canon="") == StringValue("2,000")


# --- matching ----------------------------------------------------------------


def test_gold_with_a_numeric_canon_accepts_the_number_and_the_raw_text():
    assert answer_is_correct(["10"], ["10 years"], gold_canon=["10.0"])
    assert answer_is_correct(["10 years"], ["10 years"], gold_canon=["10.0"])
    assert answer_is_correct(["10.0000001"], ["10 years"], gold_canon=["10.0"])
    assert not answer_is_correct(["11"], ["10 years"], gold_canon=["10.0"])


def test_gold_without_canon_is_typed_from_its_raw_text_so_units_make_it_a_string():
    assert answer_is_correct(["10 years"], ["10 years"])
    assert not answer_is_correct(["10"], ["10 years"])


def test_gold_with_thousands_commas_is_a_string_unless_a_canon_is_given():
    # The raw '2,000' is not a float literal: without targetCanon it only matches its own text.
    assert answer_is_correct(["2,000"], ["2,000"])
    assert not answer_is_correct(["2000"], ["2,000"])
    assert answer_is_correct(["2000"], ["2,000"], gold_canon=["2000.0"])
    assert answer_is_correct(["2000.0"], ["2,000"], gold_canon=["2000.0"])


def test_numbers_match_within_tolerance_whatever_their_spelling():
    assert answer_is_correct(["3.0"], ["3"])
    assert answer_is_correct(["0.1"], [".10"])
    assert answer_is_correct(["56.98"], ["56.980000001"])
    assert not answer_is_correct(["56.98"], ["56.99"])


def test_year_only_dates_are_numbers():
    assert answer_is_correct(["1990"], ["1990-xx-xx"])
    assert answer_is_correct(["1990-xx-xx"], ["1990"])


def test_dates_match_part_by_part_with_unknown_parts_agreeing():
    assert answer_is_correct(["2009-2-20"], ["20 February 2009"], gold_canon=["2009-02-20"])
    assert answer_is_correct(["xx-10-xx"], ["October"], gold_canon=["xxxx-10-xx"])
    assert not answer_is_correct(["2001-10-xx"], ["October"], gold_canon=["xxxx-10-xx"])
    assert not answer_is_correct(["2009-02-21"], ["20 February 2009"], gold_canon=["2009-02-20"])


def test_strings_match_after_normalization():
    assert answer_is_correct(["great britain"], ["Great Britain (GBR)"])
    assert answer_is_correct(["Crème Brûlée"], ["creme brulee."])
    assert answer_is_correct(["1990-91"], ["1990–91"])
    assert answer_is_correct(["Thriller"], ["“Thriller”[3]"])
    assert not answer_is_correct(["Britain"], ["Great Britain (GBR)"])


def test_a_number_prediction_matches_a_string_gold_with_the_same_text():
    assert answer_is_correct(["10"], ['"10"'])


def test_set_sizes_must_agree():
    gold = ["Chile", "Uruguay", "Venezuela"]
    assert answer_is_correct(["Venezuela", "Chile", "Uruguay"], gold)
    assert not answer_is_correct(["Chile", "Uruguay"], gold)
    assert not answer_is_correct(["Chile", "Uruguay", "Venezuela", "Peru"], gold)


def test_duplicates_are_removed_on_both_sides_before_counting():
    assert answer_is_correct(["Chile", "chile", "Chile[1]"], ["Chile"])
    assert answer_is_correct(["2", "2.0"], ["2"])
    assert answer_is_correct(["Chile"], ["Chile", "CHILE"])


def test_every_gold_value_needs_a_match_even_when_sizes_agree():
    assert not answer_is_correct(["Chile", "Peru"], ["Chile", "Uruguay"])


def test_empty_prediction_is_wrong():
    assert not answer_is_correct([], ["3"])
    assert answer_is_correct([], [])  # two empty sets agree; WikiTableQuestions gold is never empty


def test_of_equal_predictions_the_first_one_seen_is_the_one_whose_text_is_matched():
    # A quoted "2.0" is a string: only text matches it, and the set keeps the text of "2".
    assert not answer_is_correct(["2", "2.0"], ['"2.0"'])
    assert answer_is_correct(["2.0", "2"], ['"2.0"'])


def test_official_disagreements_of_the_old_scorer():
    assert not answer_is_correct(["2006.."], ["2006"], gold_canon=["2006.0"])
    assert answer_is_correct(["7"], ["Season 7"], gold_canon=["7.0"])
    assert not answer_is_correct(["2.9999999"], ["3"], gold_canon=["3.0"])
    assert not answer_is_correct(["Javelin\n(ex-Kashmir)"], ["Javelin"])
    assert answer_is_correct(["xxxx- 01-01"], ["New Year's Day"], gold_canon=["xxxx-01-01"])


def test_gold_canon_must_have_one_item_per_gold_answer():
    with pytest.raises(ValueError):
        answer_is_correct(["3"], ["3", "4"], gold_canon=["3.0"])


def test_sample_gold_answers_accept_themselves():
    for example in load_split(SAMPLE, "sample-train") + load_split(SAMPLE, "sample-dev"):
        assert answer_is_correct(list(example.answers), list(example.answers)), example.id


values_text = st.one_of(
    st.text(max_size=12),
    st.integers(-10_000, 10_000).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["10 years", "2,000", "1990-xx-xx", "xxxx-10-xx", "2009-02-20", "Chile", "chile[1]", '"10"']),
)


@given(values_text)
def test_a_value_always_matches_itself(text):
    assert to_value(text).matches(to_value(text))


@given(st.lists(values_text, min_size=1, max_size=5), st.lists(values_text, min_size=1, max_size=4), st.randoms())
def test_correctness_ignores_repeated_predictions(predicted, gold, random):
    # Order may matter (see the first-one-seen test above), but repeating what was already said never does.
    repeated = predicted + random.sample(predicted, k=random.randint(0, len(predicted)))
    assert answer_is_correct(repeated, gold) == answer_is_correct(predicted, gold)


@given(st.lists(values_text, min_size=1, max_size=4))
def test_any_gold_list_accepts_itself(gold):
    assert answer_is_correct(gold, gold)


def test_verdicts_equal_the_official_evaluator_on_real_predictions():
    """Every pristine-seen-tables question with the bundled model's prediction and perturbed gold spellings.

    The verdicts come from the official evaluator (examples/official_agreement.py wrote them),
    so this runs without the evaluator or the dataset.
    """
    lines = gzip.decompress(OFFICIAL_VERDICTS.read_bytes()).decode("utf-8").splitlines()
    header, *rows = [line.split("\t") for line in lines if not line.startswith("#")]
    assert header == ["id", "kind", "official", "targetValue", "targetCanon", "prediction"]
    assert len({row[0] for row in rows}) == 3537
    disagreements = []
    for example_id, kind, official, *lists in rows:
        gold, canon, predicted = (json.loads(field) for field in lists)
        if answer_is_correct(predicted, gold, canon) != (official == "True"):
            disagreements.append(f"{example_id} {kind}: {predicted!r} for {gold!r} (canon {canon!r}), official {official}")
    assert not disagreements, f"{len(disagreements)} of {len(rows)} verdicts differ from the official one:\n" + "\n".join(disagreements[:20])


# --- output ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (3.0, "3"),
        (2.5, "2.5"),
        (-4.0, "-4"),
        (0.1, "0.1"),
        (12467.0, "12467"),
        (1e15, "1000000000000000"),
        (0.0001, "0.0001"),
    ],
)
def test_format_number_writes_the_shortest_plain_text(number, text):
    assert format_number(number) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_number_reads_back_as_the_same_number(number):
    text = format_number(number)
    assert float(text) == number
    assert isinstance(to_value(text), NumberValue)


def test_format_prediction_line_escapes_each_value():
    assert format_prediction_line("nt-9", ["a|b", "c\nd", "e\\f"]) == "nt-9\ta\\pb\tc\\nd\te\\\\f"


def test_format_prediction_line_values_read_back_with_the_tsv_escapes():
    values = ["AC|DC", "multi\nline", "back\\slash", "plain"]
    example_id, *fields = format_prediction_line("nt-1", values).split("\t")
    assert example_id == "nt-1"
    assert [item for field in fields for item in split_list(field)] == values
