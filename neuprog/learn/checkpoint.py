"""Checkpoints: weights, config, vocabulary and training state in one file, written atomically, read without unpickling."""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from neuprog.atomic import replacing
from neuprog.errors import CheckpointError

FORMAT = "neuprog-checkpoint"
VERSION = 1


def save_atomic(payload: dict[str, Any], path: str | Path) -> None:
    """Write a torch payload to ``path`` through `replacing`, flushed to disk before the rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as temporary, open(temporary, "wb") as stream:
        torch.save(payload, stream)
        stream.flush()
        os.fsync(stream.fileno())


def save_checkpoint(path: str | Path, **contents: Any) -> None:
    save_atomic({"format": FORMAT, "version": VERSION, **contents}, path)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``: tensors and plain containers only, never arbitrary objects."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(f"{path}: refused to load, it holds more than weights and plain data ({str(error).splitlines()[0]})") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as error:
        raise CheckpointError(f"{path}: truncated or corrupted checkpoint ({str(error).splitlines()[0][:120]})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a neuprog checkpoint")
    if payload.get("version") != VERSION:
        raise CheckpointError(f"{path}: checkpoint version {payload.get('version')} is not supported by this neuprog (needs {VERSION})")
    return payload
