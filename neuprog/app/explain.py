"""Explain one answer as text: the answer, how it was computed, the minimal program, and on request the model's raw steps."""

from __future__ import annotations

from neuprog.lang.minimal import minimize
from neuprog.lang.parse import parse
from neuprog.lang.program import render, render_step
from neuprog.tables.question import Question
from neuprog.tables.table import Table


def explain_text(model, table: Table, result, raw: bool = False) -> str:
    """The text of ``neuprog explain`` for an `AskResult`: with ``raw``, every step the model ran with its top choices.

    The answer and program lines are the ones ``ask`` prints, so the two never disagree.
    """
    constants = Question.read(result.question, table, max_constants=model.config.max_constants).constants
    lines = [f"question: {result.question}", "constants: " + (", ".join(c.text for c in constants) or "(none)")]
    if result.status in ("abstained", "failed"):
        lines += [f"no answer: {result.reason}", f"its best guess: {result.how or '(none)'}"]
    else:
        lines += [f"answer: {f'(empty: {result.reason})' if result.status == 'empty' else result.answer}", f"how: {result.how}"]
    lines.append("program:")
    lines.extend("  " + step for step in render(parse(result.program, model.registry), model.registry, multiline=True).splitlines())
    if raw:
        program = parse(result.raw_program, model.registry)
        minimal = minimize(program, model.registry)
        lines.append(f"raw steps (the model's {len(program.steps)}, with the most probable ops, and the columns and constants of the op it ran):")
        for number, (step, view, kept) in enumerate(zip(program.steps, result.steps, minimal.kept), start=1):
            where = f"kept as s{kept}" if kept else f"dropped: {minimal.dropped[number]}"
            lines.append(f"  s{number} = {render_step(step, model.registry)}   ({where})")
            for title in ("ops", "columns", "constants"):
                pairs = view[title]
                lines.append(f"    {title[:-1]:<9}" + ("  ".join(f"{label} {p:.2f}" for label, p in pairs.items()) or "(not used)"))
    lines.append(f"confidence: {result.confidence:.3f}")
    return "\n".join(lines)
