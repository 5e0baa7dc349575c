"""Explain one question: per step the most probable ops, columns and constants, then the program and its answer."""

from __future__ import annotations

from neuprog.lang.program import render
from neuprog.model.views import step_views
from neuprog.tables.table import Table


def explain(model, table: Table, question: str, top: int = 3):
    """Per-step views, the prediction and the sample it was made for."""
    [sample], choices, [prediction] = model.predict_questions(table, [question])
    return step_views(model, choices, 0, sample, top), prediction, sample


def explain_text(model, table: Table, question: str, top: int = 3) -> str:
    views, prediction, sample = explain(model, table, question, top)
    lines = [f"question: {question}", "constants: " + (", ".join(c.text for c in sample.question.constants) or "(none)")]
    for t, view in enumerate(views, start=1):
        lines.append(f"step {t}")
        for title, pairs in (("op", view.ops), ("column", view.columns), ("constant", view.constants)):
            lines.append(f"  {title:<9}" + ("  ".join(f"{label} {p:.2f}" for label, p in pairs) or "(not used)"))
    lines.append("program:")
    lines.extend("  " + line for line in render(prediction.program, model.registry, multiline=True).splitlines())
    lines.append(f"answer: {', '.join(prediction.texts) if prediction.texts else '(none)'}")
    lines.append(f"confidence: {prediction.confidence:.3f}")
    return "\n".join(lines)
