"""Models as folders: safetensors weights plus a JSON description; the bundled WikiTableQuestions model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from neuprog.atomic import replacing
from neuprog.errors import CheckpointError
from neuprog.lang.registry import Registry
from neuprog.model.config import TrainConfig, parse_config

WEIGHTS = "model.safetensors"
DESCRIPTION = "config.json"
FORMAT = "neuprog-model"
VERSION = 1
BUNDLED = Path(__file__).resolve().parent.parent / "pretrained" / "wtq"
"""The model that ships in the package (see its MODEL_CARD.md)."""


def write_folder(path: str | os.PathLike[str], state: dict, config: TrainConfig, words: list[str], ops: list[str], metrics: dict | None = None) -> Path:
    """Write a model to the folder ``path``: weights first, then the description that makes the folder loadable.

    Each file is written to a temporary name and renamed into place, so an
    interrupted save never leaves a folder that loads half a model.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    weights = {name: tensor.detach().contiguous() for name, tensor in state.items() if isinstance(tensor, torch.Tensor)}
    description = {
        "format": FORMAT,
        "version": VERSION,
        "config": json.loads(config.model_dump_json()),
        "vocab": list(words),
        "ops": list(ops),
        "metrics": metrics or {},
    }
    with replacing(folder / WEIGHTS, mode=0o644) as temporary:  # a model folder is for sharing
        save_file(weights, str(temporary))
    with replacing(folder / DESCRIPTION, mode=0o644) as temporary:
        temporary.write_text(json.dumps(description, indent=1, ensure_ascii=False), encoding="utf-8")
    return folder


def read_folder(path: str | os.PathLike[str]) -> tuple[TrainConfig, list[str], list[str], dict]:
    """The config, vocabulary, op names and weights of a model folder written by `write_folder`."""
    folder = Path(path)
    if not (folder / DESCRIPTION).is_file() or not (folder / WEIGHTS).is_file():
        raise CheckpointError(f"{folder}: not a model folder (needs {DESCRIPTION} and {WEIGHTS})")
    try:
        description = json.loads((folder / DESCRIPTION).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{folder / DESCRIPTION}: not valid JSON ({error})") from None
    if not isinstance(description, dict) or description.get("format") != FORMAT:
        raise CheckpointError(f"{folder / DESCRIPTION}: not a neuprog model description")
    if description.get("version") != VERSION:
        raise CheckpointError(f"{folder}: model version {description.get('version')} is not supported by this neuprog (needs {VERSION})")
    config = parse_config(description["config"], str(folder / DESCRIPTION))
    try:
        weights = load_file(str(folder / WEIGHTS))
    except (SafetensorError, OSError) as error:
        raise CheckpointError(f"{folder / WEIGHTS}: truncated or corrupted weights ({error})") from None
    return config, description["vocab"], description["ops"], weights


def registry_for(registry: Registry, ops: list[str], where: str | os.PathLike[str]) -> Registry:
    """The part of ``registry`` a model was trained with, in its order; an error names what is missing."""
    missing = [name for name in ops if name not in registry]
    if missing:
        raise CheckpointError(f"{where}: trained with ops this registry lacks: {', '.join(missing[:5])}")
    subset = registry.subset(ops)
    if subset.names != ops:
        raise CheckpointError(f"{where}: its ops are in a different order than this registry's")
    return subset
