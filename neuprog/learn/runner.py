"""Build, train, save and load Neural Programmer models from configs and checkpoints."""

from __future__ import annotations

import json
import os
from collections import Counter
from contextlib import nullcontext
from functools import partial
from pathlib import Path

import numpy as np
import torch

from neuprog.errors import CheckpointError, ConfigError, DataError, WrongTypeError
from neuprog.lang.ops import BUILTINS
from neuprog.lang.registry import Registry
from neuprog.learn.calibrate import calibrate_checkpoints
from neuprog.learn.checkpoint import load_checkpoint
from neuprog.learn.runfolder import check_resume, run_folder
from neuprog.learn.train import fit, seed_everything
from neuprog.model.config import TrainConfig, parse_config
from neuprog.model.ensemble import Ensemble
from neuprog.model.features import Batch, Sample, Vocab, collate, with_rows_shuffled
from neuprog.model.folder import BUNDLED
from neuprog.model.neural_programmer import NeuralProgrammer, assemble, open_folder
from neuprog.tables.question import speaks_of_order
from neuprog.wtq.evaluate import evaluate
from neuprog.wtq.files import load_split
from neuprog.wtq.samples import load_samples


def describe(model: NeuralProgrammer, config: TrainConfig) -> dict:
    """What a checkpoint records besides weights: config, vocabulary and the op names the heads are sized for."""
    return {"config": config.model_dump_json(), "vocab": list(model.vocab.words), "ops": model.registry.names}


def train_from_config(
    config: TrainConfig,
    out_dir: str | Path,
    resume: bool = False,
    registry: Registry = BUILTINS,
    progress: bool = True,
    device: str = "auto",
    overwrite: bool = False,
) -> dict:
    """Read the data, build the vocabulary and model, and train on ``device``; returns the final metrics.

    ``out_dir`` is held through `run_folder`: it may hold a run only with ``resume``
    (continued from its ``last.pt``, whose config and ops must match) or
    ``overwrite`` (replaced).
    """
    if config.threads:
        torch.set_num_threads(config.threads)
    chosen = registry.subset(config.model.ops) if config.model.ops else registry
    place = placement(device)
    writer = int(os.environ.get("RANK", "0")) == 0  # rank 0 alone holds the folder and writes in it
    with run_folder(out_dir, resume, overwrite) if writer else nullcontext(Path(out_dir)) as folder:
        state = load_checkpoint(folder / "last.pt") if resume else None
        if state is not None:
            check_resume(state, config, chosen.names, folder / "last.pt")
        seed_everything(config.seed)
        constants = config.model.max_constants
        train = training_samples(config, progress)
        dev = load_samples(config.data, config.dev_split, config.dev_limit, constants, progress=progress) if config.dev_split else []
        train, held = held_out(train, config)
        if not train:
            raise ConfigError(f"calibration_holdout {config.calibration_holdout} leaves no training questions (there are {len(held)})")
        vocab = Vocab(state["vocab"]) if state is not None else Vocab.build(train, config.model.min_word_count)
        model = NeuralProgrammer(chosen, vocab, config.model, config.scalar_weight).to(place)
        batches = partial(collate, vocab=vocab)
        score = (lambda m: evaluate(m, dev, batches, batch_size=128)) if dev else None
        cells = lambda sample: sample.table.shape[0] * sample.table.shape[1]
        train_batches = partial(shuffled_batch, vocab=vocab) if config.shuffle_unordered else batches
        metrics = fit(model, train, train_batches, config, folder, score, describe(model, config), resume, progress, size_of=cells)
        if held and writer:
            metrics |= calibrate_checkpoints(model, held, [folder / name for name in ("best.pt", "last.pt")])
    return metrics


def training_samples(config: TrainConfig, progress: bool = False) -> list[Sample]:
    """The questions of ``train_split`` and then of each of ``extra_train_splits``, the latter without dev's tables.

    ``train_limit`` caps the training split alone; extra splits are read whole.
    """
    constants = config.model.max_constants
    samples = load_samples(config.data, config.train_split, config.train_limit, constants, progress=progress)
    if not samples:
        raise DataError(f"{config.data}: the training split {config.train_split!r} holds no questions")
    dev_tables = {example.table_path for example in load_split(config.data, config.dev_split)} if config.dev_split and config.extra_train_splits else set()
    for split in config.extra_train_splits:
        samples += load_samples(config.data, split, max_constants=constants, progress=progress, skip_tables=dev_tables)
    return samples


