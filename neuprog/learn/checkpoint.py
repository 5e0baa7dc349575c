"""Checkpoints: weights, config, vocabulary and training state in one file, written atomically, read without unpickling."""

from __future__ import annotations

import io
import os
import pickle
import re
from pathlib import Path
from typing import Any

import torch

from neuprog.atomic import replacing
from neuprog.errors import CheckpointError
from neuprog.inputs import check_archive, read_bytes
from neuprog.limits import MODEL_BYTES

FORMAT = "neuprog-checkpoint"
VERSION = 1
_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")  # what torch's refusal names, without its advice to load unsafely


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
    """Read a checkpoint with ``weights_only=True``: tensors and plain containers only, never arbitrary objects.

    The file must be a zip archive within the model size limit, and so must be what
    its members expand to; both are checked before anything is unpacked.
    """
    data = read_bytes(path, "checkpoint", MODEL_BYTES, CheckpointError)
    path = Path(path)
    check_archive(io.BytesIO(data), str(path), MODEL_BYTES, CheckpointError, broken="truncated or corrupted checkpoint, or not one")
    try:
        payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        named = _GLOBAL.search(str(error))
        what = f" (it names {named[1]}, which could run code)" if named else ""
        raise CheckpointError(f"{path}: refused to load, it holds more than weights and plain data{what}") from None
    except Exception as error:  # torch's reader raises many kinds for a damaged file; each means the same to the user
        raise CheckpointError(
            f"{path}: truncated or corrupted checkpoint ({str(error).splitlines()[0][:120] if str(error) else type(error).__name__})"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a neuprog checkpoint")
    if payload.get("version") != VERSION:
        raise CheckpointError(f"{path}: checkpoint version {payload.get('version')!r} is not supported by this neuprog (needs {VERSION})")
    return payload
