"""Multi-process training: torchrun with 2 processes on loopback, gloo, rank 0 writing alone, exact resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neuprog.learn.checkpoint import load_checkpoint
from neuprog.learn.runner import load_model
from neuprog.wtq.synth import SynthConfig, generate, write_dataset

OPS = ["all_rows", "greater", "less", "count", "sum", "print", "argmax"]


@pytest.fixture(scope="module")
def torchrun_train(tmp_path_factory):
    """A command that trains with 2 processes on a small synthetic task, and the run's folder."""
    folder = tmp_path_factory.mktemp("distributed")
    data = folder / "data"
    write_dataset(data, generate(SynthConfig(max_columns=1, text_columns=0, seed=0), 256, "train"), "train")
    write_dataset(data, generate(SynthConfig(max_columns=1, text_columns=0, seed=1), 64, "test"), "test")
    config = folder / "config.json"
    config.write_text(
        json.dumps(
            {
                "data": str(data),
                "train_split": "train",
                "dev_split": "test",
                "batch_size": 16,
                "epochs": 6,
                "eval_every": 4,
                "seed": 0,
                "threads": 1,
                "model": {"steps": 2, "hidden": 32, "embedding": 16, "search_samples": 4, "ops": OPS},
            }
        )
    )

    def command(out: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            "-m",
            "neuprog",
            "train",
            "--config",
            str(config),
            "--out",
            str(folder / out),
            "--quiet",
        ]

    return command, folder


def run(command: list[str], folder) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=folder, check=False, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def family(pid: int) -> list[int]:
    """``pid`` and all its descendants, each stopped so none can start another before they are killed."""
    os.kill(pid, signal.SIGSTOP)
    found, pending = [pid], [pid]
    while pending:
        parent = pending.pop()
        for task in os.listdir(f"/proc/{parent}/task"):
            children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            for child in map(int, children):
                os.kill(child, signal.SIGSTOP)
                found.append(child)
                pending.append(child)
    return found


@pytest.fixture(scope="module")
def uninterrupted(torchrun_train):
    command, folder = torchrun_train
    return run(command("reference"), folder), folder / "reference"


def test_torchrun_with_two_processes_trains_and_rank_zero_writes(uninterrupted):
    result, out = uninterrupted
    finals = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(finals) == 1, "only rank 0 reports"
    lines = (out / "metrics.jsonl").read_text().splitlines()
    steps = [json.loads(line)["step"] for line in lines]
    assert steps == list(range(4, 49, 4)), "one line per evaluation: 6 epochs of 256 questions / (16 x 2 ranks) = 48 steps"
    assert json.loads(lines[-1])["total"] == 64
    load_model(out / "last.pt")
    assert sorted(p.name for p in out.iterdir()) == ["best.pt", "last.pt", "metrics.jsonl"]
    ranks = load_checkpoint(out / "last.pt")["ranks"]
    assert len(ranks) == 2 and ranks[0]["extra"][""]["memory"] != ranks[1]["extra"][""]["memory"], "each rank's own search memory is kept"


def test_killed_two_process_training_resumes_to_the_same_metrics(torchrun_train, uninterrupted):
    command, folder = torchrun_train
    reference = json.loads(uninterrupted[0].stdout.strip().splitlines()[-1])
    process = subprocess.Popen(
        command("killed"), cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    metrics = folder / "killed" / "metrics.jsonl"
    deadline = time.time() + 240
    while time.time() < deadline and not (metrics.exists() and len(metrics.read_text().splitlines()) >= 2):
        time.sleep(0.05)
    for pid in family(process.pid):  # torchrun starts its workers in their own process groups
        os.kill(pid, signal.SIGKILL)
    process.wait()
    at_kill = metrics.read_text()
    time.sleep(1)
    assert metrics.read_text() == at_kill, "no worker outlived the kill"
    assert load_checkpoint(folder / "killed" / "last.pt")["step"] < 48, "killed before the end"
    resumed = json.loads(run(command("killed") + ["--resume"], folder).stdout.strip().splitlines()[-1])
    drop = ("examples_per_second",)
    assert {k: v for k, v in resumed.items() if k not in drop} == {k: v for k, v in reference.items() if k not in drop}
