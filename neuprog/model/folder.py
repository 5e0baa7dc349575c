"""Models as folders: safetensors weights plus a JSON description, or an ensemble's member folders plus its own; the bundled WikiTableQuestions model."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from neuprog.atomic import replacing
from neuprog.errors import CheckpointError, NeuprogError, OutputError, WrongTypeError
from neuprog.inputs import check_file, read_bytes
from neuprog.lang.registry import Registry
from neuprog.limits import MODEL_BYTES
from neuprog.model.config import TrainConfig, parse_config
from neuprog.outputs import check_output_folder

WEIGHTS = "model.safetensors"
DESCRIPTION = "config.json"
FORMAT = "neuprog-model"
VERSION = 1
ENSEMBLE = "ensemble.json"
"""An ensemble folder's own description: its members (subfolders, each a model folder), how many programs each offers, its calibration."""
ENSEMBLE_FORMAT = "neuprog-ensemble"
MEMBER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
BUNDLED = Path(__file__).resolve().parent.parent / "pretrained" / "wtq"
"""The model that ships in the package (see its MODEL_CARD.md)."""


def write_folder(path: str | os.PathLike[str], state: dict, config: TrainConfig, words: list[str], ops: list[str], metrics: dict | None = None) -> Path:
    """Write a model to the folder ``path``: weights first, then the description that makes the folder loadable.

    Each file is written to a temporary name and renamed into place, so an
    interrupted save never leaves a folder that loads half a model.
    """
    folder = check_target(path)
    if (folder / ENSEMBLE).exists():
        raise OutputError(f"{folder}: holds an ensemble; write the model to another folder")
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


def write_ensemble(path: str | os.PathLike[str], members: dict[str, dict], programs: int, calibration: list[float], metrics: dict | None = None) -> Path:
    """Write an ensemble to the folder ``path``: each member's model folder first (``members`` maps a name to `write_folder`'s arguments), then its description.

    The description, written last, is what makes the folder load as an ensemble,
    so an interrupted save never leaves one that loads with members missing.
    """
    folder = check_target(path)
    for name in members:
        check_member_name(name, folder / ENSEMBLE)
    if (folder / DESCRIPTION).exists() or (folder / WEIGHTS).exists():
        raise OutputError(f"{folder}: holds a single model; write the ensemble to another folder")
    (folder / ENSEMBLE).unlink(missing_ok=True)  # the old ensemble stops loading before its members are replaced
    for name, member in members.items():
        write_folder(folder / name, **member)
    description = {
        "format": ENSEMBLE_FORMAT,
        "version": VERSION,
        "members": list(members),
        "programs": programs,
        "calibration": calibration,
        "metrics": metrics or {},
    }
    with replacing(folder / ENSEMBLE, mode=0o644) as temporary:
        temporary.write_text(json.dumps(description, indent=1, ensure_ascii=False), encoding="utf-8")
    return folder


def read_ensemble(path: str | os.PathLike[str]) -> tuple[list[Path], int, list[float], dict]:
    """The member folders, programs per member, calibration weights and metrics of an ensemble folder written by `write_ensemble`."""
    folder = Path(path)
    where = folder / ENSEMBLE
    description = read_description(where, ENSEMBLE_FORMAT, "ensemble")
    members, programs, calibration = description.get("members"), description.get("programs"), description.get("calibration")
    if not isinstance(members, list) or not members:
        raise CheckpointError(f"{where}: members must be a list of member folder names")
    for name in members:
        check_member_name(name, where)
    if isinstance(programs, bool) or not isinstance(programs, int) or not 1 <= programs <= 1000:
        raise CheckpointError(f"{where}: programs must be a whole number from 1 to 1000, not {programs!r}")
    if not isinstance(calibration, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in calibration):
        raise CheckpointError(f"{where}: calibration must be a list of numbers")
    metrics = description.get("metrics")
    return [folder / name for name in members], programs, [float(x) for x in calibration], metrics if isinstance(metrics, dict) else {}


def check_member_name(name, where: str | os.PathLike[str]) -> None:
    """Refuse a member name that is not a plain folder name (no path, no dot first).

    >>> check_member_name("../weights", "ensemble.json")
    Traceback (most recent call last):
    neuprog.errors.CheckpointError: ensemble.json: member name '../weights' is not a plain folder name (letters, digits, '_', '.', '-'; up to 64)
    """
    if not isinstance(name, str) or not MEMBER_NAME.fullmatch(name):
        raise CheckpointError(f"{where}: member name {name!r} is not a plain folder name (letters, digits, '_', '.', '-'; up to 64)")


def is_ensemble(path: str | os.PathLike[str]) -> bool:
    """Whether the folder ``path`` holds an ensemble (its description, `ENSEMBLE`)."""
    return (Path(path) / ENSEMBLE).is_file()


def check_target(path: str | os.PathLike[str]) -> Path:
    """The folder ``path``, once writing a model there replaces nothing but a neuprog model: never someone's own config.json.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text('{"learning_rate": 0.1}')
    >>> check_target(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    neuprog.errors.OutputError: ...: holds a config.json that is not a neuprog model's; write the model to another folder
    """
    folder = check_output_folder(path, "model folder")
    if (folder / DESCRIPTION).exists() or (folder / WEIGHTS).exists():
        try:
            description = json.loads(read_bytes(folder / DESCRIPTION, "model description", MODEL_BYTES, CheckpointError))
        except (NeuprogError, ValueError, RecursionError):
            description = None
        if not isinstance(description, dict) or description.get("format") != FORMAT:
            raise OutputError(
                f"{folder}: holds a {DESCRIPTION if (folder / DESCRIPTION).exists() else WEIGHTS} that is not a neuprog model's; write the model to another folder"
            )
    if (folder / ENSEMBLE).exists():
        try:
            description = json.loads(read_bytes(folder / ENSEMBLE, "ensemble description", MODEL_BYTES, CheckpointError))
        except (NeuprogError, ValueError, RecursionError):
            description = None
        if not isinstance(description, dict) or description.get("format") != ENSEMBLE_FORMAT:
            raise OutputError(f"{folder}: holds an {ENSEMBLE} that is not a neuprog ensemble's; write the model to another folder")
    return folder


