"""Tests for reading WikiTableQuestions question files and tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neuprog.errors import DataError
from neuprog.tables.table import Table
from neuprog.wtq import files as wtq
from neuprog.wtq.files import Example, escape, iter_tables, load_split, read_questions, read_table, resolve_table, split_list, unescape

SAMPLE = Path(__file__).resolve().parents[1] / "datasets" / "wtq-sample"
FULL_DATA = Path("/work/shared/datasets/wtq")
HEADER = "id\tutterance\tcontext\ttargetValue\n"


@pytest.fixture
def full_data() -> Path:
    if not (FULL_DATA / "data").is_dir():
        pytest.skip(f"full WikiTableQuestions copy not found at {FULL_DATA}")
    return FULL_DATA


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def assert_one_line_error_naming(error: pytest.ExceptionInfo[DataError], *parts: str) -> None:
    message = str(error.value)
    assert "\n" not in message
    for part in parts:
        assert part in message


# --- escapes -----------------------------------------------------------------


def test_unescape_turns_escapes_into_newline_pipe_and_backslash():
    assert unescape(r"a\nb\pc\\d") == "a\nb|c\\d"


def test_unescape_reads_escaped_backslash_before_n_as_backslash_then_n():
    assert unescape(r"C:\\new") == "C:\\new"


def test_unescape_keeps_unknown_escapes_and_a_lone_final_backslash():
    assert unescape("a\\tb\\") == "a\\tb\\"


def test_split_list_splits_on_real_pipes_only():
    assert split_list(r"AC\pDC|Guns N' Roses|back\\slash") == ("AC|DC", "Guns N' Roses", "back\\slash")


def test_split_list_of_empty_field_is_empty():
    assert split_list("") == ()


def test_escape_replaces_tabs_with_spaces_so_the_line_stays_tab_separated():
    assert escape("a\tb") == "a b"


@given(st.lists(st.text(alphabet=st.characters(exclude_characters="\t\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")), min_size=1))
def test_split_list_reads_back_escaped_and_joined_items(items):
    field = "|".join(escape(item) for item in items)
    if field == "":
        return  # one empty item and no items are written the same way
    assert split_list(field) == tuple(items)


# --- question files ----------------------------------------------------------


def test_read_questions_unescapes_answers_and_question(tmp_path):
    path = write(
        tmp_path / "q.tsv",
        HEADER + "nt-1\twhat is \\pa\\p?\tcsv/200-csv/1.csv\tAC\\pDC|line\\nbreak|back\\\\slash\n",
    )
    [example] = read_questions(path)
    assert example == Example("nt-1", "what is |a|?", "csv/200-csv/1.csv", ("AC|DC", "line\nbreak", "back\\slash"))


def test_read_questions_accepts_crlf_and_skips_blank_lines(tmp_path):
    path = write(tmp_path / "q.tsv", HEADER.replace("\n", "\r\n") + "nt-1\tq?\tcsv/200-csv/1.csv\t3\r\n\r\n\n")
    assert [example.answers for example in read_questions(path)] == [("3",)]


def test_read_questions_reads_target_canon_from_tagged_files(tmp_path):
    header = "id\tutterance\tcontext\ttargetValue\ttokens\ttargetCanon\ttargetCanonType\n"
    line = "ns-0\thow long?\tcsv/203-csv/591.csv\t10 years\thow|long\t10.0\tnumber\n"
    path = write(tmp_path / "q.tagged", header + line)
    [example] = read_questions(path)
    assert example.answers == ("10 years",)
    assert example.answer_canon == ("10.0",)


def test_read_questions_names_file_and_line_when_a_field_is_missing(tmp_path):
    path = write(tmp_path / "q.tsv", HEADER + "nt-1\tq?\tcsv/200-csv/1.csv\t3\nnt-2\tq?\tcsv/200-csv/1.csv\n")
    with pytest.raises(DataError) as error:
        read_questions(path)
    assert_one_line_error_naming(error, f"{path}:3:", "3 tab-separated fields")


def test_read_questions_rejects_a_header_without_the_wtq_columns(tmp_path):
    path = write(tmp_path / "q.tsv", "id\tquestion\tcontext\tanswer\n")
    with pytest.raises(DataError) as error:
        read_questions(path)
    assert_one_line_error_naming(error, f"{path}:1:", "utterance", "targetValue")


def test_read_questions_names_the_line_that_is_not_utf8(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_bytes(HEADER.encode() + b"nt-1\tq\xff?\tcsv/200-csv/1.csv\t3\n")
    with pytest.raises(DataError) as error:
        read_questions(path)
    assert_one_line_error_naming(error, f"{path}:2:", "UTF-8")


def test_read_questions_reports_a_missing_file_as_data_error(tmp_path):
    with pytest.raises(DataError) as error:
        read_questions(tmp_path / "absent.tsv")
    assert_one_line_error_naming(error, "absent.tsv")


# --- table CSV ---------------------------------------------------------------


def test_read_table_keeps_quoted_newlines_backslash_quotes_and_backslashes(tmp_path):
    path = write(
        tmp_path / "t.csv",
        '"Rank","Name\nof team","Note"\n"1","The \\"Reds\\"","a\\\\b"\n"2","multi\nline\ncell",""\n',
    )
    table = read_table(path)
    assert [table.header, *table.rows] == [
        ["Rank", "Name of team", "Note"],  # a header is one line
        ["1", 'The "Reds"', "a\\b"],
        ["2", "multi\nline\ncell", ""],
    ]


def test_read_table_names_the_first_line_of_a_row_with_the_wrong_width(tmp_path):
    path = write(tmp_path / "t.csv", '"A","B"\n"x\ny","1"\n"z"\n')
    with pytest.raises(DataError) as error:
        read_table(path)
    assert_one_line_error_naming(error, str(path), "record 3", "header has 2")


def test_read_table_reads_training_tables_by_the_rule_ask_uses(tmp_path):
    path = write(tmp_path / "t.csv", '"A","B"\n"1","x, y"\n\n"2",""\n')
    table = read_table(path)
    assert table.rows == Table.from_csv(path).rows == [["1", "x, y"], ["2", ""]]


def test_read_table_rejects_an_empty_file(tmp_path):
    with pytest.raises(DataError) as error:
        read_table(write(tmp_path / "t.csv", ""))
    assert_one_line_error_naming(error, "t.csv", "empty")


def test_read_table_reports_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b'"A"\n"\xff"\n')
    with pytest.raises(DataError) as error:
        read_table(path)
    assert_one_line_error_naming(error, "t.csv", "utf-8")


# --- data root ---------------------------------------------------------------


def test_sample_splits_have_the_shipped_sizes():
    assert len(load_split(SAMPLE, "sample-train")) == 40
    assert len(load_split(SAMPLE, "sample-dev")) == 20


def test_sample_mixes_single_and_multi_value_answers():
    examples = load_split(SAMPLE, "sample-train") + load_split(SAMPLE, "sample-dev")
    assert any(len(example.answers) > 1 for example in examples)
    assert any(example.answers[0].isdigit() for example in examples)
    assert any("," in example.answers[0] for example in examples)


def test_every_sample_table_reads_as_a_rectangle_with_a_header():
    for split in ("sample-train", "sample-dev"):
        for example, table in iter_tables(SAMPLE, load_split(SAMPLE, split)):
            assert table.shape[0] >= 1 and table.shape[1] >= 1, example.table_path
            assert {len(row) for row in table.rows} == {len(table.header)}, example.table_path


def test_sample_tables_keep_line_breaks_in_headers_and_cells_and_escaped_quotes():
    assert "Race 1 Time" in read_table(SAMPLE / "csv" / "204-csv" / "169.csv").header
    eurovision = read_table(SAMPLE / "csv" / "204-csv" / "809.csv")
    assert eurovision.cell(0, 4) == '"Caravaggio"'
    assert eurovision.cell(1, 3) == "Bo'az Ma'uda &\nOshrat Papin"


def test_iter_tables_reads_a_shared_table_once(monkeypatch):
    reads: list[Path] = []
    real_read = wtq.read_table
    monkeypatch.setattr(wtq, "read_table", lambda path: reads.append(path) or real_read(path))
    examples = load_split(SAMPLE, "sample-dev")
    pairs = list(iter_tables(SAMPLE, examples))
    assert len(pairs) == len(examples)
    assert len(reads) == len({example.table_path for example in examples})


def test_load_split_names_the_missing_question_file(tmp_path):
    with pytest.raises(DataError) as error:
        load_split(tmp_path, "random-split-1-dev")
    assert_one_line_error_naming(error, str(tmp_path / "data" / "random-split-1-dev.tsv"))


def test_resolve_table_names_the_example_whose_table_is_missing(tmp_path):
    example = Example("nt-42", "q?", "csv/200-csv/9.csv", ("x",))
    with pytest.raises(DataError) as error:
        resolve_table(tmp_path, example)
    assert_one_line_error_naming(error, "nt-42", "csv/200-csv/9.csv")


def test_full_dev_split_has_2831_examples_whose_tables_all_read(full_data):
    examples = load_split(full_data, "random-split-1-dev")
    assert len(examples) == 2831
    assert all(example.id.startswith("nt-") and example.answers for example in examples)
    tables = 0
    for table_path in sorted({example.table_path for example in examples}):
        table = read_table(full_data / table_path)
        assert table.shape[0] >= 1 and {len(row) for row in table.rows} == {len(table.header)}, table_path
        tables += 1
    assert tables == 346


def test_pipeline_trains_evaluates_exports_and_answers_on_the_shipped_sample(tmp_path, capsys):
    from neuprog.app.cli import main

    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "data": str(SAMPLE),
                "train_split": "sample-train",
                "dev_split": "sample-dev",
                "batch_size": 8,
                "epochs": 2,
                "eval_every": 5,
                "seed": 0,
                "threads": 1,
                "model": {"steps": 3, "hidden": 32, "embedding": 16, "search_samples": 4},
            }
        )
    )
    assert main(["train", "--config", str(config), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    predictions = tmp_path / "dev.tsv"
    assert (
        main(
            [
                "eval",
                str(tmp_path / "run" / "last.pt"),
                "--data",
                str(SAMPLE),
                "--split",
                "sample-dev",
                "--predictions",
                str(predictions),
                "--report",
                "--quiet",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    scored = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    assert scored["total"] == 20 and "| by answer type |" in out
    assert len(predictions.read_text().splitlines()) == 20  # every question, answered or not
    assert main(["oracle", "--data", str(SAMPLE), "--split", "sample-dev", "--steps", "2", "--quiet"]) == 0
    coverage = json.loads(capsys.readouterr().out)
    assert 0 < coverage["covered"] <= coverage["questions"] == 20
    assert main(["export", str(tmp_path / "run" / "last.pt"), str(tmp_path / "model")]) == 0
    table = next((SAMPLE / "csv").rglob("*.csv"))
    assert main(["ask", str(table), "how many rows are there?", "--model", str(tmp_path / "model"), "--json"]) == 0
    assert "program" in json.loads(capsys.readouterr().out.splitlines()[-1])
