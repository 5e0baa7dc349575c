"""Hard edges: odd files, odd questions and odd program text give one clear error line, never a traceback."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuprog.app.cli import main
from neuprog.errors import DataError, ProgramSyntaxError, ProgramTypeError
from neuprog.lang.ops import BUILTINS
from neuprog.lang.parse import parse
from neuprog.learn.checkpoint import save_checkpoint
from neuprog.learn.runner import describe
from neuprog.model.config import ModelConfig, TrainConfig
from neuprog.model.features import Vocab
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.tables.table import Table


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.pt"
    config = TrainConfig(data="unused", model=ModelConfig(hidden=16, embedding=8))
    model = NeuralProgrammer(BUILTINS, Vocab(["<pad>", "<unk>", "<num>", "<date>", "how", "many"]), config.model)
    save_checkpoint(path, weights=model.state_dict(), **describe(model, config))
    return path


@pytest.fixture
def cities(tmp_path):
    path = tmp_path / "cities.csv"
    path.write_text("City,Population\nOslo,709037\nBergen,291940\n")
    return path


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_ten_megabyte_cell_is_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text('a,b\n"' + "x" * 10_000_000 + '",1\n')
    assert Table.from_csv(path).numbers[0, 1] == 1


def test_five_thousand_columns_are_read(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(5000)) + "\n" + ",".join(str(i) for i in range(5000)) + "\n")
    assert Table.from_csv(path).shape == (1, 5000)


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_refused(checkpoint, cities, capsys, question):
    assert main(["explain", str(cities), question, "--model", str(checkpoint)]) == 3
    assert "question is empty" in one_error_line(capsys)


@pytest.mark.parametrize("question", ["how many " * 1200, "人口が最も多い都市はどれですか", "Сколько городов?", "كم عدد المدن"])
def test_long_or_foreign_question_gets_an_answer_not_a_crash(checkpoint, cities, capsys, question):
    assert main(["explain", str(cities), question, "--model", str(checkpoint), "--min-grounded", "0"]) in (0, 8)
    assert "program:" in capsys.readouterr().out
    assert main(["explain", str(cities), question, "--model", str(checkpoint)]) == 9, "it names nothing in an English table"
    out = capsys.readouterr().out
    assert "no answer: the question names nothing in the table" in out and "program:" in out


def test_unknown_config_key_is_named(tmp_path, capsys):
    (tmp_path / "c.json").write_text(json.dumps({"data": "x", "learning_rte": 0.1}))
    assert main(["train", "--config", str(tmp_path / "c.json"), "--out", str(tmp_path / "out")]) == 2
    assert "learning_rte" in one_error_line(capsys)


def test_invalid_config_value_is_named(tmp_path, capsys):
    (tmp_path / "c.json").write_text(json.dumps({"data": "x", "model": {"steps": 0}}))
    assert main(["train", "--config", str(tmp_path / "c.json"), "--out", str(tmp_path / "out")]) == 2
    assert "model.steps" in one_error_line(capsys)


def test_config_that_is_not_json_is_reported(tmp_path, capsys):
    (tmp_path / "c.json").write_text("{data: x")
    assert main(["train", "--config", str(tmp_path / "c.json"), "--out", str(tmp_path / "out")]) == 2
    assert "not valid JSON" in one_error_line(capsys)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=400) | st.text(max_size=400).map(lambda t: t.encode("utf-8")))
def test_csv_reader_either_reads_or_says_why(tmp_path, content):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(content)
    try:
        table = Table.from_csv(path)
    except DataError as error:
        assert "\n" not in str(error)
    else:
        assert table.shape[0] >= 1 and table.shape[1] >= 1


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=120)
    | st.lists(
        st.sampled_from(["s1", "s2", "=", "ALL_ROWS", "WHERE", '"a"', ">", "3", ";", "SELECT", "COUNT(*)", "FROM", "'x'", "(", ")", ","]), max_size=14
    ).map(" ".join)
)
def test_parser_either_parses_or_names_the_problem(text):
    try:
        parse(text)
    except ProgramSyntaxError as error:
        assert "syntax error" in str(error)
    except ProgramTypeError as error:
        assert str(error).startswith("step s")


@pytest.mark.parametrize(("device", "message"), [("tpu", "choose auto, cpu or cuda"), ("cuda", "no CUDA device")])
def test_unusable_device_is_named(tmp_path, capsys, monkeypatch, device, message):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    (tmp_path / "c.json").write_text(json.dumps({"data": str(tmp_path)}))
    assert main(["train", "--config", str(tmp_path / "c.json"), "--out", str(tmp_path / "out"), "--device", device]) == 2
    assert message in one_error_line(capsys)
