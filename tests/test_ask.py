"""Asking questions: the bundled model, the Python API, model folders, JSON output, abstention and plots."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neuprog.app.answers import EXIT_CODES
from neuprog.app.cli import main
from neuprog.errors import CheckpointError, UsageError
from neuprog.lang.interpret import interpret
from neuprog.lang.parse import parse
from neuprog.lang.program import render
from neuprog.model.ask import AskResult, as_table
from neuprog.model.folder import BUNDLED
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.tables.table import Table

EXAMPLES = Path(__file__).parent.parent / "examples"
CITIES = EXAMPLES / "cities.csv"
MEDALS = EXAMPLES / "tables" / "medals.csv"
MEDAL_COUNT = "how many nations won more than 10 gold medals?"
HF_KEYS = {"answer", "coordinates", "cells", "aggregator"}


@pytest.fixture(scope="module")
def model() -> NeuralProgrammer:
    return NeuralProgrammer.from_pretrained()


def test_bundled_model_fits_the_size_budget():
    size = sum(path.stat().st_size for path in BUNDLED.rglob("*") if path.is_file())
    assert size <= 25 * 2**20
    assert (BUNDLED / "MODEL_CARD.md").is_file()


def test_ask_returns_an_answer_its_program_reproduces(model):
    result = model.ask(CITIES, "how many cities are in norway?")
    assert isinstance(result, AskResult) and result.error is None
    table = Table.from_csv(CITIES)
    exact = interpret(parse(result.program), table)
    if isinstance(result.value, bool):
        assert result.value is exact
    elif isinstance(result.value, float):
        assert math.isclose(result.value, float(exact))
    else:
        assert result.value == [table.rows[r][c] for r, c in exact.coordinates] == result.cells
    assert 0.0 < result.confidence <= 1.0
    assert len(result.steps) == model.config.steps


def test_ask_takes_a_list_of_questions_in_one_call(model):
    questions = ["how many cities are there?", "which city has the largest population?", "what is the area of oslo?"]
    results = model.ask(CITIES, questions)
    assert [r.question for r in results] == questions
    for batched, alone in zip(results, (model.ask(CITIES, q) for q in questions)):
        assert (batched.answer, batched.program) == (alone.answer, alone.program)
        assert batched.confidence == pytest.approx(alone.confidence, abs=1e-5)  # padding moves the last bits


def test_ask_accepts_a_dataframe_as_users_have_them(model):
    frame = pd.DataFrame(
        [["Oslo", 709037, np.nan], ["Bergen", 291940, 465.0], ["Oslo", None, 1.5]],
        columns=["City", "Population", "City"],
        index=[10, 20, 30],
    ).astype({"Population": "Int64"})
    frame["Country"] = pd.Series(["Norway", "Norway", pd.NA], index=frame.index, dtype="string")
    result = model.ask(frame, "how many cities are in norway?")
    assert result.error is None and result.program
    assert as_table(frame).shape == (3, 4)


def test_ask_accepts_a_table_and_refuses_other_things(model):
    table = Table.from_csv(CITIES)
    assert model.ask(table, "how many cities are there?").to_dict() == model.ask(CITIES, "how many cities are there?").to_dict()
    with pytest.raises(TypeError, match="file path"):
        model.ask(42, "how many?")


def test_min_confidence_makes_ask_abstain_and_says_why(model):
    sure = model.ask(MEDALS, MEDAL_COUNT).confidence
    result = model.ask(MEDALS, MEDAL_COUNT, min_confidence=min(1.0, sure + 0.01))
    if sure < 1.0:
        assert result.abstained and result.answer is None and result.value is None and result.program
        assert result.status == "abstained" and "confidence" in result.reason
    assert model.ask(MEDALS, MEDAL_COUNT, min_confidence=sure).status == "answered"


@pytest.mark.parametrize("threshold", [-0.1, 1.01, 2, float("nan"), "0.5", True])
def test_a_confidence_threshold_outside_zero_to_one_is_an_error(model, threshold):
    with pytest.raises(UsageError, match="min_confidence must be a number from 0 to 1"):
        model.ask(CITIES, "how many cities are there?", min_confidence=threshold)


@pytest.mark.parametrize("question", ["asdf qwerty", "what is the capital of france?", "what?", "lorem ipsum dolor sit amet"])
def test_a_question_that_names_nothing_in_the_table_abstains_by_default(model, question):
    result = model.ask(CITIES, question)
    assert result.status == "abstained" and result.answer is None and "names nothing in the table" in result.reason
    assert result.program, "the best guess stays on record"
    assert model.ask(CITIES, question, min_grounded=0).status in ("answered", "empty")


def test_min_grounded_counts_the_words_that_name_the_table(model):
    assert model.ask(CITIES, "how many cities are in norway?", min_grounded=2).status == "answered"
    result = model.ask(CITIES, "how many cities are in norway?", min_grounded=3)
    assert result.abstained and "only 2 word(s)" in result.reason and "cities, norway" in result.reason
    with pytest.raises(UsageError, match="min_grounded"):
        model.ask(CITIES, "how many cities?", min_grounded=-1)


def test_save_pretrained_round_trips(model, tmp_path):
    folder = model.save_pretrained(tmp_path / "copy")
    again = NeuralProgrammer.from_pretrained(folder)
    question = "which city has the largest population?"
    assert again.ask(CITIES, question).to_dict() == model.ask(CITIES, question).to_dict()
    assert not list(folder.glob(".*")), "no temporary files left behind"


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda f: (f / "config.json").unlink(), "not a model folder"),
        (lambda f: (f / "config.json").write_text("{not json"), "not valid JSON"),
        (lambda f: (f / "model.safetensors").write_bytes((f / "model.safetensors").read_bytes()[:1000]), "truncated or corrupted"),
        (lambda f: (f / "config.json").write_text(json.dumps({"format": "neuprog-model", "version": 99})), "version 99"),
    ],
)
def test_broken_model_folders_are_refused_with_the_reason(model, tmp_path, breakage, message):
    folder = model.members[0].save_pretrained(tmp_path / "broken")  # one trained model of the bundled ensemble
    breakage(folder)
    with pytest.raises(CheckpointError, match=message):
        NeuralProgrammer.from_pretrained(folder)
    assert main(["ask", str(CITIES), "how many cities?", "--model", str(folder)]) == 7


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda f: (f / "ensemble.json").write_text("[1, 2"), "ensemble.json: not valid JSON"),
        (lambda f: shutil.rmtree(f / json.loads((f / "ensemble.json").read_text())["members"][-1]), "not a model folder"),
        (
            lambda f: (f / "ensemble.json").write_text(json.dumps({**json.loads((f / "ensemble.json").read_text()), "calibration": [1.0]})),
            "calibration has 1 weights",
        ),
        (lambda f: (f / "ensemble.json").write_text(json.dumps({**json.loads((f / "ensemble.json").read_text()), "programs": 0})), "programs must be"),
    ],
)
def test_broken_ensemble_folders_are_refused_with_the_reason(model, tmp_path, breakage, message):
    folder = model.save_pretrained(tmp_path / "broken")
    breakage(folder)
    with pytest.raises(CheckpointError, match=message):
        NeuralProgrammer.from_pretrained(folder)
    assert main(["ask", str(CITIES), "how many cities?", "--model", str(folder)]) == 7


def test_cli_ask_prints_the_answer_first_then_how_then_program_and_confidence(model, capsys):
    assert main(["ask", str(MEDALS), MEDAL_COUNT]) == 0
    lines = capsys.readouterr().out.splitlines()
    result = model.ask(MEDALS, MEDAL_COUNT)
    assert lines[0] == result.answer
    if result.aggregator == "COUNT":
        assert lines[0].isdigit(), "a count prints as an integer"
    assert lines[1] == result.how and lines[2] == f"program: {result.program}" and lines[3].startswith("confidence: ")


def test_cli_ask_json_has_the_pipeline_keys_and_ours(capsys):
    assert main(["ask", str(CITIES), "which city has the largest population?", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert HF_KEYS | {"value", "program", "confidence", "steps", "status", "reason", "how", "raw_program"} <= set(result)
    assert all(set(step) == {"ops", "columns", "constants"} for step in result["steps"])


def test_cli_ask_abstains_on_stderr_with_its_exit_code(capsys):
    assert main(["ask", str(CITIES), "asdf qwerty"]) == 9
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("no answer: the question names nothing in the table") and "'asdf'" in captured.err
    assert main(["ask", str(CITIES), "asdf qwerty", "--min-grounded", "0"]) in (0, 8)


def test_cli_ask_json_records_an_abstention_and_exits_9(capsys):
    assert main(["ask", str(CITIES), "asdf qwerty", "--json"]) == 9
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["status"] == "abstained" and result["answer"] is None and "names nothing" in result["reason"]
    assert captured.err.startswith("no answer: ") and captured.err.count("\n") == 1


@pytest.mark.parametrize("threshold", ["2", "-0.5", "nan", "lots"])
def test_cli_refuses_a_confidence_threshold_outside_zero_to_one_in_one_line(capsys, threshold):
    with pytest.raises(SystemExit) as exit_:
        main(["ask", str(CITIES), "how many cities?", "--min-confidence", threshold])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and "not a probability from 0 to 1" in err


@pytest.mark.parametrize(
    ("table", "question"),
    [(MEDALS, MEDAL_COUNT), (EXAMPLES / "tables" / "planets.csv", "what is the diameter of mars?"), (CITIES, "what is the total population of norway?")],
)
def test_ask_explain_json_and_python_agree_on_the_answer(model, capsys, table, question):
    result = model.ask(table, question)
    code = EXIT_CODES[result.status]
    assert main(["ask", str(table), question]) == code
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (result.answer if result.status == "answered" else f"(empty: {result.reason})")
    assert main(["ask", str(table), question, "--json"]) == code
    assert json.loads(capsys.readouterr().out)["answer"] == result.answer
    assert main(["explain", str(table), question]) == code
    explained = capsys.readouterr().out.splitlines()
    assert f"answer: {first}" in explained and f"how: {result.how}" in explained
    assert explained[explained.index("program:") + 1 :][: len(parse(result.program).steps)] == [
        "  " + line for line in render(parse(result.program), multiline=True).splitlines()
    ]


def test_cli_explain_shows_raw_steps_with_attention_and_what_became_of_them(capsys):
    assert main(["explain", str(MEDALS), MEDAL_COUNT, "--raw"]) == 0
    out = capsys.readouterr().out
    raw = [line for line in out.splitlines() if line.startswith("  s") and "   (" in line]
    assert len(raw) == NeuralProgrammer.from_pretrained().config.steps
    assert any("(kept as s1)" in line for line in raw) and "    op       " in out


def test_cli_explain_plots_the_attention(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "explain.png"
    assert main(["explain", str(CITIES), "how many cities are in norway?", "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "program:" in capsys.readouterr().out


def test_cli_explain_plot_to_an_unwritable_place_is_refused_before_any_answer(tmp_path):
    pytest.importorskip("matplotlib")
    result = subprocess.run(
        [sys.executable, "-m", "neuprog", "explain", str(CITIES), "how many cities?", "--plot", str(tmp_path / "missing" / "x.png")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 12 and result.stderr.count("\n") == 1 and "cannot write the plot" in result.stderr
    assert result.stdout == "", "the place to write is checked before the model answers"


def test_bundled_model_still_answers_the_example_questions_it_got_right(model):
    sys.path.insert(0, str(EXAMPLES))
    from ask_examples import predicted_values

    from neuprog.tables.canon import canonical_forms
    from neuprog.tables.scoring import answer_is_correct

    rows = [line.split("\t") for line in (EXAMPLES / "tables" / "questions.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    kept = [(table, question, answer) for table, question, answer, right in rows if right == "yes"]
    assert len(kept) >= 20
    for table, question, answer in kept:
        gold = answer.split("|")
        result = model.ask(EXAMPLES / "tables" / table, question)
        assert answer_is_correct(predicted_values(result), gold, canonical_forms(gold)), (table, question, result.answer)


def test_custom_op_example_trains_a_model_that_uses_the_new_op():
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}  # its 2 OpenMP threads must not spin against other work on the machine
    result = subprocess.run([sys.executable, str(EXAMPLES / "custom_op.py")], capture_output=True, text=True, timeout=300, check=False, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    accuracy = float(result.stdout.split("test accuracy ")[1].split("%")[0])
    assert accuracy >= 90.0 and "SPREAD(" in result.stdout
