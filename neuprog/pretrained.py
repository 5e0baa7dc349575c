"""Models as folders: safetensors weights plus a JSON description; the bundled WikiTableQuestions model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from .checkpoint import replacing
from .errors import CheckpointError

WEIGHTS = "model.safetensors"
DESCRIPTION = "config.json"
FORMAT = "neuprog-model"
VERSION = 1
BUNDLED = Path(__file__).parent / "pretrained" / "wtq"
"""The model that ships in the package (see its MODEL_CARD.md)."""


def save_pretrained(model, path: str | os.PathLike[str], metrics: dict | None = None) -> Path:
    """Write ``model`` to the folder ``path``: weights first, then the description that makes the folder loadable.

    Each file is written to a temporary name and renamed into place, so an
    interrupted save never leaves a folder that loads half a model.
    """
    from safetensors.torch import save_file

    from .config import TrainConfig

    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    weights = {name: tensor.detach().contiguous() for name, tensor in model.state_dict().items() if isinstance(tensor, torch.Tensor)}
    config = TrainConfig(data="(not recorded)", model=model.config, scalar_weight=model.scalar_weight)
    description = {
        "format": FORMAT,
        "version": VERSION,
        "config": json.loads(config.model_dump_json()),
        "vocab": list(model.vocab.words),
        "ops": model.registry.names,
        "metrics": metrics or {},
    }
    with replacing(folder / WEIGHTS, mode=0o644) as temporary:  # a model folder is for sharing
        save_file(weights, str(temporary))
    with replacing(folder / DESCRIPTION, mode=0o644) as temporary:
        temporary.write_text(json.dumps(description, indent=1, ensure_ascii=False), encoding="utf-8")
    return folder


def from_pretrained(path: str | os.PathLike[str] | None = None, registry=None):
    """Load a model folder written by `save_pretrained`; without ``path``, the bundled model."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from .config import parse_config
    from .ops import BUILTINS

    folder = Path(path) if path is not None else BUNDLED
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
    return assemble(config, description["vocab"], description["ops"], weights, registry or BUILTINS, folder, tensors_only=True)


def assemble(config, words: list[str], ops: list[str], weights: dict, registry, where, tensors_only: bool = False):
    """A model of ``config`` over ``registry``'s ``ops`` with ``weights`` loaded; errors name ``where``.

    ``tensors_only`` weights (safetensors) lack the non-tensor state, the search memory,
    which then starts empty.
    """
    from .data import Vocab
    from .model import NeuralProgrammer

    model = NeuralProgrammer(registry_for(registry, ops, where), Vocab(words), config.model, config.scalar_weight)
    if tensors_only:
        weights = {**{name: value for name, value in model.state_dict().items() if not isinstance(value, torch.Tensor)}, **weights}
    try:
        model.load_state_dict(weights)
    except (RuntimeError, KeyError) as error:
        raise CheckpointError(f"{where}: weights do not fit this model ({str(error).splitlines()[0][:160]})") from None
    model.eval()
    return model


def registry_for(registry, ops: list[str], where: str | os.PathLike[str]):
    """The part of ``registry`` a model was trained with, in its order; an error names what is missing."""
    missing = [name for name in ops if name not in registry]
    if missing:
        raise CheckpointError(f"{where}: trained with ops this registry lacks: {', '.join(missing[:5])}")
    subset = registry.subset(ops)
    if subset.names != ops:
        raise CheckpointError(f"{where}: its ops are in a different order than this registry's")
    return subset
