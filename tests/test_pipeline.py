"""The Hugging Face way: the model called like the table-QA pipeline, results indexed like its dicts, HTML in notebooks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from neuprog.app.cli import main
from neuprog.errors import DataError, UsageError
from neuprog.lang.parse import parse
from neuprog.model.ask import KEYS, AskResult
from neuprog.model.neural_programmer import NeuralProgrammer

EXAMPLES = Path(__file__).parent.parent / "examples"
CITIES = EXAMPLES / "cities.csv"
PIPELINE_KEYS = ("answer", "coordinates", "cells", "aggregator")
COLUMNS = {"City": ["Oslo", "Bergen", "Stockholm"], "Country": ["Norway", "Norway", "Sweden"], "Population": ["709,037", "291,940", "984,748"]}


@pytest.fixture(scope="module")
def model() -> NeuralProgrammer:
    return NeuralProgrammer.from_pretrained()


def test_model_called_with_table_and_query_returns_the_pipeline_dict_and_ours(model):
    answer = model(table=pd.DataFrame(COLUMNS), query="how many cities are in norway?")
    assert isinstance(answer, dict) and list(answer)[:4] == list(PIPELINE_KEYS)
    assert {"value", "program", "confidence", "steps"} <= set(answer)
    assert answer == model.ask(pd.DataFrame(COLUMNS), "how many cities are in norway?").to_dict()


def test_model_takes_a_dict_of_column_lists_and_a_list_of_queries(model):
    answers = model(table=COLUMNS, query=["how many cities are in norway?", "which city has the largest population?"])
    assert [a["question"] for a in answers] == ["how many cities are in norway?", "which city has the largest population?"]
    alone = [model(table=pd.DataFrame(COLUMNS), query=q) for q in ("how many cities are in norway?", "which city has the largest population?")]
    assert [(a["answer"], a["program"]) for a in answers] == [(a["answer"], a["program"]) for a in alone]  # batching moves only the last bits


def test_model_takes_a_list_of_table_query_pairs_and_the_positional_form(model):
    pairs = [{"table": COLUMNS, "query": "how many cities are in norway?"}, {"table": str(CITIES), "query": "how many cities are there?"}]
    answers = model(pairs)
    assert [a["question"] for a in answers] == [p["query"] for p in pairs]
    assert model(COLUMNS, "how many cities are in norway?") == model(pairs[0])
    assert model(pairs[0])["answer"] == answers[0]["answer"]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: m(table=COLUMNS), UsageError, "both a table and a query"),
        (lambda m: m("just text"), UsageError, "table=... and query=..."),
        (lambda m: m(table={"a": [1, 2], "b": [1]}, query="how many a?"), DataError, "columns differ in length"),
        (lambda m: m(table={"a": 5}, query="how many a?"), DataError, "column 'a' is a int"),
        (lambda m: m(table={}, query="how many a?"), DataError, "no columns"),
    ],
)
def test_bad_pipeline_calls_say_what_is_wrong(model, call, error, message):
    with pytest.raises(error, match=message):
        call(model)


def test_result_indexes_like_the_pipeline_dict(model):
    result = model.ask(CITIES, "which city has the largest population?")
    assert result["answer"] == result.answer and result["cells"] == result.cells
    assert dict(result) == result.to_dict() and list(result) == list(KEYS) and "aggregator" in result
    with pytest.raises(KeyError):
        result["no such key"]


def test_notebook_html_shows_answer_program_and_highlighted_rows(model):
    result = model.ask(CITIES, "which city has the largest population?")
    html = result._repr_html_()
    assert f"<b>{result.answer}</b>" in html and "<table>" in html
    assert "background:#ffd54f" in html, "the answer's cell is highlighted"
    assert all(step.split(" = ")[0] in html for step in result.program.split("; "))


def test_notebook_html_escapes_cells_and_shows_a_large_table_in_part(model):
    frame = pd.DataFrame({"Name": [f"<script>{i}</script>" for i in range(500)], "Score": list(range(500))})
    html = model.ask(frame, "which name has the highest score?")._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "more rows" in html and html.count("<tr") <= 30


def test_a_result_made_by_hand_still_renders():
    html = AskResult("q", "3", 3.0, [], [], "COUNT", "s1 = SELECT COUNT(*) FROM ALL_ROWS", 0.5)._repr_html_()
    assert "<b>3</b>" in html and "SELECT COUNT(*)" in html


@pytest.fixture
def decoded_as(monkeypatch):
    """Make the model decode a fixed program, to reach answers it rarely gives."""

    def use(text: str) -> None:
        monkeypatch.setattr("neuprog.model.neural_programmer.decode", lambda *args, **kwargs: parse(text))

    return use


def test_an_empty_answer_says_so_with_its_own_exit_code(model, decoded_as, capsys):
    decoded_as('s1 = ALL_ROWS WHERE "Founded" > 5000; s2 = SELECT "City" FROM s1')
    result = model.ask(CITIES, "which city was founded after 5000?")
    assert result.status == "empty" and result.answer == "" and result.value == [] and "no rows" in result.reason
    assert main(["ask", str(CITIES), "which city was founded after 5000?"]) == 8
    assert capsys.readouterr().out.startswith("(empty: the program selects no rows)\n")


def test_blank_cells_make_an_empty_answer_too(model, decoded_as):
    decoded_as('s1 = ALL_ROWS; s2 = SELECT "Notes" FROM s1')
    result = model.ask({"City": ["Oslo", "Bergen"], "Notes": ["", " "]}, "what are the notes of each city?")
    assert result.status == "empty" and "blank" in result.reason


def test_a_long_list_of_cells_is_summarised(model, decoded_as, capsys):
    decoded_as('s1 = ALL_ROWS; s2 = SELECT "Name" FROM s1')
    frame = pd.DataFrame({"Name": [f"n{i}" for i in range(200_000)]})
    result = model.ask(frame, "what are the names?")
    assert result.answer == "n0, n1, n2, n3, n4, ... and 199,995 more" and len(result.value) == 200_000


def test_a_count_over_many_rows_prints_one_short_line(model, decoded_as, tmp_path, capsys):
    decoded_as("s1 = SELECT COUNT(*) FROM ALL_ROWS")
    path = tmp_path / "big.csv"
    path.write_text("Name,Score\n" + "".join(f"n{i},{i}\n" for i in range(200_000)))
    assert main(["ask", str(path), "how many names are there?"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "200000"


def test_a_program_that_fails_is_reported_not_answered(model, decoded_as, capsys):
    decoded_as('s1 = SELECT SUM("Mayor") FROM ALL_ROWS')
    result = model.ask(CITIES, "what is the total population?")
    assert result.status == "failed" and "no column 'Mayor'" in result.error and result.answer is None
    assert main(["ask", str(CITIES), "what is the total population?"]) == 5
    assert "no column 'Mayor'" in capsys.readouterr().err


def test_a_table_without_rows_is_refused_in_one_line(model):
    with pytest.raises(DataError, match="the table has no rows"):
        model.ask(pd.DataFrame({"City": []}), "how many cities are there?")
