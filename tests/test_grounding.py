"""Grounding: a question is tied to a table by the words that name its columns, cells, numbers or rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from neuprog.tables.question import Question, grounding
from neuprog.tables.table import Table
from neuprog.tables.text import tokenize

EXAMPLES = Path(__file__).parent.parent / "examples"
CITIES = Table.from_csv(EXAMPLES / "cities.csv")


def grounded(question: str, table: Table = CITIES) -> tuple[str, ...]:
    return grounding(Question(question, tokenize(question)), table).grounded


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("how many cities are in norway?", ("cities", "norway")),
        ("which city was founded first?", ("city", "founded", "first")),
        ("what is the area of oslo?", ("area", "oslo")),
        ("how many games were played?", ("games",)),
        ("how many rows are there?", ("rows",)),
        ("which cities have more than 600000 people", ("cities", "600000")),
    ],
)
def test_words_naming_columns_cells_numbers_or_rows_ground_a_question(question, words):
    assert set(words) <= set(grounded(question))


@pytest.mark.parametrize("question", ["asdf qwerty", "what is the capital of france?", "lorem ipsum dolor", "what?", "?", "how many?"])
def test_a_question_naming_nothing_in_the_table_is_ungrounded(question):
    assert grounded(question) == ()


def test_every_hand_written_example_question_is_grounded():
    with open(EXAMPLES / "tables" / "questions.tsv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream, delimiter="\t"))
    for row in rows:
        assert grounded(row["question"], Table.from_csv(EXAMPLES / "tables" / row["table"])), row["question"]


def test_a_column_named_like_a_stopword_still_grounds_the_question():
    assert grounded("what is a?", Table.from_rows(["A", "No."], [["1", "2"]])) == ("a",)
