"""Oracle coverage: the programs it finds really give the gold answer, and it says when none exists."""

from __future__ import annotations

from neuprog.lang.interpret import answer_texts, interpret
from neuprog.lang.ops import BUILTINS
from neuprog.model.features import make_sample
from neuprog.tables.scoring import answer_is_correct
from neuprog.tables.table import Table
from neuprog.wtq.oracle import answer_type, coverage_report, search

TABLE = Table.from_rows(["Nation", "Gold"], [["Norway", "16"], ["Germany", "12"], ["Canada", "11"], ["Sweden", "8"]])


def test_found_programs_run_to_the_gold_answer():
    for question, gold in [("how many nations won more than 10 gold", ["3"]), ("which nation won the most gold", ["Norway"])]:
        sample = make_sample("q", question, TABLE, [gold[0]])
        found = search(BUILTINS, sample, steps=3)
        assert found.program is not None and found.complete
        assert answer_is_correct(answer_texts(interpret(found.program, TABLE), TABLE), gold)


def test_an_answer_no_program_reaches_is_reported_uncovered():
    sample = make_sample("q", "what is the capital of norway", TABLE, ["Oslo"])
    assert search(BUILTINS, sample, steps=2).program is None


def test_coverage_report_counts_per_answer_type():
    samples = [make_sample("a", "how many nations", TABLE, ["4"]), make_sample("b", "capital?", TABLE, ["Oslo"])]
    report = coverage_report(BUILTINS, samples, steps=2)
    assert (report["questions"], report["covered"]) == (2, 1)
    assert report["by_answer_type"] == {
        "number": {"questions": 1, "covered": 1, "coverage": 1.0},
        "string": {"questions": 1, "covered": 0, "coverage": 0.0},
    }
    assert answer_type(["a", "b"]) == "list"
