"""Fit a trained model's confidence calibration on training questions held out from its training."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from neuprog.learn.checkpoint import load_checkpoint, save_checkpoint
from neuprog.model.calibration import fit, signals
from neuprog.model.features import Sample, collate
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.wtq.evaluate import evaluate


def calibrate(model: NeuralProgrammer, samples: Sequence[Sample], batch_size: int = 128) -> dict:
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
