"""Hostile input, the battery: every failure a user can cause is one line naming the culprit, a documented exit code, nothing written or lost, in bounded time and memory."""

from __future__ import annotations

import errno
import json
import os
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file, save_file

import neuprog
import neuprog.limits
from neuprog.app.cli import main
from neuprog.errors import (
    CheckpointError,
    ConfigError,
    DataError,
    LimitError,
    NeuprogError,
    ProgramSyntaxError,
    RunFolderError,
    UsageError,
    WrongTypeError,
)
from neuprog.lang.ops import BUILTINS
from neuprog.learn.checkpoint import load_checkpoint, save_checkpoint
from neuprog.learn.runfolder import LOCK
from neuprog.learn.runner import describe, train_from_config
from neuprog.model.ask import ask
from neuprog.model.config import ModelConfig, TrainConfig, parse_config
from neuprog.model.features import Vocab, collate
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.tables.readers import read_table
from neuprog.wtq.evaluate import evaluate
from neuprog.wtq.oracle import coverage_report
from neuprog.wtq.synth import SynthConfig, generate, test_config, write_dataset

ROOT = Path(__file__).parent.parent
COUNT = "s1 = ALL_ROWS; s2 = SELECT COUNT(*) FROM s1"
OPS = ["all_rows", "greater", "less", "count", "sum", "print"]
SECONDS = 3.0  # each refusal, in process, on a shared 2-core machine; they take milliseconds alone
MEGABYTES = 300  # growth of the process's peak memory a refusal may cause


def _zip_bomb(path: Path, member: str, megabytes: int) -> None:
    """A small zip whose one member expands to ``megabytes`` of zeros (deflate packs them about 1000 to 1)."""
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive, archive.open(member, "w", force_zip64=True) as stream:
        for _ in range(megabytes):
            stream.write(chunk)


def _claiming(path: Path, size: int) -> None:
    """Rewrite a small zip so that its directory claims a member of ``size`` bytes: what a crafted archive can declare."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        data[at + offset : at + offset + 4] = size.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def _tiny_config(data: Path, **changes) -> dict:
    config = {
        "data": str(data),
        "dev_split": "test",
        "batch_size": 16,
        "epochs": 1,
        "eval_every": 2,
        "threads": 1,
        "model": {"steps": 2, "hidden": 16, "embedding": 8, "ops": OPS},
    }
    for key, value in changes.items():
        if key.startswith("model."):
            config["model"][key[len("model.") :]] = value
        else:
            config[key] = value
    return config


@pytest.fixture(scope="module")
def w(tmp_path_factory) -> dict[str, Path]:
    """A workspace of hostile files, built once: tables, programs, questions, models, configs, data and a finished run."""
    root = tmp_path_factory.mktemp("hostile")
    p: dict[str, Path] = {"root": root}

    def put(name: str, content: bytes | str) -> Path:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        p[name] = path
        return path

    put("cities.csv", (ROOT / "examples" / "cities.csv").read_bytes())
    put("binary.csv", b"a,b\n1,\x00\x01\x02\n")
    put("utf16.csv", "a,b\n1,2\n".encode("utf-16"))
    put("latin1.csv", "a,b\ncaf\xe9,1\n".encode("latin-1"))
    put("empty.csv", b"")
    put("header.csv", b"a,b\n")
    put("ragged.csv", b"a,b\n1,2,3\n")
    put("blank_header.csv", b",,\n1,2,3\n4,5,6\n")
    put("huge_cells.csv", "a,b\n" + "9" * 400 + ",1e999\n1,2\n")
    put("notzip.xlsx", b"this is not a workbook")
    put("deep.json", "[" * 100_000 + "]" * 100_000)
    put("scalar.json", b"5")
    put("garbage.sqlite", b"SQLite format 3\x00" + b"\xff" * 200)
    put("inf.txt", 's1 = ALL_ROWS WHERE "Population" > 1e999; s2 = SELECT COUNT(*) FROM s1')
    put("questions_bad_utf8.txt", b"how many cities?\n\xff\xfe\n")
    put("questions_deep.jsonl", '{"question": ' + "[" * 50_000 + "]" * 50_000 + "}\n")
    put("questions_number.jsonl", '{"question": 5}\n')
    put("foreign/config.json", '{"my": "own settings"}')
    put("afile", b"just a file")
    os.mkfifo(root / "fifo.csv")
    p["fifo.csv"] = root / "fifo.csv"
    (root / "folder").mkdir()
    p["folder"] = root / "folder"
    os.truncate(put("sparse.csv", b""), 2 << 30)  # 2 GB of nothing, on disk as a few blocks
    os.symlink("loop_b.csv", root / "loop_a.csv")
    os.symlink("loop_a.csv", root / "loop_b.csv")
    os.symlink("nowhere.csv", root / "broken.csv")
    _zip_bomb(root / "bomb.xlsx", "xl/worksheets/sheet1.xml", 120)
    p["bomb.xlsx"] = root / "bomb.xlsx"
    with sqlite3.connect(root / "endless.sqlite") as connection:
        connection.execute("CREATE VIEW counting AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c")
    connection.close()

    config = TrainConfig(data="unused", model=ModelConfig(hidden=16, embedding=8, steps=2))
    model = NeuralProgrammer(BUILTINS, Vocab(["<pad>", "<unk>", "<num>", "<date>", "how", "many"]), config.model)
    save_checkpoint(root / "model.pt", weights=model.state_dict(), **describe(model, config))
    p["model.pt"] = root / "model.pt"
    data = (root / "model.pt").read_bytes()
    put("truncated.pt", data[: len(data) // 2])
    torch.save({"format": "neuprog-checkpoint", "version": 1, "weights": os.system}, root / "evil.pt")
    p["evil.pt"] = root / "evil.pt"
    _zip_bomb(root / "bomb.pt", "archive/data/0", 20)
    p["bomb.pt"] = root / "bomb.pt"
    with zipfile.ZipFile(root / "claims.pt", "w") as archive:
        archive.writestr("archive/data.pkl", b"x" * 100)
    _claiming(root / "claims.pt", 4_000_000_000)
    p["claims.pt"] = root / "claims.pt"

    for name, change in {
        "good": None,
        "novocab": lambda d, t: d.pop("vocab"),
        "intvocab": lambda d, t: d.__setitem__("vocab", [1, 2, 3]),
        "hugehidden": lambda d, t: d["config"]["model"].__setitem__("hidden", 10**6),
        "otherhidden": lambda d, t: d["config"]["model"].__setitem__("hidden", 32),
        "nan": lambda d, t: t.__setitem__("controller.ops", torch.full_like(t["controller.ops"], float("nan"))),
        "unknownop": lambda d, t: d.__setitem__("ops", ["teleport", *d["ops"][1:]]),
    }.items():
        folder = model.save_pretrained(root / f"folder_{name}")
        description, tensors = json.loads((folder / "config.json").read_text()), load_file(str(folder / "model.safetensors"))
        if change is not None:
            change(description, tensors)
        (folder / "config.json").write_text(json.dumps(description))
        save_file(tensors, str(folder / "model.safetensors"))
        p[f"folder_{name}"] = folder

    synth = SynthConfig(max_columns=1, text_columns=0, seed=5)
    write_dataset(root / "data", generate(synth, 48, "train"), "train")
    write_dataset(root / "data", generate(test_config(synth), 8, "test"), "test")
    put("data/data/empty.tsv", "id\tutterance\tcontext\ttargetValue\n")
    put("data/data/escape.tsv", "id\tutterance\tcontext\ttargetValue\nq1\thow many?\t../../../../etc/passwd\t3\n")
    put(
        "data/data/huge.tsv",
        "id\tutterance\tcontext\ttargetValue\nq1\thow many are greater than "
        + "9" * 400
        + "?\t"
        + (root / "data").joinpath("data", "test.tsv").read_text().splitlines()[1].split("\t")[2]
        + "\t3\n",
    )
    p["data"] = root / "data"
    configs = {
        "tiny": {},
        "lr_inf": {"learning_rate": float("inf")},
        "lr_nan": {"learning_rate": float("nan")},
        "hidden": {"model.hidden": 10**6},
        "batch0": {"batch_size": 0},
        "seed": {"seed": 10**30},
        "empty_split": {"train_split": "empty"},
        "escape_split": {"train_split": "escape"},
        "traversal": {"train_split": "../../x"},
        "other_ops": {"model.ops": ["all_rows", "greater", "less", "count", "sum", "maximum"]},
        "other_steps": {"model.steps": 3},
        "huge_dev": {"dev_split": "huge"},
    }
    for name, changes in configs.items():
        put(f"{name}.json", json.dumps(_tiny_config(p["data"], **changes)))
    put("array.json", "[1, 2]")
    put("notjson.json", "{learning_rate: 1")
    put("deepconfig.json", "[" * 100_000 + "]" * 100_000)
    train_from_config(parse_config(_tiny_config(p["data"])), root / "run", progress=False)
    p["run"] = root / "run"
    return p


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under ``root`` with its kind, and for files their size and modification time: what a refusal must leave as it was."""
    seen = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        written = path.is_dir() and not path.is_symlink()  # a folder's own time changes when a probe or lock comes and goes
        seen[str(path.relative_to(root))] = (info.st_mode,) if written else (info.st_mode, info.st_size, info.st_mtime_ns)
    return seen


def peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# (id, arguments with {name} for workspace paths, exit code, words the one error line must hold, environment)
CLI_CASES = [
    # tables: whatever the file is, it is looked at before it is read
    ("dev-zero", ["run", "/dev/zero", COUNT], 3, "character device", {}),
    ("dev-urandom", ["run", "/dev/urandom", COUNT], 3, "character device", {}),
    ("fifo", ["run", "{fifo.csv}", COUNT], 3, "named pipe", {}),
    ("directory", ["run", "{folder}", COUNT], 3, "directory", {}),
    ("sparse-2gb", ["run", "{sparse.csv}", COUNT], 11, "over the limit of 100 MB", {}),
    ("symlink-loop", ["run", "{root}/loop_a.csv", COUNT], 3, "symbolic link loop", {}),
    ("broken-symlink", ["run", "{root}/broken.csv", COUNT], 3, "broken symbolic link", {}),
    ("missing-table", ["run", "{root}/nope.csv", COUNT], 3, "no such file", {}),
    ("path-too-long", ["run", "{root}/" + "x" * 300 + ".csv", COUNT], 3, "too long", {}),
    ("binary-table", ["run", "{binary.csv}", COUNT], 3, "binary", {}),
    ("utf16-unannounced", ["run", "{utf16.csv}", COUNT], 3, "--encoding utf-16", {}),
    ("unknown-encoding", ["run", "{cities.csv}", COUNT, "--encoding", "klingon"], 3, "unknown encoding", {}),
    ("latin1-as-utf8", ["run", "{latin1.csv}", COUNT], 3, "not valid utf-8", {}),
    ("empty-table", ["run", "{empty.csv}", COUNT], 3, "empty", {}),
    ("header-only", ["run", "{header.csv}", COUNT], 3, "no rows", {}),
    ("ragged", ["run", "{ragged.csv}", COUNT], 3, "ragged", {}),
    ("too-many-cells", ["run", "{cities.csv}", COUNT], 11, "NEUPROG_MAX_CELLS", {"NEUPROG_MAX_CELLS": "10"}),
    ("too-many-columns", ["run", "{cities.csv}", COUNT], 11, "NEUPROG_MAX_COLUMNS", {"NEUPROG_MAX_COLUMNS": "2"}),
    ("file-limit", ["run", "{cities.csv}", COUNT], 11, "NEUPROG_MAX_FILE_MB", {"NEUPROG_MAX_FILE_MB": "0.0001"}),
    ("limit-not-a-number", ["run", "{cities.csv}", COUNT], 2, "NEUPROG_MAX_FILE_MB", {"NEUPROG_MAX_FILE_MB": "lots"}),
    ("limit-negative", ["run", "{cities.csv}", COUNT], 2, "NEUPROG_MAX_CELLS", {"NEUPROG_MAX_CELLS": "-5"}),
    ("xlsx-bomb", ["run", "{bomb.xlsx}", COUNT], 11, "expands to", {}),
    ("xlsx-not-zip", ["run", "{notzip.xlsx}", COUNT], 3, "not a readable zip", {}),
    ("json-deep", ["run", "{deep.json}", COUNT], 3, "not a readable JSON table", {}),
    ("json-scalar", ["run", "{scalar.json}", COUNT], 3, "not a readable JSON table", {}),
    ("sqlite-garbage", ["run", "{garbage.sqlite}", COUNT], 3, "not a readable SQLite", {}),
    ("sqlite-endless-view", ["run", "{root}/endless.sqlite", COUNT], 11, "NEUPROG_MAX_CELLS", {"NEUPROG_MAX_CELLS": "1000"}),
    ("sheet-on-csv", ["run", "{cities.csv}", COUNT, "--sheet", "0"], 2, "--sheet is for Excel", {}),
    # programs: numbers finite, text bounded, results in range
    ("literal-beyond-float", ["run", "{cities.csv}", 's1 = ALL_ROWS WHERE "Population" > 1e999; s2 = SELECT COUNT(*) FROM s1'], 4, "finite", {}),
    ("literal-400-digits", ["run", "{cities.csv}", "--file", "{inf.txt}"], 4, "finite", {}),
    ("impossible-date", ["run", "{cities.csv}", "s1 = ALL_ROWS WHERE \"Founded\" > DATE '2004-13-45'; s2 = SELECT COUNT(*) FROM s1"], 4, "month", {}),
    (
        "sum-overflows",
        ["run", "{cities.csv}", 's1 = ALL_ROWS; s2 = SELECT SUM("Population") FROM s1; s3 = s2 + 1e308; s4 = s3 + 1e308'],
        5,
        "beyond the range",
        {},
    ),
    ("program-too-long", ["run", "{cities.csv}", "s1 = ALL_ROWS" + " " * 30_000 + "; s2 = SELECT COUNT(*) FROM s1"], 11, "NEUPROG_MAX_TEXT_CHARS", {}),
    ("program-file-device", ["run", "{cities.csv}", "--file", "/dev/zero"], 3, "character device", {}),
    ("program-file-missing", ["run", "{cities.csv}", "--file", "{root}/nope.txt"], 3, "no such file", {}),
    ("program-twice", ["run", "{cities.csv}", COUNT, "--file", "{inf.txt}"], 2, "not both", {}),
    ("program-misnumbered", ["run", "{cities.csv}", "s2 = ALL_ROWS; s1 = SELECT COUNT(*) FROM s2"], 4, "must be named s1", {}),
    # questions
    ("question-too-long", ["ask", "{cities.csv}", "how many " * 3000, "--model", "{model.pt}"], 11, "NEUPROG_MAX_TEXT_CHARS", {}),
    ("question-empty", ["ask", "{cities.csv}", "  ", "--model", "{model.pt}"], 3, "question is empty", {}),
    ("questions-device", ["ask", "{cities.csv}", "--questions", "/dev/zero", "--model", "{model.pt}"], 3, "character device", {}),
    ("questions-bad-utf8", ["ask", "{cities.csv}", "--questions", "{questions_bad_utf8.txt}", "--model", "{model.pt}"], 3, "not valid utf-8", {}),
    ("questions-deep-json", ["ask", "{cities.csv}", "--questions", "{questions_deep.jsonl}", "--json", "--model", "{model.pt}"], 3, "nested too deeply", {}),
    ("questions-number", ["ask", "{cities.csv}", "--questions", "{questions_number.jsonl}", "--json", "--model", "{model.pt}"], 3, "needs a question", {}),
    ("question-and-file", ["ask", "{cities.csv}", "how many?", "--questions", "{inf.txt}"], 2, "not both", {}),
    ("confidence-nan", ["ask", "{cities.csv}", "how many?", "--min-confidence", "nan"], 2, "probability", {}),
    ("confidence-infinite", ["ask", "{cities.csv}", "how many?", "--min-confidence", "inf"], 2, "probability", {}),
    ("grounded-negative", ["ask", "{cities.csv}", "how many?", "--min-grounded", "-1"], 2, "whole number", {}),
    ("grounded-huge", ["ask", "{cities.csv}", "how many?", "--min-grounded", "1" + "0" * 30], 2, "whole number", {}),
    ("top-negative", ["explain", "{cities.csv}", "how many?", "--top", "-2"], 2, "whole number", {}),
    ("top-zero", ["explain", "{cities.csv}", "how many?", "--top", "0"], 2, "whole number", {}),
    ("plot-unknown-format", ["explain", "{cities.csv}", "how many?", "--plot", "{root}/plot.bmp", "--model", "{model.pt}"], 2, "png", {}),
    ("plot-nowhere", ["explain", "{cities.csv}", "how many?", "--plot", "/nonexistent/plot.png", "--model", "{model.pt}"], 12, "no folder", {}),
    # models: refused before they are expanded or built, and for the reason
    ("model-device", ["ask", "{cities.csv}", "how many?", "--model", "/dev/zero"], 7, "character device", {}),
    ("model-missing", ["ask", "{cities.csv}", "how many?", "--model", "{root}/nope.pt"], 7, "no such checkpoint", {}),
    ("model-fifo", ["ask", "{cities.csv}", "how many?", "--model", "{fifo.csv}"], 7, "named pipe", {}),
    ("checkpoint-bomb", ["ask", "{cities.csv}", "how many?", "--model", "{bomb.pt}"], 11, "expands to", {"NEUPROG_MAX_MODEL_MB": "1"}),
    ("checkpoint-claims-4gb", ["ask", "{cities.csv}", "how many?", "--model", "{claims.pt}"], 11, "expands to 4,000,000,000 bytes", {}),
    ("checkpoint-over-limit", ["ask", "{cities.csv}", "how many?", "--model", "{model.pt}"], 11, "NEUPROG_MAX_MODEL_MB", {"NEUPROG_MAX_MODEL_MB": "0.001"}),
    ("checkpoint-pickle-payload", ["ask", "{cities.csv}", "how many?", "--model", "{evil.pt}"], 7, "refused to load", {}),
    ("checkpoint-truncated", ["ask", "{cities.csv}", "how many?", "--model", "{truncated.pt}"], 7, "truncated or corrupted", {}),
    ("checkpoint-not-zip", ["ask", "{cities.csv}", "how many?", "--model", "{cities.csv}"], 7, "truncated or corrupted", {}),
    ("folder-without-vocab", ["ask", "{cities.csv}", "how many?", "--model", "{folder_novocab}"], 7, "lacks vocab", {}),
    ("folder-int-vocab", ["ask", "{cities.csv}", "how many?", "--model", "{folder_intvocab}"], 7, "list of strings", {}),
    ("folder-hidden-million", ["ask", "{cities.csv}", "how many?", "--model", "{folder_hugehidden}"], 7, "hidden", {}),
    ("folder-wrong-shapes", ["ask", "{cities.csv}", "how many?", "--model", "{folder_otherhidden}"], 7, "shape", {}),
    ("folder-nan-weights", ["ask", "{cities.csv}", "how many?", "--model", "{folder_nan}"], 7, "NaN", {}),
    ("folder-unknown-op", ["ask", "{cities.csv}", "how many?", "--model", "{folder_unknownop}"], 7, "teleport", {}),
    # training: configs finite and bounded, run folders never lost
    ("lr-infinite", ["train", "--config", "{lr_inf.json}", "--out", "{root}/out", "--quiet"], 2, "learning_rate", {}),
    ("lr-nan", ["train", "--config", "{lr_nan.json}", "--out", "{root}/out", "--quiet"], 2, "learning_rate", {}),
    ("hidden-million", ["train", "--config", "{hidden.json}", "--out", "{root}/out", "--quiet"], 2, "model.hidden", {}),
    ("batch-size-zero", ["train", "--config", "{batch0.json}", "--out", "{root}/out", "--quiet"], 2, "batch_size", {}),
    ("seed-huge", ["train", "--config", "{seed.json}", "--out", "{root}/out", "--quiet"], 2, "seed", {}),
    ("config-device", ["train", "--config", "/dev/zero", "--out", "{root}/out"], 2, "character device", {}),
    ("config-array", ["train", "--config", "{array.json}", "--out", "{root}/out"], 2, "JSON object", {}),
    ("config-not-json", ["train", "--config", "{notjson.json}", "--out", "{root}/out"], 2, "not valid JSON", {}),
    ("config-deep", ["train", "--config", "{deepconfig.json}", "--out", "{root}/out"], 2, "nested too deeply", {}),
    ("empty-training-split", ["train", "--config", "{empty_split.json}", "--out", "{root}/out", "--quiet"], 3, "holds no questions", {}),
    ("context-escapes-data", ["train", "--config", "{escape_split.json}", "--out", "{root}/out", "--quiet"], 3, "inside the data folder", {}),
    ("split-traversal", ["train", "--config", "{traversal.json}", "--out", "{root}/out", "--quiet"], 3, "a split is named", {}),
    ("out-is-a-file", ["train", "--config", "{tiny.json}", "--out", "{afile}", "--quiet"], 12, "is a file", {}),
    ("out-under-a-file", ["train", "--config", "{tiny.json}", "--out", "{afile}/run", "--quiet"], 12, "cannot make the run folder", {}),
    ("device-unknown", ["train", "--config", "{tiny.json}", "--out", "{root}/out", "--device", "gpu"], 2, "--device", {}),
    ("run-folder-holds-a-run", ["train", "--config", "{tiny.json}", "--out", "{run}", "--quiet"], 10, "--overwrite", {}),
    ("resume-nothing", ["train", "--config", "{tiny.json}", "--out", "{root}/fresh", "--quiet", "--resume"], 10, "nothing to resume", {}),
    ("resume-other-ops", ["train", "--config", "{other_ops.json}", "--out", "{run}", "--quiet", "--resume"], 10, "model.ops", {}),
    ("resume-other-steps", ["train", "--config", "{other_steps.json}", "--out", "{run}", "--quiet", "--resume"], 10, "model.steps", {}),
    ("resume-and-overwrite", ["train", "--config", "{tiny.json}", "--out", "{run}", "--resume", "--overwrite"], 2, "give one of them", {}),
    # evaluation and the other commands: outputs checked before the work
    (
        "predictions-nowhere",
        ["eval", "{model.pt}", "--data", "{data}", "--split", "test", "--predictions", "/nonexistent/p.tsv", "--quiet"],
        12,
        "no folder",
        {},
    ),
    ("predictions-a-folder", ["eval", "{model.pt}", "--data", "{data}", "--split", "test", "--predictions", "{folder}", "--quiet"], 12, "is a folder", {}),
    ("eval-batch-negative", ["eval", "{model.pt}", "--data", "{data}", "--split", "test", "--batch-size", "-3"], 2, "whole number", {}),
    ("eval-batch-zero", ["eval", "{model.pt}", "--data", "{data}", "--split", "test", "--batch-size", "0"], 2, "whole number", {}),
    ("eval-empty-split", ["eval", "{model.pt}", "--data", "{data}", "--split", "empty", "--quiet"], 3, "holds no questions", {}),
    ("eval-split-traversal", ["eval", "{model.pt}", "--data", "{data}", "--split", "../../x", "--quiet"], 3, "a split is named", {}),
    ("oracle-no-steps", ["oracle", "--data", "{data}", "--split", "test", "--steps", "0"], 2, "whole number", {}),
    ("oracle-too-many-steps", ["oracle", "--data", "{data}", "--split", "test", "--steps", "13"], 2, "whole number", {}),
    ("oracle-unknown-op", ["oracle", "--data", "{data}", "--split", "test", "--ops", "teleport", "--quiet"], 6, "teleport", {}),
    ("synth-no-columns", ["synth", "--out", "{root}/synth", "--columns", "0"], 2, "whole number", {}),
    ("synth-negative-seed", ["synth", "--out", "{root}/synth", "--seed", "-1"], 2, "whole number", {}),
    ("synth-into-device", ["synth", "--out", "/dev/null", "--train", "1", "--test", "1"], 12, "not a folder", {}),
    ("export-into-file", ["export", "{model.pt}", "{afile}"], 12, "not a folder", {}),
    ("export-over-foreign-config", ["export", "{model.pt}", "{root}/foreign"], 12, "not a neuprog model", {}),
    ("calibrate-without-holdout", ["calibrate", "{run}/last.pt", "--quiet"], 2, "calibration_holdout", {}),
    ("no-command", [], 2, "COMMAND", {}),
]


