"""Tables from CSV files and DataFrames: parsed cells, unique names, and one clear error for bad files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuprog.errors import DataError
from neuprog.tables.cells import parse_cell
from neuprog.tables.columns import parse_column
from neuprog.tables.constant import Constant
from neuprog.tables.csvfile import _agreed_columns, _csv_records, _without_blank_rows
from neuprog.tables.table import Table, _cell_text
from neuprog.tables.text import contains_phrase, normalize


def write(tmp_path, content: bytes | str, name: str = "t.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_cells_keep_text_and_get_numbers_and_dates(tmp_path):
    table = Table.from_csv(write(tmp_path, 'Team,Points,Date\n"Reds","1,234","May 5, 2004"\nBlues,−5,2004\n'))
    assert table.rows[0] == ["Reds", "1,234", "May 5, 2004"]
    assert table.numbers[:, 1].tolist() == [1234.0, -5.0]
    assert not math.isnan(table.dates[0, 2]) and table.years[1, 2] == 2004


def test_wtq_backslash_escapes_and_quoted_newlines_are_read(tmp_path):
    table = Table.from_csv(write(tmp_path, '"Name","Note"\n"A \\"quoted\\" name","two\nlines"\n'))
    assert table.rows == [['A "quoted" name', "two\nlines"]]


def test_tsv_files_split_on_tabs(tmp_path):
    assert Table.from_csv(write(tmp_path, "a\tb\n1\t2\n", "t.tsv")).header == ["a", "b"]


def test_empty_and_repeated_headers_become_unique_names(tmp_path):
    assert Table.from_csv(write(tmp_path, "Name,,Name\n1,2,3\n")).header == ["Name", "column 2", "Name (2)"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"   \n\n", "the file is empty"),
        (b"a,b,c\n", "a header but no rows"),
        (b"a,b\n1,2\n3\n", "record 3 has 1 fields, the header has 2"),
        (b"a,b\n1,2,3\n", "record 2 has 3 fields"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
        ("a,b\ncaf\xe9,1\n".encode("latin-1"), "not valid utf-8"),
    ],
)
def test_bad_csv_gives_one_clear_error(tmp_path, content, message):
    with pytest.raises(DataError, match=message) as caught:
        Table.from_csv(write(tmp_path, content))
    assert "\n" not in str(caught.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        Table.from_csv(tmp_path / "absent.csv")


def test_latin1_file_reads_when_asked(tmp_path):
    table = Table.from_csv(write(tmp_path, "a,b\ncaf\xe9,1\n".encode("latin-1")), encoding="latin-1")
    assert table.rows[0][0] == "café"


def test_dataframe_with_nan_index_and_string_dtype_reads_as_users_have_it():
    frame = pd.DataFrame({"city": pd.array(["Oslo", None, "Rome"], dtype="string"), "pop": [1.5, np.nan, 3.0]}, index=[10, 5, 7])
    table = Table.from_dataframe(frame)
    assert table.rows == [["Oslo", "1.5"], ["", ""], ["Rome", "3"]]
    assert table.numbers[:, 1][[0, 2]].tolist() == [1.5, 3.0]


def test_dataframe_duplicate_and_numeric_column_names_are_kept_distinct():
    frame = pd.DataFrame([[1, 2, 3]], columns=["x", "x", 0])
    assert Table.from_dataframe(frame).header == ["x", "x (2)", "0"]


def test_phrase_matches_whole_words_only():
    from neuprog.tables.constant import Constant

    table = Table.from_rows(["Name"], [["Lee P. Brown"], ["Brownsville"]])
    assert table.phrase_matches(Constant("brown"))[:, 0].tolist() == [True, False]


def _reference_column(cells):
    """Every cell through parse_cell and normalize one by one: what parse_column must equal."""
    numbers, dates, years, texts = [], [], [], []
    for text in cells:
        cell = parse_cell(text)
        numbers.append(cell.number if cell.number is not None and math.isfinite(cell.number) else math.nan)
        known = cell.date is not None and cell.date.year is not None
        dates.append(cell.date.key() if known else math.nan)
        years.append(cell.date.year if known else math.nan)
        texts.append(normalize(text))
    return numbers, dates, years, texts


CELL_FORMS = st.one_of(
    st.integers(-(10**7), 10**7).map(str),
    st.integers(0, 10**9).map(lambda n: f"{n:,}"),
    st.integers(-(10**6), 10**6).map(lambda n: f"${n:,}"),
    st.floats(-1e3, 1e3, allow_nan=False).map(lambda x: f"{x:.1f}%"),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.3f}"),
    st.integers(900, 2200).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "2004-02-30",
            "0000-01-01",
            "1" * 400,
            "١٢",
            " 12 ",
            "12.",
            "-0",
            "May 5, 2004",
            "W 2-1",
            "",
            "Oslo",
            "3rd",
            "12%",
            "$2004",
            "2004%",
            "$1.",
            "-$5",
            "$5%",
        ]
    ),
    st.sampled_from(
        [
            "1,23",
            "12,345.6%",
            "$-5",
            ",123",
            "1,2345",
            "1,234,",
            "１２",
            "12\x00",
            "\x0012",
            "$1,234.50",
            "-1,234.5%",
            "0012",
            "2004-1-05",
            "2004-01-05x",
            "9" * 20,
            "1" * 18,
            "1.5e3",
            "inf",
            "nan",
            "$$5",
            "5%%",
            "2099",
            "2100",
            "0999",
        ]
    ),
    st.text(alphabet="0123456789-,. abcé%$\x00", max_size=8),
)


@settings(deadline=None, max_examples=200)
@given(st.lists(CELL_FORMS, min_size=1, max_size=30))
def test_parse_column_equals_parsing_every_cell(cells):
    column = parse_column(cells)
    numbers, dates, years, texts = _reference_column(cells)
    np.testing.assert_array_equal(column.numbers, np.array(numbers))
    np.testing.assert_array_equal(column.dates, np.array(dates))
    np.testing.assert_array_equal(column.years, np.array(years))
    assert [column.texts[i] if i >= 0 else "" for i in column.value_ids] == texts


@settings(deadline=None, max_examples=150)
@given(
    st.lists(
        st.lists(st.sampled_from(["Oslo", "oslo city", "new oslo", "", "Bergen", "2004", "los", "o", "Oslo-Bergen"]), min_size=2, max_size=2),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["oslo", "los", "o", "bergen", "oslo bergen", "2004", "city"]),
)
def test_text_matches_from_column_indexes_equal_cell_by_cell_checks(rows, phrase):
    table = Table.from_rows(["A", "B"], rows)
    constant = Constant(phrase)
    cell_by_cell = lambda test: np.array([[test(normalize(cell)) for cell in row] for row in rows], dtype=bool)
    np.testing.assert_array_equal(table.phrase_matches(constant), cell_by_cell(lambda text: contains_phrase(text, phrase)))
    np.testing.assert_array_equal(table.equals(constant), cell_by_cell(lambda text: bool(text) and text == phrase))


CSV_FIELDS = st.sampled_from(["a", "b c", "", " ", "1,234", '"q"', '"x,y"', '"two\nlines"', '""', '"a""b"', '"""a"""', 'x"y', '"ab"cd', ' "a"', '"', "é", "\t"])
CSV_TEXTS = st.one_of(
    st.tuples(st.lists(st.lists(CSV_FIELDS, min_size=1, max_size=4), min_size=1, max_size=6), st.sampled_from(["\n", "\r\n", "\r"])).map(
        lambda drawn: drawn[1].join(",".join(record) for record in drawn[0]) + drawn[1]
    ),
    st.text(alphabet='ab,;"\n\r \t', max_size=40),
)


@settings(deadline=None, max_examples=400)
@given(CSV_TEXTS, st.sampled_from([",", ",", "\t", ";"]))
def test_fast_csv_reading_agrees_with_the_csv_module_whenever_it_is_used(text, delimiter):
    text = text if delimiter == "," else text.replace(",", delimiter)
    columns = _agreed_columns(text, delimiter)
    try:
        records = _csv_records(text, delimiter, False, Path("t.csv"))
    except DataError:
        assert columns is None  # ragged by the csv rule: the fast reader must have declined
        return
    if columns is not None:
        assert [list(row) for row in zip(*_without_blank_rows(columns))] == records


def test_fast_csv_reading_is_used_for_well_formed_quoted_files():
    text = 'Name,Note,Population\r\n"Oslo","a ""quoted"", two\nline note","1,234"\r\nBergen,,5\r\n\r\n,,\r\n'
    columns = _without_blank_rows(_agreed_columns(text, ","))
    assert [list(c) for c in columns] == [["Name", "Oslo", "Bergen"], ["Note", 'a "quoted", two\nline note', ""], ["Population", "1,234", "5"]]


@settings(deadline=None, max_examples=150)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats() | st.sampled_from([1e15, -1e15, 1e16, 0.1 + 0.2, -0.0, 2.5e-7]), min_size=n, max_size=n),
            st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n),
            st.lists(st.booleans(), min_size=n, max_size=n),
            st.lists(st.text(max_size=5), min_size=n, max_size=n),
            st.lists(st.none() | st.integers(-5, 5) | st.text(max_size=3) | st.floats(allow_nan=True), min_size=n, max_size=n),
        )
    )
)
def test_dataframe_columns_read_as_each_value_prints(columns):
    frame = pd.DataFrame(dict(zip("fibsm", columns)))
    frame["n"] = pd.array([v if abs(v) < 2**62 else None for v in columns[1]], dtype="Int64")
    frame["t"] = pd.array([v or None for v in columns[3]], dtype="string")
    frame["u"] = pd.Series(columns[3], dtype="str")
    frame["d"] = pd.to_datetime([1_000_000_000 + i for i in range(len(frame))], unit="s")
    expected = [[_cell_text(value) for value in row] for row in frame.itertuples(index=False, name=None)]
    assert Table.from_dataframe(frame).rows == expected
