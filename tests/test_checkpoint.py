"""Checkpoints load without unpickling objects, refuse payloads and survive interrupted writes."""

from __future__ import annotations

import os

import pytest
import torch

from neuprog.errors import CheckpointError
from neuprog.learn.checkpoint import load_checkpoint, save_checkpoint


class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/neuprog-pwned",))


def test_round_trip_keeps_weights_and_plain_data(tmp_path):
    save_checkpoint(tmp_path / "c.pt", weights={"w": torch.ones(2)}, vocab=["a", "b"], step=3)
    state = load_checkpoint(tmp_path / "c.pt")
    assert state["vocab"] == ["a", "b"] and state["step"] == 3 and torch.equal(state["weights"]["w"], torch.ones(2))


def test_pickle_with_a_payload_is_refused_and_never_executed(tmp_path):
    marker = "/tmp/neuprog-pwned"
    if os.path.exists(marker):
        os.remove(marker)
    torch.save({"format": "neuprog-checkpoint", "version": 1, "weights": Payload()}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint(tmp_path / "evil.pt")
    assert not os.path.exists(marker)


def test_truncated_checkpoint_is_reported(tmp_path):
    save_checkpoint(tmp_path / "c.pt", weights={"w": torch.ones(1000)})
    data = (tmp_path / "c.pt").read_bytes()
    (tmp_path / "c.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        load_checkpoint(tmp_path / "c.pt")


def test_checkpoint_from_another_version_is_refused(tmp_path):
    torch.save({"format": "neuprog-checkpoint", "version": 99}, tmp_path / "c.pt")
    with pytest.raises(CheckpointError, match="version 99"):
        load_checkpoint(tmp_path / "c.pt")


def test_failed_write_leaves_the_old_checkpoint_intact(tmp_path, monkeypatch):
    save_checkpoint(tmp_path / "c.pt", step=1)

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", explode)
    with pytest.raises(OSError):
        save_checkpoint(tmp_path / "c.pt", step=2)
    assert load_checkpoint(tmp_path / "c.pt")["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]
