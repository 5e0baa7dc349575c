"""Accuracy of a model's decoded programs under the official answer-matching rule."""

from __future__ import annotations

from typing import Callable, Sequence

from .scoring import answer_is_correct


def evaluate(model, samples: Sequence, collate: Callable, batch_size: int = 64, typed_gold: bool = True) -> dict:
    """Score every sample: a question without a prediction counts as wrong, never dropped.

    Gold items are typed by each sample's canonical forms; ``typed_gold=False`` types them
    from their raw text instead (stricter: "12,467" is then a string, not a number).

    Returns accuracy, counts and the per-question predictions in sample order.
    """
    predictions = []
    for start in range(0, len(samples), batch_size):
        chunk = samples[start : start + batch_size]
        predictions.extend(model.predict(collate(chunk)))
    correct = [
        bool(p.texts) and answer_is_correct(p.texts, s.answers, s.canon if typed_gold else None) for p, s in zip(predictions, samples)
    ]
    total = len(samples)
    return {"accuracy": sum(correct) / total if total else 0.0, "correct": sum(correct), "total": total, "predictions": predictions, "is_correct": correct}