def read_folder(path: str | os.PathLike[str]) -> tuple[TrainConfig, list[str], list[str], dict, dict]:
    """The config, vocabulary, op names, weights and recorded metrics (empty if none) of a model folder written by `write_folder`.

    Both files are checked against the model size limit before they are read, and
    the description's fields for their types, so a broken folder is refused with
    the reason rather than loaded.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise WrongTypeError(f"a model folder is a path, not {type(path).__name__}")
    folder = Path(path)
    if not (folder / DESCRIPTION).is_file() or not (folder / WEIGHTS).is_file():
        raise CheckpointError(f"{folder}: not a model folder (needs {DESCRIPTION} and {WEIGHTS})")
    description = read_description(folder / DESCRIPTION, FORMAT, "model")
    missing = [key for key in ("config", "vocab", "ops") if key not in description]
    if missing:
        raise CheckpointError(f"{folder / DESCRIPTION}: lacks {', '.join(missing)}")
    config = parse_config(description["config"], str(folder / DESCRIPTION), error=CheckpointError)
    check_names(description["vocab"], description["ops"], folder / DESCRIPTION)
    check_file(folder / WEIGHTS, "weights", MODEL_BYTES, CheckpointError)
    try:
        weights = load_file(str(folder / WEIGHTS))
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError) as error:
        raise CheckpointError(f"{folder / WEIGHTS}: truncated or corrupted weights ({' '.join(str(error).split())[:160]})") from None
    metrics = description.get("metrics")
    return config, description["vocab"], description["ops"], weights, metrics if isinstance(metrics, dict) else {}


def read_description(where: Path, form: str, what: str) -> dict:
    """The JSON description at ``where``, once it is of format ``form`` and this neuprog's version; errors name the file and say what is wrong."""
    try:
        description = json.loads(read_bytes(where, f"{what} description", MODEL_BYTES, CheckpointError).decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise CheckpointError(f"{where}: not valid JSON ({error})") from None
    if not isinstance(description, dict) or description.get("format") != form:
        raise CheckpointError(f"{where}: not a neuprog {what} description")
    if description.get("version") != VERSION:
        raise CheckpointError(f"{where.parent}: {what} version {description.get('version')!r} is not supported by this neuprog (needs {VERSION})")
    return description


def check_names(words, ops, where: str | os.PathLike[str]) -> None:
    """Refuse a vocabulary or op list that is not a list of strings (a hand-edited description, say).

    >>> check_names(["<pad>", 7], ["count"], "config.json")
    Traceback (most recent call last):
    neuprog.errors.CheckpointError: config.json: vocab must be a list of strings; item 1 is not one (int)
    """
    for key, names in (("vocab", words), ("ops", ops)):
        if not isinstance(names, (list, tuple)):
            raise CheckpointError(f"{where}: {key} must be a list of strings, not a {type(names).__name__}")
        wrong = next((i for i, name in enumerate(names) if not isinstance(name, str)), None)
        if wrong is not None:
            raise CheckpointError(f"{where}: {key} must be a list of strings; item {wrong} is not one ({type(names[wrong]).__name__})")


def check_weights(expected: dict, weights, where: str | os.PathLike[str], optional: tuple[str, ...] = ()) -> None:
    """Refuse weights that do not fit a model: a tensor missing, extra or of another shape, or holding NaN or infinities.

    ``expected`` is the model's state dict (built on the meta device, so no memory is
    spent on a model the weights do not fit); names in ``optional`` may be missing.
    """
    if not isinstance(weights, dict):
        raise CheckpointError(f"{where}: its weights are a {type(weights).__name__}, not a dict of tensors")
    tensors = {name: value for name, value in expected.items() if isinstance(value, torch.Tensor)}
    missing = [name for name in tensors if name not in weights and name not in optional]
    extra = [name for name in weights if name not in expected]
    if missing or extra:
        raise CheckpointError(f"{where}: weights do not fit this model ({f'missing {missing[0]}' if missing else f'unexpected {extra[0]}'})")
    for name, value in weights.items():
        if name not in tensors:
            continue
        if not isinstance(value, torch.Tensor):
            raise CheckpointError(f"{where}: weight {name} is a {type(value).__name__}, not a tensor")
        if tuple(value.shape) != tuple(tensors[name].shape):
            raise CheckpointError(f"{where}: weight {name} has shape {tuple(value.shape)}, the config needs {tuple(tensors[name].shape)}")
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            raise CheckpointError(f"{where}: weight {name} holds NaN or infinite values (a diverged training?)")


def registry_for(registry: Registry, ops: list[str], where: str | os.PathLike[str]) -> Registry:
    """The part of ``registry`` a model was trained with, in its order; an error names what is missing."""
    if not isinstance(registry, Registry):
        raise WrongTypeError(f"a registry of ops is a neuprog.Registry (BUILTINS or a copy of it), not {type(registry).__name__}")
    missing = [name for name in ops if name not in registry]
    if missing:
        raise CheckpointError(f"{where}: trained with ops this registry lacks: {', '.join(missing[:5])}")
    subset = registry.subset(ops)
    if subset.names != ops:
        raise CheckpointError(f"{where}: its ops are in a different order than this registry's")
    return subset
