"""Tests for neuprog.tables.cells: numbers and dates read out of table cells."""

import datetime
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neuprog.tables.cells import Date, ParsedCell, parse_cell, parse_date, parse_number, parse_ordinal

NOTHING = ParsedCell(None, None, None)


def number(value, number2=None, date=None):
    return ParsedCell(float(value), date, None if number2 is None else float(number2))


def calendar(year, month=None, day=None):
    return ParsedCell(None, Date(year, month, day), None)


HAND_CASES = [
    # plain numbers and their decorations
    ("12", number(12)),
    ("1,234", number(1234)),
    ("7,169", number(7169)),
    ("-5", number(-5)),
    ("\u22125", number(-5)),  # unicode minus
    ("\u20135", number(-5)),  # en dash
    ("+3", number(3)),
    ("12.5%", number(12.5)),
    ("1.5e3", number(1500)),
    (".5", number(0.5)),
    ("€1.5", number(1.5)),
    ("£20", number(20)),
    ("US$5", number(5)),
    ("-$1,234.56", number(-1234.56)),
    ("$3.2 million", number(3_200_000)),
    ("$2 billion", number(2_000_000_000)),
    ("3 thousand", number(3000)),
    ("$4.5m", number(4_500_000)),
    ("$2bn", number(2_000_000_000)),
    ("1500 m", number(1500)),  # metres, not millions: no currency sign
    ("1 234", number(1234)),
    ("1\u00a0234\u00a0567", number(1234567)),
    ("10\u2009000 m", number(10000)),
    ("2½", number(2.5)),
    ("~20,000 IOPS", number(20000)),
    ("#56 Blue Thunder Racing", number(56)),
    # ordinals, units and trailing words
    ("3rd", number(3)),
    ("4th, Western", number(4)),
    ("10 years", number(10)),
    ("6,260 (avg)", number(6260)),
    ("27.", number(27)),
    ("1930s", number(1930)),
    # footnotes
    ("1,234[3]", number(1234)),
    ("12*", number(12)),
    ("1956†", number(1956, date=Date(1956, None, None))),
    # scores and ranges
    ("3–1", number(3, 1)),
    ("3-1", number(3, 1)),
    ("3 — 1", number(3, 1)),
    ("3:1", number(3, 1)),
    ("17-0-0", number(17, 0)),
    ("15–14 (14–3)", number(15, 14)),
    ("W 10–5", number(10, 5)),
    ("L 0–6 (OT)", number(0, 6)),
    ("1990–91", number(1990, 1991, Date(1990, None, None))),
    ("1999–00", number(1999, 2000, Date(1999, None, None))),
    ("1990–1995", number(1990, 1995, Date(1990, None, None))),
    ("1986/87", number(1986, 1987, Date(1986, None, None))),
    ("1/10", number(1, 10)),
    # durations and clock times
    ("2:31.4", number(151.4)),
    ("1:02:03", number(3723)),
    ("+0:12.3", number(12.3)),
    ("46:40", number(2800)),
    ("7:30 PM", number(19 * 60 + 30)),
    ("12:15 a.m.", number(15)),
    # years
    ("2004", number(2004, date=Date(2004, None, None))),
    ("c. 1850", number(1850, date=Date(1850, None, None))),
    ("2004 Summer Olympics", number(2004)),
    ("0", number(0)),
    ("037", number(37)),
    # dates are not numbers
    ("May 5, 2004", calendar(2004, 5, 5)),
    ("5 May 2004", calendar(2004, 5, 5)),
    ("2004-05-05", calendar(2004, 5, 5)),
    ("May 2004", calendar(2004, 5)),
    ("May 5", calendar(None, 5, 5)),
    ("18 July", calendar(None, 7, 18)),
    ("5/5/2004", calendar(2004, 5, 5)),
    ("12/1/2004", calendar(2004, 12, 1)),
    ("29/04/1968", calendar(1968, 4, 29)),
    ("5.6.2004", calendar(2004, 6, 5)),
    ("04/2005", calendar(2005, 4)),
    ("11/26/85", calendar(None, 11, 26)),
    ("January 1st, 2001", calendar(2001, 1, 1)),
    ("Sept. 3, 1999", calendar(1999, 9, 3)),
    ("Feb 29, 2004", calendar(2004, 2, 29)),
    ("Monday, Sept 19", calendar(None, 9, 19)),
    ("June 3, 1982 (age 32)", calendar(1982, 6, 3)),
    ("May 31 – June 13, 1983", calendar(1983, 5, 31)),
    ("July", calendar(None, 7)),
    # words
    ("two", number(2)),
    ("Twenty", number(20)),
    ("twenty-one", number(21)),
    ("hundred", number(100)),
    # nothing, or nothing safe to guess
    ("", NOTHING),
    ("–", NOTHING),
    ("Quarterfinals", NOTHING),
    ("Route 66 Highway", NOTHING),
    ("Elected in 1990", NOTHING),
    ("RBMK-1000", NOTHING),
    ("(056)\n14.70", NOTHING),
    ("1.2.3", NOTHING),
    ("12,5", NOTHING),
    ("Feb 30, 2004", NOTHING),
    ("Jul 94", NOTHING),
    ("1e999", NOTHING),
    ("may", NOTHING),
]


