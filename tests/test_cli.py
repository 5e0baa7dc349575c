"""The command line: answers on stdout, one error line and a documented exit code for bad input."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE

from neuprog.app.cli import build_parser, main
from neuprog.model.folder import BUNDLED
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.version import __version__

CITIES = Path(__file__).parent.parent / "examples" / "cities.csv"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuprog", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def cities(tmp_path):
    path = tmp_path / "cities.csv"
    path.write_text('City,Population,Founded\nOslo,"709,037",1040\nBergen,"291,940",1070\nTrondheim,"212,660",997\n')
    return path


def test_ops_lists_every_builtin_with_signature_and_template(capsys):
    assert main(["ops"]) == 0
    out = capsys.readouterr().out
    assert out.count(") -> ") >= 18 and "SELECT COUNT(*) FROM {rows}" in out


def test_ops_lists_the_cue_words_of_ops_that_have_them(capsys):
    assert main(["ops"]) == 0
    listing = capsys.readouterr().out
    argmax = listing.split("\nargmax(")[1].split("\nargmin(")[0]
    assert "cues:" in argmax and "longest" in argmax.split("cues:")[1].split()
    count = listing.split("\ncount(")[1].split("\nsum(")[0]
    assert "cues:" not in count, "an op any question may use declares no cues"


def test_run_prints_the_answer(cities, capsys):
    assert main(["run", str(cities), 's1 = ALL_ROWS WHERE "Population" > 250000; s2 = SELECT "City" FROM s1']) == 0
    assert capsys.readouterr().out.split("\n")[:2] == ["Oslo", "Bergen"]


def test_run_computes_numbers(cities, capsys):
    assert main(["run", str(cities), 's1 = ALL_ROWS; s2 = SELECT SUM("Population") FROM s1']) == 0
    assert capsys.readouterr().out.strip() == "1213637"


@pytest.mark.parametrize(
    "program, code, message",
    [
        ('s1 = ALL_ROWS WHERE "City" >', 4, "line 1, column 29"),
        ("s1 = SELECT COUNT(*) FROM s2", 4, "not an earlier step"),
        ('s1 = SELECT SUM("Mayor") FROM ALL_ROWS', 5, "no column 'Mayor'"),
    ],
)
def test_bad_program_gives_one_error_line_and_exit_code(cities, capsys, program, code, message):
    assert main(["run", str(cities), program]) == code
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_missing_table_exits_with_data_error_and_no_traceback(tmp_path):
    result = run("run", str(tmp_path / "nope.csv"), "s1 = SELECT COUNT(*) FROM ALL_ROWS")
    assert result.returncode == 3
    assert "Traceback" not in result.stderr and "no such file" in result.stderr


def test_unreadable_checkpoint_is_refused_with_exit_code(tmp_path, cities):
    broken = tmp_path / "model.pt"
    broken.write_bytes(b"not a checkpoint")
    result = run("explain", str(cities), "how many cities?", "--model", str(broken))
    assert result.returncode == 7 and "Traceback" not in result.stderr


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"neuprog {__version__}"


def test_every_argument_has_help_and_shows_its_default():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, command in [("neuprog", parser), *commands.items()]:
        for action in command._actions:
            said = command._get_formatter()._get_help_string(action)
            assert said, f"{name} {action.dest} has no help text"
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
                assert "default" in said, f"{name} {action.option_strings[-1]}: the help does not show the default {action.default!r}"
        assert "8 the answer is empty" in command.format_help() and "9 the model abstained" in command.format_help()


def test_run_reads_the_program_from_a_file_or_stdin(cities, tmp_path, capsys, monkeypatch):
    program = tmp_path / "program.txt"
    program.write_text('s1 = ALL_ROWS WHERE "Population" > 250000\ns2 = SELECT "City" FROM s1\n')
    assert main(["run", str(cities), "--file", str(program)]) == 0
    assert capsys.readouterr().out.split("\n")[:2] == ["Oslo", "Bergen"]
    monkeypatch.setattr("sys.stdin", io.StringIO(program.read_text()))
    assert main(["run", str(cities)]) == 0
    assert capsys.readouterr().out.split("\n")[:2] == ["Oslo", "Bergen"]
    assert main(["run", str(cities), "s1 = SELECT COUNT(*) FROM ALL_ROWS", "--file", str(program)]) == 2


def test_run_json_gives_the_answer_in_the_table_style_and_the_value(cities, capsys):
    assert main(["run", str(cities), 's1 = ALL_ROWS; s2 = SELECT SUM("Population") FROM s1', "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["answer"] == "1,213,637" and result["value"] == 1213637.0 and result["aggregator"] == "SUM"
    assert result["program"] == 's1 = ALL_ROWS; s2 = SELECT SUM("Population") FROM s1' and result["status"] == "answered"
    assert result["how"] == 'sum of "Population" over all 3 rows'


def test_run_with_an_empty_answer_says_so_and_exits_8(cities, capsys):
    assert main(["run", str(cities), 's1 = ALL_ROWS WHERE "Founded" > 5000; s2 = SELECT "City" FROM s1']) == 8
    assert capsys.readouterr().out == "(empty: the program selects no rows)\n"


def test_ask_answers_a_file_of_questions_in_one_process(tmp_path, capsys):
    questions = tmp_path / "questions.txt"
    questions.write_text("how many cities are there?\n\nwhat is the area of oslo?\nasdf qwerty\n")
    assert main(["ask", str(CITIES), "--questions", str(questions)]) == 0
    blocks = capsys.readouterr().out.strip().split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == [
        "question: how many cities are there?",
        "question: what is the area of oslo?",
        "question: asdf qwerty",
    ]
    assert blocks[0].splitlines()[1] == "8" and blocks[2].splitlines()[1].startswith("no answer: ")


def test_ask_json_lines_in_and_out_keep_ids_and_order(tmp_path, capsys):
    questions = tmp_path / "questions.jsonl"
    questions.write_text('{"id": "a", "question": "how many cities are there?"}\n"what is the area of oslo?"\n{"id": 7, "query": "asdf"}\n')
    assert main(["ask", str(CITIES), "--questions", str(questions), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line.get("id") for line in lines] == ["a", None, 7]
    assert [line["status"] for line in lines] == ["answered", "answered", "abstained"] and lines[0]["answer"] == "8"


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json\n", "line 1: not JSON"), ('"fine"\n{"id": 2}\n', "line 2: needs a question")],
)
def test_a_bad_json_lines_question_names_its_line(tmp_path, capsys, content, message):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(content)
    assert main(["ask", str(CITIES), "--questions", str(questions), "--json"]) == 3
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_ask_needs_a_question_or_a_questions_file_not_both(tmp_path, capsys):
    assert main(["ask", str(CITIES)]) == 2
    (tmp_path / "q.txt").write_text("how many cities?\n")
    assert main(["ask", str(CITIES), "how many cities?", "--questions", str(tmp_path / "q.txt")]) == 2


def test_eval_and_export_take_model_folders_the_bundled_one_included(tmp_path, capsys):
    assert main(["export", str(BUNDLED), str(tmp_path / "copy")]) == 0
    question = "which city has the largest population?"
    assert NeuralProgrammer.from_pretrained(tmp_path / "copy").ask(CITIES, question).answer == NeuralProgrammer.from_pretrained().ask(CITIES, question).answer
    capsys.readouterr()
    assert main(["eval", str(tmp_path / "copy"), "--data", str(SAMPLE), "--split", "sample-dev", "--quiet"]) == 0
    by_folder = json.loads(capsys.readouterr().out)
    assert main(["eval", "--data", str(SAMPLE), "--split", "sample-dev", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out) == by_folder and by_folder["total"] == 20
    assert main(["eval", str(tmp_path / "nothing"), "--data", str(SAMPLE), "--split", "sample-dev"]) == 7
