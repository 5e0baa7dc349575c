"""Multi-process training: torchrun with 2 processes on loopback, gloo, rank 0 writing alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from neuprog.runner import load_model
from neuprog.synth import SynthConfig, generate, write_dataset

OPS = ["all_rows", "greater", "less", "count", "sum", "print", "argmax"]


def test_torchrun_with_two_processes_trains_and_rank_zero_writes(tmp_path):
    data = tmp_path / "data"
    write_dataset(data, generate(SynthConfig(max_columns=1, text_columns=0, seed=0), 256, "train"), "train")
    write_dataset(data, generate(SynthConfig(max_columns=1, text_columns=0, seed=1), 64, "test"), "test")
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "data": str(data), "train_split": "train", "dev_split": "test", "batch_size": 16, "epochs": 2, "eval_every": 4,
        "seed": 0, "threads": 1, "model": {"steps": 2, "hidden": 32, "embedding": 16, "search_samples": 4, "ops": OPS},
    }))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "neuprog", "train", "--config", str(config), "--out", str(tmp_path / "run"), "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    finals = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(finals) == 1, "only rank 0 reports"
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    steps = [json.loads(line)["step"] for line in lines]
    assert steps == [4, 8, 12, 16], "one line per evaluation: 2 epochs of 256 questions / (16 x 2 ranks) = 16 steps"
    assert json.loads(lines[-1])["total"] == 64
    load_model(tmp_path / "run" / "last.pt")
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["best.pt", "last.pt", "metrics.jsonl"]