@pytest.mark.parametrize(("arguments", "code", "words", "environment"), [pytest.param(*case[1:], id=case[0]) for case in CLI_CASES])
def test_cli_refuses_with_one_line_and_its_exit_code_leaving_everything_as_it_was(w, capsys, monkeypatch, arguments, code, words, environment):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    argv = [re.sub(r"\{([^{}]+)\}", lambda found: str(w.get(found[1], found[0])), argument) for argument in arguments]
    before, peak = snapshot(w["root"]), peak_megabytes()
    started = time.perf_counter()
    try:
        exit_code = main(argv)
    except SystemExit as stop:  # argparse's own usage errors
        exit_code = stop.code
    took = time.perf_counter() - started
    err = capsys.readouterr().err
    assert exit_code == code, err
    assert err.count("\n") == 1 and err.startswith("neuprog") and "Traceback" not in err, err
    assert words in err, err
    assert "internal error" not in err and "weights_only" not in err, err
    assert snapshot(w["root"]) == before, "a refused command changed files"
    assert took < SECONDS, f"took {took:.2f} s"
    assert peak_megabytes() - peak < MEGABYTES, f"peak memory grew by {peak_megabytes() - peak:.0f} MB"


def test_cli_cases_cover_every_documented_failure_code():
    assert len(CLI_CASES) >= 60
    assert {case[2] for case in CLI_CASES} == {2, 3, 4, 5, 6, 7, 10, 11, 12}


