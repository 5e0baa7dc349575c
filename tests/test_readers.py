"""Tables from Parquet, Excel, JSON and SQLite files through pandas' readers; a missing extra is named in one line."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest

from neuprog.app.cli import main
from neuprog.errors import DataError, NeuprogError, UsageError
from neuprog.model.ask import as_table
from neuprog.tables.readers import read_table

FRAME = pd.DataFrame({"City": ["Oslo", "Bergen", "Stockholm"], "Country": ["Norway", "Norway", "Sweden"], "Population": [709037, 291940, 984748]})
ROWS = [["Oslo", "Norway", "709037"], ["Bergen", "Norway", "291940"], ["Stockholm", "Sweden", "984748"]]


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("records.json", json.dumps(FRAME.to_dict(orient="records"))),
        ("columns.json", json.dumps(FRAME.to_dict(orient="list"))),
        ("lines.jsonl", "\n".join(json.dumps(row) for row in FRAME.to_dict(orient="records"))),
    ],
)
def test_json_tables_read_as_rows_or_columns(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    table = read_table(tmp_path / name)
    assert table.header == ["City", "Country", "Population"] and table.rows == ROWS


def test_json_keeps_text_as_written(tmp_path):
    (tmp_path / "codes.json").write_text(json.dumps({"Code": ["007", "2004-05-05"], "Name": ["Bond", "a date"]}))
    assert read_table(tmp_path / "codes.json").rows == [["007", "Bond"], ["2004-05-05", "a date"]]


def test_a_json_file_that_is_no_table_is_refused_in_one_line(tmp_path):
    (tmp_path / "bad.json").write_text("[1, 2")
    with pytest.raises(DataError, match="not a readable JSON table") as error:
        read_table(tmp_path / "bad.json")
    assert "\n" not in str(error.value)


def _database(path, tables=("cities",)):
    with sqlite3.connect(path) as connection:
        for name in tables:
            FRAME.to_sql(name, connection, index=False)
    return path


def test_an_sqlite_file_with_one_table_reads_it(tmp_path):
    assert read_table(_database(tmp_path / "cities.db")).rows == ROWS


def test_an_sqlite_file_with_several_tables_needs_table(tmp_path, capsys):
    path = _database(tmp_path / "world.sqlite", ("cities", "towns"))
    with pytest.raises(UsageError, match=r"several tables \(cities, towns\); choose one with --table"):
        read_table(path)
    assert read_table(path, table="towns").rows == ROWS
    with pytest.raises(DataError, match="no table 'villages'; tables: cities, towns"):
        read_table(path, table="villages")
    assert main(["run", str(path), "s1 = SELECT COUNT(*) FROM ALL_ROWS"]) == 2
    one_error_line(capsys)
    assert main(["run", str(path), "s1 = SELECT COUNT(*) FROM ALL_ROWS", "--table", "towns"]) == 0
    assert capsys.readouterr().out.strip() == "3"


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    (tmp_path / "fake.db").write_text("City,Population\nOslo,1\n")
    with pytest.raises(DataError, match="not a readable SQLite database"):
        read_table(tmp_path / "fake.db")


def test_excel_reads_the_first_sheet_or_the_one_named(tmp_path):
    pytest.importorskip("openpyxl")
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        FRAME.to_excel(writer, sheet_name="cities", index=False)
        FRAME.head(1).to_excel(writer, sheet_name="capital", index=False)
    assert read_table(path).rows == ROWS
    assert read_table(path, sheet="capital").rows == ROWS[:1] == read_table(path, sheet="1").rows
    with pytest.raises(DataError, match="no sheet 'towns'; sheets: cities, capital"):
        read_table(path, sheet="towns")


def test_excel_dates_read_as_dates(tmp_path):
    pytest.importorskip("openpyxl")
    path = tmp_path / "dates.xlsx"
    pd.DataFrame({"Date": pd.to_datetime(["2004-05-05", "2008-08-08"]), "Venue": ["Athens", "Beijing"]}).to_excel(path, index=False)
    assert read_table(path).rows == [["2004-05-05", "Athens"], ["2008-08-08", "Beijing"]]


def test_parquet_reads_through_pandas(tmp_path):
    pytest.importorskip("pyarrow")
    FRAME.to_parquet(tmp_path / "cities.parquet")
    assert read_table(tmp_path / "cities.parquet").rows == ROWS


@pytest.mark.parametrize(("suffix", "extra"), [(".parquet", "parquet"), (".xlsx", "excel")])
def test_a_missing_extra_is_named_in_one_line(tmp_path, monkeypatch, capsys, suffix, extra):
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *args: None)
    path = tmp_path / f"cities{suffix}"
    path.write_bytes(b"PAR1")
    with pytest.raises(NeuprogError, match=f"needs the '{extra}' extra: pip install 'neuprog\\[{extra}\\]'"):
        read_table(path)
    assert main(["run", str(path), "s1 = SELECT COUNT(*) FROM ALL_ROWS"]) == 1
    assert f"neuprog[{extra}]" in one_error_line(capsys)


def test_sheet_and_table_options_belong_to_their_formats(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    assert main(["run", str(tmp_path / "t.csv"), "s1 = SELECT COUNT(*) FROM ALL_ROWS", "--sheet", "x"]) == 2
    assert "--sheet is for Excel files" in one_error_line(capsys)
    assert main(["run", str(tmp_path / "t.csv"), "s1 = SELECT COUNT(*) FROM ALL_ROWS", "--table", "x"]) == 2
    assert "--table is for SQLite files" in one_error_line(capsys)


def test_the_python_api_reads_the_same_files(tmp_path):
    (tmp_path / "cities.json").write_text(json.dumps(FRAME.to_dict(orient="list")))
    assert as_table(str(tmp_path / "cities.json")).rows == as_table(_database(tmp_path / "cities.db")).rows == ROWS