def held_out(samples: list[Sample], config: TrainConfig) -> tuple[list[Sample], list[Sample]]:
    """The training questions split into those trained on and the ``calibration_holdout`` kept for calibration.

    The choice depends only on ``held_out_by`` and the questions, so calibration after
    training finds the same held-out questions. With ``calibration_by_table`` whole
    tables are held out (by name, in a seeded order) until enough questions are.
    """
    if not config.calibration_holdout:
        return samples, []
    if config.calibration_by_table:
        names = sorted({s.table.name for s in samples})
        kept: set[str] = set()
        count = Counter(s.table.name for s in samples)
        for index in np.random.default_rng(config.held_out_by).permutation(len(names)).tolist():
            if sum(count[name] for name in kept) >= config.calibration_holdout:
                break
            kept.add(names[index])
        chosen = {i for i, s in enumerate(samples) if s.table.name in kept}
    else:
        chosen = set(np.random.default_rng(config.held_out_by).permutation(len(samples))[: config.calibration_holdout].tolist())
    return [s for i, s in enumerate(samples) if i not in chosen], [s for i, s in enumerate(samples) if i in chosen]


def shuffled_batch(samples: list[Sample], vocab: Vocab) -> Batch:
    """A training batch in which every question that names no row order sees its table's rows shuffled.

    The permutations come from torch's generator, whose state checkpoints keep, so a
    resumed run draws the same ones.
    """
    generator = np.random.default_rng(int(torch.randint(0, 2**31 - 1, ()).item()))
    return collate([sample if speaks_of_order(sample.question) else with_rows_shuffled(sample, generator) for sample in samples], vocab)


def placement(device: str = "auto") -> torch.device:
    """The device this process computes on, after joining torchrun's process group when there is one.

    ``auto`` is CUDA when there is a GPU, else the CPU. Under torchrun (WORLD_SIZE > 1)
    each process takes the GPU of its LOCAL_RANK and the group uses nccl; on the CPU, gloo.

    >>> placement("cpu")
    device(type='cpu')
    """
    if device not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"--device {device!r}: choose auto, cpu or cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda: this machine has no CUDA device PyTorch can use")
    cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    place = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0"))) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(place)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend="nccl" if cuda else "gloo")
    return place


def load_model(path: str | Path, registry: Registry = BUILTINS) -> tuple[NeuralProgrammer, TrainConfig]:
    """A trained model from a checkpoint; its ops must all be in ``registry``, in the same order."""
    model, config, _ = _from_checkpoint(path, registry)
    return model, config


def _from_checkpoint(path: str | Path, registry: Registry) -> tuple[NeuralProgrammer, TrainConfig, dict]:
    """A model, its config and the metrics recorded with it, from one reading of a checkpoint."""
    state = load_checkpoint(path)
    missing = [key for key in ("config", "vocab", "ops", "weights") if key not in state]
    if missing:
        raise CheckpointError(f"{path}: checkpoint lacks {', '.join(missing)}")
    try:
        config = parse_config(json.loads(state["config"]), str(path), error=CheckpointError)
        metrics = json.loads(state.get("metrics") or "{}")
    except (TypeError, json.JSONDecodeError, RecursionError):
        raise CheckpointError(f"{path}: its config or metrics are not JSON text") from None
    model = assemble(config, state["vocab"], state["ops"], state["weights"], registry, path)
    return model, config, metrics if isinstance(metrics, dict) else {}


def open_model(path: str | Path | None = None, registry: Registry = BUILTINS) -> tuple[NeuralProgrammer | Ensemble, TrainConfig, dict]:
    """A model, its config and its recorded metrics from a training checkpoint, a model or ensemble folder, or (None) the bundled model.

    >>> model, config, metrics = open_model()
    >>> config.model.steps == model.config.steps
    True
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise WrongTypeError(f"a model is a path to a checkpoint or a model folder, not {type(path).__name__}")
    where = Path(path) if path is not None else BUNDLED
    if not where.exists() and not where.is_symlink():
        raise CheckpointError(f"{where}: no such checkpoint or model folder")
    if not where.is_dir():
        return _from_checkpoint(where, registry)
    return open_folder(where, registry)