# -- the Python API: neuprog's own exceptions, never a raw TypeError or IndexError -------------------------

CITIES = neuprog.Table.from_rows(["City", "Population"], [["Oslo", "709037"], ["Bergen", "291940"]])


def _model(w) -> NeuralProgrammer:
    return NeuralProgrammer.from_pretrained(w["folder_good"])


API_CASES = [
    ("table-a-number", lambda w: _model(w).ask(5, "how many?"), WrongTypeError, "a table is"),
    ("table-a-list", lambda w: _model(w).ask([[1, 2]], "how many?"), WrongTypeError, "a table is"),
    ("table-zero-rows", lambda w: _model(w).ask(pd.DataFrame({"a": pd.Series([], dtype=float)}), "how many?"), DataError, "no rows"),
    ("table-zero-columns", lambda w: _model(w).ask(pd.DataFrame(), "how many?"), DataError, "no columns"),
    ("table-dict-ragged", lambda w: _model(w).ask({"a": [1, 2], "b": [1]}, "how many?"), DataError, "differ in length"),
    ("table-dict-scalar", lambda w: _model(w).ask({"a": 1}, "how many?"), DataError, "not a list of cells"),
    ("table-file-device", lambda w: _model(w).ask("/dev/zero", "how many?"), DataError, "character device"),
    ("question-none", lambda w: _model(w).ask(CITIES, None), WrongTypeError, "a question is"),
    ("question-number", lambda w: _model(w).ask(CITIES, 5), WrongTypeError, "a question is"),
    ("question-bytes", lambda w: _model(w).ask(CITIES, b"how many?"), WrongTypeError, "a question is"),
    ("question-list-of-numbers", lambda w: _model(w).ask(CITIES, ["how many?", 7]), WrongTypeError, "question 2"),
    ("question-too-long", lambda w: _model(w).ask(CITIES, "x" * 30_000), LimitError, "NEUPROG_MAX_TEXT_CHARS"),
    ("confidence-nan", lambda w: _model(w).ask(CITIES, "how many?", min_confidence=float("nan")), UsageError, "min_confidence"),
    ("confidence-numpy-nan", lambda w: _model(w).ask(CITIES, "how many?", min_confidence=np.float32("nan")), UsageError, "min_confidence"),
    ("grounded-float", lambda w: _model(w).ask(CITIES, "how many?", min_grounded=1.5), UsageError, "min_grounded"),
    ("top-negative", lambda w: ask(_model(w), CITIES, "how many?", top=-2), UsageError, "top"),
    ("pipeline-no-query", lambda w: _model(w)(table=CITIES), UsageError, "both a table and a query"),
    ("program-a-number", lambda w: neuprog.parse(5), WrongTypeError, "a program is text"),
    ("program-none", lambda w: neuprog.parse(None), WrongTypeError, "a program is text"),
    (
        "program-beyond-float",
        lambda w: neuprog.parse('s1 = ALL_ROWS WHERE "a" > ' + "9" * 400 + "; s2 = SELECT COUNT(*) FROM s1"),
        ProgramSyntaxError,
        "finite",
    ),
    ("program-too-long", lambda w: neuprog.parse("s1 = ALL_ROWS" + " " * 30_000), LimitError, "the program"),
    ("interpret-text", lambda w: neuprog.interpret(COUNT, CITIES), WrongTypeError, "Program"),
    ("interpret-on-a-dict", lambda w: neuprog.interpret(neuprog.parse(COUNT), {"a": [1]}), WrongTypeError, "Table"),
    (
        "interpret-overflow",
        lambda w: neuprog.interpret(neuprog.parse("s1 = ALL_ROWS; s2 = SELECT COUNT(*) FROM s1; s3 = s2 + 1e308; s4 = s3 + 1e308"), CITIES),
        neuprog.errors.ExecutionError,
        "beyond the range",
    ),
    ("render-text", lambda w: neuprog.render(COUNT), WrongTypeError, "Program"),
    ("registry-a-number", lambda w: neuprog.parse(COUNT, 5), WrongTypeError, "Registry"),
    ("interpret-registry-a-number", lambda w: neuprog.interpret(neuprog.parse(COUNT), CITIES, 5), WrongTypeError, "Registry"),
    ("model-registry-a-number", lambda w: NeuralProgrammer.from_pretrained(w["folder_good"], registry=5), WrongTypeError, "Registry"),
    ("table-of-a-number", lambda w: neuprog.Table(["a"], 5), WrongTypeError, "list of columns"),
    ("csv-path-a-number", lambda w: neuprog.Table.from_csv(5), WrongTypeError, "a path"),
    ("rows-not-a-list", lambda w: neuprog.Table.from_rows(["a"], 5), WrongTypeError, "list of rows"),
    ("row-a-string", lambda w: neuprog.Table.from_rows(["a", "b"], ["ab"]), WrongTypeError, "row 1"),
    ("no-header", lambda w: neuprog.Table.from_rows(None, []), WrongTypeError, "column names"),
    ("frame-a-list", lambda w: neuprog.Table.from_dataframe([1, 2]), WrongTypeError, "DataFrame"),
    ("csv-empty-delimiter", lambda w: neuprog.Table.from_csv(w["cities.csv"], delimiter=""), UsageError, "delimiter"),
    ("csv-encoding-a-number", lambda w: read_table(w["cities.csv"], encoding=8), DataError, "unknown encoding"),
    ("read-table-number", lambda w: read_table(5), WrongTypeError, "a table file is a path"),
    ("read-table-fifo", lambda w: read_table(w["fifo.csv"]), DataError, "named pipe"),
    ("model-path-number", lambda w: NeuralProgrammer.from_pretrained(5), WrongTypeError, "model folder is a path"),
    ("model-missing", lambda w: NeuralProgrammer.from_pretrained(w["root"] / "nope"), CheckpointError, "not a model folder"),
    ("model-nan", lambda w: NeuralProgrammer.from_pretrained(w["folder_nan"]), CheckpointError, "NaN"),
    ("checkpoint-bomb", lambda w: load_checkpoint(w["claims.pt"]), LimitError, "expands to"),
    ("evaluate-batch-zero", lambda w: evaluate(_model(w), [], lambda chunk: collate(chunk, _model(w).vocab), batch_size=0), UsageError, "batch_size"),
    ("oracle-no-steps", lambda w: coverage_report(BUILTINS, [], steps=0), UsageError, "steps"),
    ("config-infinite", lambda w: parse_config({"data": "d", "learning_rate": float("inf")}), ConfigError, "finite"),
    ("config-huge-hidden", lambda w: parse_config({"data": "d", "model": {"hidden": 10**6}}), ConfigError, "model.hidden"),
    ("train-over-a-run", lambda w: train_from_config(parse_config(_tiny_config(w["data"])), w["run"], progress=False), RunFolderError, "already holds a run"),
]


