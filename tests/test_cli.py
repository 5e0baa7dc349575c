"""The command line: answers on stdout, one error line and a documented exit code for bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from neuprog.app.cli import main


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
