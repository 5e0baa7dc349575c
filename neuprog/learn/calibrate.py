"""Fit a trained model's confidence calibration on questions it never trained on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from neuprog.errors import ConfigError, DataError
from neuprog.learn.checkpoint import load_checkpoint, save_checkpoint
from neuprog.model.calibration import fit, signals
from neuprog.model.config import TrainConfig
from neuprog.model.ensemble import Ensemble
from neuprog.model.features import Sample, collate
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.wtq.evaluate import evaluate
from neuprog.wtq.files import load_split


def calibrate(model: NeuralProgrammer | Ensemble, samples: Sequence[Sample], batch_size: int = 128) -> dict:
    """Fit ``model.calibration`` to the verdicts on ``samples`` (held out from training); returns what it fitted on."""
    result = evaluate(model, samples, lambda chunk: collate(chunk, model.vocab), batch_size)
    rows = [signals(model.registry, s.question, p.program, p.texts, p.raw_confidence) for s, p in zip(samples, result["predictions"])]
    model.calibration.copy_(fit(rows, result["is_correct"]).to(model.calibration.device))
    return {"calibration_questions": result["total"], "calibration_accuracy": round(result["accuracy"], 4)}


def calibrate_checkpoints(model: NeuralProgrammer, samples: Sequence[Sample], paths: Sequence[str | Path]) -> dict:
    """Calibrate the model of each checkpoint in ``paths`` on ``samples`` and write it back in place (atomically).

    Returns what the last of ``paths`` was calibrated on; training lists ``last.pt`` last, the checkpoint it reports.
    """
    report: dict = {}
    for path in paths:
        state = load_checkpoint(path)
        model.load_state_dict(state["weights"])
        report = calibrate(model, samples)
        state["weights"] = {name: value.cpu() if hasattr(value, "cpu") else value for name, value in model.state_dict().items()}
        save_checkpoint(path, **{key: value for key, value in state.items() if key not in ("format", "version")})
    return report


def calibrate_folder(model: NeuralProgrammer | Ensemble, config: TrainConfig, metrics: dict, samples: Sequence[Sample], out: str | Path) -> dict:
    """Calibrate a model read from a folder on ``samples`` and write it, with what it was calibrated on, to the folder ``out``."""
    report = calibrate(model, samples)
    model.save_pretrained(out, {**metrics, "calibration": report}, config)
    return report


def check_unseen(samples: Sequence[Sample], root: str | Path, config: TrainConfig) -> None:
    """Refuse calibration questions the model trained on: none may be in its config's training splits under ``root``.

    A training split that ``root`` does not hold cannot be checked, and is not an error.
    """
    for split in (config.train_split, *config.extra_train_splits):
        try:
            trained = {example.id for example in load_split(root, split)}
        except DataError:
            continue
        shared = [sample.id for sample in samples if sample.id in trained]
        if shared:
            raise ConfigError(
                f"{len(shared)} of the calibration questions ({', '.join(shared[:3])}, ...) are in the training split "
                f"{split!r}: calibrate on questions the model never trained on"
            )