@pytest.mark.parametrize(("call", "error", "words"), [pytest.param(*case[1:], id=case[0]) for case in API_CASES])
def test_python_api_raises_neuprogs_own_errors(w, call, error, words):
    before = snapshot(w["root"])
    with pytest.raises(error, match=re.escape(words)) as raised:
        call(w)
    assert isinstance(raised.value, NeuprogError) and "\n" not in str(raised.value)
    assert snapshot(w["root"]) == before


def test_the_battery_holds_at_least_sixty_cases_across_cli_and_api():
    assert len(CLI_CASES) >= 60 and len(API_CASES) >= 30


# -- real processes: no traceback, bounded time and memory, locks that hold and let go ----------------------


def child(*arguments: str, environment: dict | None = None, wait: bool = True, timeout: float = 120):
    """``python -m neuprog ARGUMENTS`` as a child process; waited for: (exit code, stdout, stderr, seconds, peak MB of that child alone)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **(environment or {})}
    process = subprocess.Popen([sys.executable, "-m", "neuprog", *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    if not wait:
        return process
    started = time.perf_counter()
    while True:
        done, status, usage = os.wait4(process.pid, os.WNOHANG)
        if done:
            break
        if time.perf_counter() - started > timeout:
            process.kill()
            raise AssertionError(f"neuprog {' '.join(arguments)} ran over {timeout} s")
        time.sleep(0.02)
    took = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    out, err = process.stdout.read().decode(), process.stderr.read().decode()
    return process.returncode, out, err, took, usage.ru_maxrss / 1024


def test_hostile_files_fail_fast_and_small_in_a_real_process(w):
    code, out, _, base_seconds, base_megabytes = child("run", str(w["cities.csv"]), COUNT)
    assert code == 0 and out == "8\n"
    for arguments, expected in [
        (("run", "/dev/zero", COUNT), 3),
        (("run", "/dev/urandom", COUNT), 3),
        (("run", str(w["sparse.csv"]), COUNT), 11),
        (("run", str(w["bomb.xlsx"]), COUNT), 11),
        (("ask", str(w["cities.csv"]), "how many?", "--model", str(w["claims.pt"])), 11),
    ]:
        code, _, err, seconds, megabytes = child(*arguments)
        assert code == expected and err.count("\n") == 1 and "Traceback" not in err, err
        assert seconds < 1.5 * base_seconds + 1.0, f"{arguments[:2]}: {seconds:.1f} s against {base_seconds:.1f} s for a good table"
        assert megabytes < base_megabytes + 150, f"{arguments[:2]}: {megabytes:.0f} MB against {base_megabytes:.0f} MB for a good table"


def test_a_number_beyond_float_range_in_a_question_is_answered_not_a_crash(w):
    code, out, err, _, _ = child("ask", str(w["cities.csv"]), f"how many cities have population greater than {'9' * 400}?")
    assert code in (0, 8, 9), err
    assert "error" not in err and "Traceback" not in err and "program:" in out + err


def test_a_dev_question_beyond_float_range_leaves_training_whole(w, tmp_path):
    assert main(["train", "--config", str(w["huge_dev.json"]), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    assert {path.name for path in (tmp_path / "run").iterdir()} == {"best.pt", "last.pt", "metrics.jsonl"}


def test_a_second_training_is_kept_out_of_a_folder_in_use_and_sigterm_lets_go(w, tmp_path, capsys):
    (tmp_path / "long.json").write_text(json.dumps(_tiny_config(w["data"], epochs=10_000, eval_every=10**6)))
    out = tmp_path / "busy"
    first = child("train", "--config", str(tmp_path / "long.json"), "--out", str(out), "--quiet", wait=False)
    try:
        for _ in range(600):
            if (out / LOCK).exists() and json.loads((out / LOCK).read_text() or "{}").get("pid") == first.pid:
                break
            assert first.poll() is None, first.stderr.read().decode()
            time.sleep(0.1)
        for flags in ([], ["--resume"], ["--overwrite"]):
            assert main(["train", "--config", str(w["tiny.json"]), "--out", str(out), "--quiet", *flags]) == 10
            assert f"in use by process {first.pid} on {socket.gethostname()}" in capsys.readouterr().err
        first.send_signal(signal.SIGTERM)
        _, errors = first.communicate(timeout=60)  # drains the pipes, so a child with much to say is not left blocked on a full one
        assert first.returncode == 128 + signal.SIGTERM
        assert "Traceback" not in errors.decode()
        assert not (out / LOCK).exists(), "the lock outlived its process"
    finally:
        first.kill()


def test_a_stale_lock_of_a_dead_process_is_taken_over(w, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "run"
    out.mkdir()
    (out / LOCK).write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname()}))
    assert main(["train", "--config", str(w["tiny.json"]), "--out", str(out), "--quiet"]) == 0
    assert sorted(path.name for path in out.iterdir()) == ["best.pt", "last.pt", "metrics.jsonl"]


def test_overwrite_deletes_only_the_run_and_leftovers_neuprog_wrote(w, tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--config", str(w["tiny.json"]), "--out", str(out), "--quiet"]) == 0
    mine = {".last.pt.backup": "mine", ".best.pt.old.partial": "mine", "notes.txt": "mine", ".best.pt.k3x9q0ab": "mine"}
    for name, text in mine.items():
        (out / name).write_text(text)
    (out / ".last.pt.k3x9q0ab.partial").write_text("half a checkpoint")  # what a save killed midway leaves
    assert main(["train", "--config", str(w["tiny.json"]), "--out", str(out), "--quiet", "--overwrite"]) == 0
    assert sorted(path.name for path in out.iterdir()) == sorted([*mine, "best.pt", "last.pt", "metrics.jsonl"])
    assert all((out / name).read_text() == text for name, text in mine.items())


def test_overwrite_deletes_the_runs_snapshots_and_their_half_written_saves_too(w, tmp_path):
    config = tmp_path / "snapshots.json"
    config.write_text(json.dumps({**json.loads(w["tiny.json"].read_text()), "snapshots": [0.5]}))
    out = tmp_path / "run"
    assert main(["train", "--config", str(config), "--out", str(out), "--quiet"]) == 0
    assert sorted(path.name for path in (out / "snapshots").iterdir()) == ["at-0.5.pt"]
    assert main(["train", "--config", str(config), "--out", str(out), "--quiet"]) == 10  # a folder holding only snapshots still holds a run
    (out / "snapshots" / ".at-0.5.pt.k3x9q0ab.partial").write_text("half a snapshot")
    (out / "snapshots" / "notes.txt").write_text("mine")
    (out / "snapshots" / "at-0.5.pt").rename(out / "snapshots" / "at-0.25.pt")  # a snapshot the new config no longer keeps
    assert main(["train", "--config", str(config), "--out", str(out), "--quiet", "--overwrite"]) == 0
    assert sorted(path.name for path in (out / "snapshots").iterdir()) == ["at-0.5.pt", "notes.txt"]


def test_a_failed_training_leaves_no_folder_and_no_lock_behind(w, tmp_path):
    assert main(["train", "--config", str(w["empty_split.json"]), "--out", str(tmp_path / "a" / "b"), "--quiet"]) == 3
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes and reads whatever the permissions say")
def test_unreadable_table_and_read_only_run_folder_are_named(w, tmp_path, capsys):
    table = tmp_path / "secret.csv"
    table.write_text("a,b\n1,2\n")
    table.chmod(0)
    assert main(["run", str(table), COUNT]) == 3 and "permission denied" in capsys.readouterr().err
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o555)
    assert main(["train", "--config", str(w["tiny.json"]), "--out", str(folder), "--quiet"]) == 12
    assert "cannot write" in capsys.readouterr().err


def test_unreadable_file_is_named_even_for_root(w, monkeypatch, capsys):
    real = os.open

    def refuse(path, *args, **kwargs):
        if str(path) == str(w["cities.csv"]):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    assert main(["run", str(w["cities.csv"]), COUNT]) == 3
    assert "permission denied" in capsys.readouterr().err


def test_internal_errors_are_one_line_and_neuprog_debug_shows_the_traceback(monkeypatch, capsys):
    def bug(args):
        raise IndexError("list index out of range")

    monkeypatch.setattr("neuprog.app.cli._ops", bug)
    assert main(["ops"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: IndexError" in err and "NEUPROG_DEBUG=1" in err
    monkeypatch.setenv("NEUPROG_DEBUG", "1")
    assert main(["ops"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_json_output_is_valid_utf8_whatever_the_question_holds(w, capsys):
    assert main(["ask", str(w["cities.csv"]), "how many cities are in caf\udce9?", "--json", "--model", str(w["model.pt"]), "--min-grounded", "0"]) in (0, 8)
    out = capsys.readouterr().out
    assert json.loads(out.encode("utf-8").decode("utf-8"))["question"].startswith("how many")


def test_odd_but_valid_tables_read_right(w, capsys):
    assert main(["run", str(w["blank_header.csv"]), 's1 = ALL_ROWS; s2 = SELECT "column 1" FROM s1']) == 0
    assert capsys.readouterr().out == "1\n4\n", "a header of empty names is the header, not dropped"
    assert main(["run", str(w["utf16.csv"]), 's1 = ALL_ROWS; s2 = SELECT "b" FROM s1', "--encoding", "utf-16"]) == 0
    assert capsys.readouterr().out == "2\n"
    table = read_table(w["huge_cells.csv"])
    assert np.isnan(table.numbers[0]).all() and table.numbers[1].tolist() == [1.0, 2.0], "numbers beyond float range are text"


def test_zero_row_tables_answer_programs_and_refuse_questions(w):
    empty = neuprog.Table.from_dataframe(pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=object)}))
    assert empty.shape == (0, 2)
    assert neuprog.interpret(neuprog.parse(COUNT), empty) == 0.0
    with pytest.raises(DataError, match="no rows"):
        _model(w).ask(empty, "how many?")


def test_training_on_numbers_that_overflow_never_writes_nan_weights(tmp_path):
    data = tmp_path / "data"
    (data / "csv").mkdir(parents=True)
    (data / "csv" / "t.csv").write_text("a\n1e300\n3e300\n2e300\n")
    lines = ["id\tutterance\tcontext\ttargetValue"] + [f"q{i}\twhat is the sum of a\tcsv/t.csv\t6e300" for i in range(32)]
    (data / "data").mkdir()
    (data / "data" / "train.tsv").write_text("\n".join(lines) + "\n")
    config = parse_config({"data": str(data), "batch_size": 8, "epochs": 2, "eval_every": 2, "model": {"hidden": 16, "embedding": 8, "steps": 2, "ops": OPS}})
    metrics = train_from_config(config, tmp_path / "run", progress=False)
    weights = load_checkpoint(tmp_path / "run" / "last.pt")["weights"]
    assert all(bool(torch.isfinite(value).all()) for value in weights.values() if isinstance(value, torch.Tensor) and value.is_floating_point())
    assert all(np.isfinite(value) for value in metrics.values() if isinstance(value, float))


@pytest.mark.parametrize("holder", [{"pid": 1, "host": "elsewhere"}, {"pid": os.getpid(), "host": socket.gethostname()}, "half-written"])
def test_a_lock_that_may_be_live_is_never_taken_over(w, tmp_path, capsys, holder):
    out = tmp_path / "run"
    out.mkdir()
    (out / LOCK).write_text(json.dumps(holder) if isinstance(holder, dict) else holder)
    before = snapshot(tmp_path)
    assert main(["train", "--config", str(w["tiny.json"]), "--out", str(out), "--quiet"]) == 10
    assert "in use by" in capsys.readouterr().err and snapshot(tmp_path) == before


def test_outputs_into_devices_and_links_write_through_and_replace_nothing(w, tmp_path, capsys):
    assert main(["eval", str(w["model.pt"]), "--data", str(w["data"]), "--split", "test", "--quiet", "--predictions", "/dev/null"]) == 0
    assert Path("/dev/null").is_char_device(), "/dev/null was replaced by a file"
    (tmp_path / "link.tsv").symlink_to("predictions.tsv")
    assert main(["eval", str(w["model.pt"]), "--data", str(w["data"]), "--split", "test", "--quiet", "--predictions", str(tmp_path / "link.tsv")]) == 0
    assert (tmp_path / "link.tsv").is_symlink() and len((tmp_path / "predictions.tsv").read_text().splitlines()) == 8


def test_every_exit_code_and_limit_is_documented_in_the_readme_and_the_help(capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    for error in (DataError, ConfigError, CheckpointError, RunFolderError, LimitError, neuprog.errors.OutputError):
        assert f"| `{error.exit_code}` |" in readme and f"{error.exit_code} " in shown
    for limit in neuprog.limits.LIMITS:
        assert f"`{limit.variable}`" in readme and limit.variable in shown