@pytest.mark.parametrize("text, expected", HAND_CASES, ids=[repr(text) for text, _ in HAND_CASES])
def test_hand_written_cell_is_parsed_as_expected(text, expected):
    assert parse_cell(text) == expected


def test_parse_number_and_parse_date_agree_with_parse_cell():
    assert parse_number("1990–91") == 1990
    assert parse_date("1990–91") == Date(1990, None, None)
    assert parse_number("May 5, 2004") is None


@pytest.mark.parametrize(
    "word, expected",
    [
        ("1st", 1),
        ("3rd", 3),
        ("22nd", 22),
        ("third", 3),
        ("Eleventh", 11),
        ("twelfth", 12),
        ("twentieth", 20),
        ("twenty-first", 21),
        ("hundredth", 100),
        ("last", None),
        ("3", None),
        ("", None),
    ],
)
def test_ordinal_words_and_suffixes_give_their_value(word, expected):
    assert parse_ordinal(word) == expected


def test_iso_writes_x_for_unknown_parts():
    assert Date(2004, 5, 5).iso() == "2004-05-05"
    assert Date(2004, None, None).iso() == "2004-xx-xx"
    assert Date(None, 5, None).iso() == "xxxx-05-xx"
    assert Date(None, None, None).iso() == "xxxx-xx-xx"


def test_key_is_none_without_year_and_counts_missing_parts_as_first():
    assert Date(None, 5, 5).key() is None
    assert Date(2004, None, None).key() == Date(2004, 1, 1).key()
    assert Date(2004, 5, None).key() == datetime.date(2004, 5, 1).toordinal()


# Numbers with up to two decimals, rendered the ways tables write them.
numbers = st.tuples(st.integers(-(10**13), 10**13), st.sampled_from([0, 1, 2])).map(lambda parts: Decimal(parts[0]).scaleb(-parts[1]))


def with_sign(value: Decimal, body: str, minus: str = "-") -> str:
    return (minus if value < 0 else "") + body


NUMBER_STYLES = {
    "plain": lambda v: (f"{v:f}", v),
    "thousands commas": lambda v: (f"{v:,f}", v),
    "thin space thousands": lambda v: (f"{v:,f}".replace(",", "\u2009"), v),
    "unicode minus": lambda v: (with_sign(v, f"{abs(v):,f}", "\u2212"), v),
    "currency": lambda v: (with_sign(v, f"${abs(v):,f}"), v),
    "percent": lambda v: (f"{v:f}%", v),
    "million": lambda v: (f"{v:,f} million", v * 1_000_000),
}


@given(numbers, st.sampled_from(sorted(NUMBER_STYLES)))
def test_rendered_number_is_read_back(value, style):
    text, expected = NUMBER_STYLES[style](value)
    parsed = parse_number(text)
    assert parsed is not None, text
    assert math.isclose(parsed, float(expected), rel_tol=1e-9), text


@given(st.integers(0, 199), st.integers(0, 199), st.sampled_from("-\u2013\u2014\u2212"))
def test_score_with_any_dash_gives_both_numbers(home, away, dash):
    assert parse_cell(f"{home}{dash}{away}") == number(home, away)


@given(st.integers(1000, 2098))
def test_season_gives_start_year_and_end_year(start):
    season = f"{start}\u2013{(start + 1) % 100:02d}"
    assert parse_cell(season) == number(start, start + 1, Date(start, None, None))


@given(st.integers(0, 99), st.integers(0, 59), st.integers(0, 9))
def test_minutes_and_seconds_count_seconds(minutes, seconds, tenths):
    assert parse_number(f"{minutes}:{seconds:02d}.{tenths}") == pytest.approx(minutes * 60 + seconds + tenths / 10)


SHORT_MONTHS = "Jan. Feb. Mar. Apr. May Jun. Jul. Aug. Sept. Oct. Nov. Dec.".split()
DATE_STYLES = {
    "month day, year": lambda d: f"{d:%B} {d.day}, {d.year}",
    "day month year": lambda d: f"{d.day} {d:%B} {d.year}",
    "iso": lambda d: d.isoformat(),
    "abbreviated month": lambda d: f"{SHORT_MONTHS[d.month - 1]} {d.day}, {d.year}",
    "us slashes": lambda d: f"{d.month}/{d.day}/{d.year}",
}
dates = st.dates(min_value=datetime.date(1000, 1, 1), max_value=datetime.date(2099, 12, 31))


@given(dates, st.sampled_from(sorted(DATE_STYLES)))
def test_rendered_date_is_read_back_and_is_not_a_number(day, style):
    text = DATE_STYLES[style](day)
    assert parse_cell(text) == calendar(day.year, day.month, day.day), text


@given(dates, dates)
def test_key_orders_dates_like_datetime(first, second):
    first_key = Date(first.year, first.month, first.day).key()
    second_key = Date(second.year, second.month, second.day).key()
    assert (first_key < second_key) == (first < second)
    assert (first_key == second_key) == (first == second)


@given(dates)
def test_iso_of_full_date_matches_datetime(day):
    assert Date(day.year, day.month, day.day).iso() == day.isoformat()


@given(st.text())
def test_arbitrary_text_never_raises(text):
    assert isinstance(parse_cell(text), ParsedCell)
    parse_ordinal(text)
