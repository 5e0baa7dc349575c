"""Yes-or-no answers: the EXISTS op, gold "yes" and "no" as targets, and search crediting them."""

from __future__ import annotations

import json
import math

import pytest
import torch

from neuprog import BUILTINS, Table, interpret, parse
from neuprog.app.cli import main
from neuprog.app.inspector import run_view
from neuprog.lang.choices import Picks
from neuprog.lang.interpret import answer_texts
from neuprog.lang.outcome import outcome
from neuprog.lang.soft import execute
from neuprog.model.features import Vocab, collate, make_sample
from neuprog.model.folder import registry_for
from neuprog.model.loss import answer_loss, answerable_questions, truth_loss
from neuprog.model.search import correct_programs
from neuprog.tables.scoring import answer_is_correct

TOWERS = Table.from_rows(["Tower", "Established"], [["Old Light", "1850"], ["Harbour", "1902"], ["North Point", "1877"]])
QUESTION = "were any towers established before 1800?"


def test_exists_answers_yes_when_the_selection_holds_a_row_and_no_when_it_is_empty():
    before = parse('s1 = ALL_ROWS WHERE "Established" < 1800; s2 = EXISTS(s1)')
    after = parse('s1 = ALL_ROWS WHERE "Established" > 1900; s2 = EXISTS(s1)')
    assert interpret(before, TOWERS) is False and answer_texts(interpret(before, TOWERS), TOWERS) == ["no"]
    assert interpret(after, TOWERS) is True and answer_texts(interpret(after, TOWERS), TOWERS) == ["yes"]
    shown = outcome(after, TOWERS)
    assert (shown.answer, shown.value, shown.aggregator) == ("yes", True, "EXISTS")
    assert shown.how == 'any row among 1 row where "Established" > 1900'


def test_run_prints_yes_or_no_and_json_gives_the_truth_as_a_boolean(tmp_path, capsys):
    path = tmp_path / "towers.csv"
    path.write_text("Tower,Established\nOld Light,1850\nHarbour,1902\n")
    assert main(["run", str(path), 's1 = ALL_ROWS WHERE "Established" > 1900; s2 = EXISTS(s1)']) == 0
    assert capsys.readouterr().out == "yes\n"
    assert main(["run", str(path), 's1 = ALL_ROWS WHERE "Established" < 1800; s2 = EXISTS(s1)', "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["answer"], result["value"], result["aggregator"], result["status"]) == ("no", False, "EXISTS", "answered")


def test_the_inspector_shows_the_exists_step_as_a_yes_or_no():
    view, _ = run_view(TOWERS, 's1 = ALL_ROWS WHERE "Established" > 1900\ns2 = EXISTS(s1)')
    assert view["answer"] == "yes" and [(step["kind"], step["value"]) for step in view["steps"]] == [("rows", "1 row"), ("truth", "yes")]


def test_printed_yes_is_right_for_a_gold_yes_in_any_case_by_the_official_rule():
    assert answer_is_correct(["yes"], ["Yes"]) and answer_is_correct(["no"], ["No"]) and not answer_is_correct(["yes"], ["No"])


def test_a_gold_yes_or_no_is_a_truth_target_not_a_number_or_cells():
    samples = [
        make_sample("q1", QUESTION, TOWERS, ["No"]),
        make_sample("q2", "is harbour a tower?", TOWERS, ["yes"]),
        make_sample("q3", "which tower?", TOWERS, ["Harbour"]),
    ]
    batch = collate(samples, Vocab.build(samples))
    assert batch.has_truth.tolist() == [True, True, False] and batch.truth_target.tolist() == [0.0, 1.0, 0.0]
    assert batch.has_cells.tolist() == [False, False, True] and not batch.has_scalar.any()


def test_truth_loss_is_minus_the_log_of_the_probability_given_to_the_gold_answer():
    loss = truth_loss(torch.tensor([0.8, 0.8]), torch.tensor([1.0, 0.0]))
    assert loss.tolist() == pytest.approx([-math.log(0.8), -math.log(0.2)])


def test_a_model_without_exists_leaves_yes_or_no_questions_out_of_its_loss():
    samples = [make_sample("q1", QUESTION, TOWERS, ["No"]), make_sample("q2", "which tower?", TOWERS, ["Harbour"])]
    batch = collate(samples, Vocab.build(samples))
    without = registry_for(BUILTINS, ["all_rows", "less", "count", "print"], "test")
    assert answerable_questions(batch, without).tolist() == [False, True]
    assert answerable_questions(batch, BUILTINS).tolist() == [True, True]


def _picks(programs: list[list[tuple[str, int, int]]]) -> Picks:
    """One question's programs as (op, column, constant) steps."""
    parts = [[[BUILTINS.names.index(op) for op, _, _ in steps] for steps in programs]]
    columns = [[[column for _, column, _ in steps] for steps in programs]]
    constants = [[[constant for _, _, constant in steps] for steps in programs]]
    return Picks(torch.tensor(parts), torch.tensor(columns), torch.tensor(constants))


def test_search_credits_an_exists_program_exactly_when_it_gives_the_gold_yes_or_no():
    sample = make_sample("q", QUESTION, TOWERS, ["No"])
    batch = collate([sample], Vocab.build([sample]))
    assert [c.text for c in sample.question.constants] == ["1800"]
    picks = _picks(
        [
            [("less", 1, 0), ("exists", 0, 0)],  # no tower before 1800: "no", right
            [("greater", 1, 0), ("exists", 0, 0)],  # towers after 1800: "yes", wrong
            [("less", 1, 0), ("count", 0, 0)],  # 0 is a number, not "no"
        ]
    )
    assert correct_programs(BUILTINS, batch, picks).tolist() == [[True, False, False]]


def test_answer_loss_favours_the_exists_program_whose_answer_is_the_gold():
    sample = make_sample("q", QUESTION, TOWERS, ["no"])
    batch = collate([sample], Vocab.build([sample]))
    losses = []
    for filter_op in ("less", "greater"):
        choices = _picks([[(filter_op, 1, 0), ("exists", 0, 0)]]).one_hot(BUILTINS, batch.tables.cells.shape[2], batch.tables.constants.shape[1])
        losses.append(answer_loss(execute(BUILTINS, batch.tables, choices), batch, BUILTINS).item())
    assert losses[0] < 1e-3 < 5 < losses[1]
