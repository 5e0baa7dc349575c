"""End to end on small synthetic data: the model learns, and an interrupted run resumes to the same result."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from neuprog.app.cli import main
from neuprog.learn.checkpoint import load_checkpoint
from neuprog.learn.runner import load_model, train_from_config
from neuprog.learn.train import snapshot_path
from neuprog.model.config import TrainConfig
from neuprog.wtq.synth import SynthConfig, generate, test_config, write_dataset

OPS = ["all_rows", "select", "greater", "less", "argmax", "argmin", "both", "either", "count", "sum", "difference", "print"]
TEMPLATES = ("count", "sum", "greater_count", "less_sum", "argmax_print")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    config = SynthConfig(max_columns=1, text_columns=0, templates=TEMPLATES, seed=3)
    write_dataset(root, generate(config, 2400, "train"), "train")
    write_dataset(root, generate(test_config(config), 200, "test"), "test")
    return root


def config_for(root, search: int = 0, **changes) -> TrainConfig:
    settings = dict(
        data=str(root),
        train_split="train",
        dev_split="test",
        batch_size=32,
        epochs=4,
        learning_rate=3e-3,
        eval_every=100,
        seed=0,
        threads=1,
        model=dict(steps=3, hidden=64, embedding=32, dropout=0.0, ops=OPS, search_samples=search),
    )
    settings.update(changes)
    return TrainConfig.model_validate(settings)


def test_model_learns_the_one_column_synthetic_task(synthetic, tmp_path):
    metrics = train_from_config(config_for(synthetic), tmp_path, progress=False)
    # chance is near zero: answers are sums and counts over up to 120 rows
    assert metrics["accuracy"] >= 0.6, metrics
    model, _ = load_model(tmp_path / "best.pt")
    assert model.registry.names == OPS


def test_same_seed_gives_identical_metrics(synthetic, tmp_path):
    config = config_for(synthetic, search=4, epochs=0.5, eval_every=20)
    first = train_from_config(config, tmp_path / "a", progress=False)
    second = train_from_config(config, tmp_path / "b", progress=False)
    assert first == second | {"examples_per_second": first["examples_per_second"]}


def test_killed_training_resumes_to_the_same_metrics(synthetic, tmp_path):
    config = config_for(synthetic, search=4, epochs=1.5, eval_every=15, snapshots=(0.2, 0.9))
    (tmp_path / "config.json").write_text(config.model_dump_json())
    reference = train_from_config(config, tmp_path / "reference", progress=False)
    command = [sys.executable, "-m", "neuprog", "train", "--config", str(tmp_path / "config.json"), "--out", str(tmp_path / "run"), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    metrics = tmp_path / "run" / "metrics.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (metrics.exists() and len(metrics.read_text().splitlines()) >= 2):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    load_model(tmp_path / "run" / "last.pt")  # never corrupt
    result = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    resumed = json.loads(result.stdout.strip().splitlines()[-1])
    drop = ("examples_per_second",)
    assert {k: v for k, v in resumed.items() if k not in drop} == {k: v for k, v in reference.items() if k not in drop}
    lines = [json.loads(line) for line in metrics.read_text().splitlines()]
    assert [line["step"] for line in lines] == sorted({line["step"] for line in lines}), "the metrics log reads as one run"
    for share in config.snapshots:  # kept before the kill or after the resume, the same weights at the same step
        kept, expected = (load_checkpoint(snapshot_path(tmp_path / folder, share)) for folder in ("run", "reference"))
        assert kept["step"] == expected["step"] and same_weights(kept["weights"], expected["weights"])


def test_snapshots_keep_the_weights_part_way_through_training_for_a_snapshot_ensemble(synthetic, tmp_path):
    config = config_for(synthetic, epochs=1, eval_every=1000, snapshots=(0.25, 0.5))
    train_from_config(config, tmp_path / "run", progress=False)
    last = load_checkpoint(tmp_path / "run" / "last.pt")
    steps = [load_checkpoint(snapshot_path(tmp_path / "run", share))["step"] for share in config.snapshots]
    assert steps == [math.ceil(share * last["step"]) + 1 for share in config.snapshots], (steps, last["step"])  # the first step past each share
    early = load_checkpoint(snapshot_path(tmp_path / "run", 0.25))["weights"]
    assert not same_weights(early, last["weights"])
    members = [str(tmp_path / "run" / "last.pt"), *(str(snapshot_path(tmp_path / "run", share)) for share in config.snapshots)]
    assert main(["ensemble", str(tmp_path / "joined"), *members, "--quiet"]) == 0
    assert [path.name for path in sorted((tmp_path / "joined").iterdir()) if path.is_dir()] == ["run", "run-at-0.25", "run-at-0.5"]


def same_weights(first: dict, second: dict) -> bool:
    """Whether two state dicts hold equal tensors (and equal extra state) under the same names."""
    return first.keys() == second.keys() and all(torch.equal(v, second[k]) if isinstance(v, torch.Tensor) else v == second[k] for k, v in first.items())


def test_a_time_limit_ends_the_learning_rate_decay_on_time_and_a_resumed_run_counts_the_time_already_spent(synthetic, tmp_path):
    config = config_for(synthetic, epochs=10_000, eval_every=10, lr_decay="linear", max_minutes=0.05)  # 3 s for a schedule of hours
    train_from_config(config, tmp_path, progress=False)
    state = load_checkpoint(tmp_path / "last.pt")
    assert 3.0 <= state["elapsed"] < 30.0
    assert state["optimizer"]["param_groups"][0]["lr"] <= 0.1 * config.learning_rate  # decayed to near its end value (5%)
    train_from_config(config.model_copy(update={"max_minutes": 0.1}), tmp_path, resume=True, progress=False)
    again = load_checkpoint(tmp_path / "last.pt")
    assert 6.0 <= again["elapsed"] < state["elapsed"] + 30.0 and again["step"] > state["step"]
