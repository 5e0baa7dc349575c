"""Explain one question: per step the most probable ops, columns and constants, then the program and its answer."""

from __future__ import annotations

from dataclasses import dataclass

from .data import make_sample
from .program import render
from .soft import Choices
from .table import Table
from .values import Column, Constant


@dataclass
class StepView:
    """The top choices of one step, as (label, probability) pairs; columns and constants are those of the top op."""

    ops: list[tuple[str, float]]
    columns: list[tuple[str, float]]
    constants: list[tuple[str, float]]

    def to_dict(self) -> dict:
        return {"ops": dict(self.ops), "columns": dict(self.columns), "constants": dict(self.constants)}


def step_views(model, choices, b: int, sample, top: int = 3) -> list[StepView]:
    """The top ops of every step for question ``b`` of a batch, with the columns and constants of the top op."""
    names = model.registry.names
    constants = [c.text for c in sample.question.constants] or ["(none)"]
    one = Choices(choices.ops[b : b + 1], choices.columns[b : b + 1], choices.constants[b : b + 1])
    ops = one.ops.argmax(-1)  # (1, T)
    columns, constants_p = one.given(ops.unsqueeze(1))  # (1, 1, T, C), (1, 1, T, K)
    header = sample.table.header
    views = []
    for t in range(choices.ops.shape[1]):
        op = model.registry[names[int(ops[0, t])]]
        views.append(
            StepView(
                _top(one.ops[0, t], names, top),
                _top(columns[0, 0, t, : len(header)], header, top) if op.uses(Column) else [],
                _top(constants_p[0, 0, t, : len(constants)], constants, top) if op.uses(Constant) else [],
            )
        )
    return views


def explain(model, table: Table, question: str, top: int = 3):
    """Per-step views, the prediction and the sample it was made for."""
    from .data import collate

    sample = make_sample("question", question, table, max_constants=model.config.max_constants)
    choices, [prediction] = model.predict(collate([sample], model.vocab), with_choices=True)
    return step_views(model, choices, 0, sample, top), prediction, sample


def _top(distribution, labels, k):
    values, index = distribution.detach().topk(min(k, len(labels)))
    return [(labels[i], float(v)) for v, i in zip(values.tolist(), index.tolist())]


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
