"""Per-step views of the controller's choices: the top ops of each step, with the columns and constants of the op the program runs."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from neuprog.lang.choices import Choices
from neuprog.lang.values import Column, Constant


@dataclass
class StepView:
    """The top choices of one step, as (label, probability) pairs; columns and constants are those of the op the program runs."""

    ops: list[tuple[str, float]]
    columns: list[tuple[str, float]]
    constants: list[tuple[str, float]]

    def to_dict(self) -> dict:
        return {"ops": dict(self.ops), "columns": dict(self.columns), "constants": dict(self.constants)}


def step_views(model, choices, b: int, sample, top: int = 3, program=None) -> list[StepView]:
    """The top ops of every step of question ``b``'s program, with the columns and constants of the op the program runs there.

    ``program`` is the program predicted (which may be a fallback, not the argmax
    one); without it, the decoded argmax program.
    """
    names = model.registry.names
    constants = [c.text for c in sample.question.constants] or ["(none)"]
    one = Choices(choices.ops[b : b + 1], choices.columns[b : b + 1], choices.constants[b : b + 1])
    if program is None:
        length = int(choices.stops(model.registry)[b]) + 1  # a program that halts early has fewer steps
        ops = one.ops.argmax(-1)[:, :length]  # (1, T')
    else:
        ops = torch.tensor([[names.index(step.op) for step in program.steps]], device=one.ops.device)  # (1, T')
        length = ops.shape[1]
    columns, constants_p = one.given(ops.unsqueeze(1))  # (1, 1, T', C), (1, 1, T', K)
    header = sample.table.header
    views = []
    for t in range(length):
        op = model.registry[names[int(ops[0, t])]]
        views.append(
            StepView(
                _top(one.ops[0, t], names, top),
                _top(columns[0, 0, t, : len(header)], header, top) if op.uses(Column) else [],
                _top(constants_p[0, 0, t, : len(constants)], constants, top) if op.uses(Constant) else [],
            )
        )
    return views


def _top(distribution, labels, k):
    values, index = distribution.detach().topk(min(k, len(labels)))
    return [(labels[i], float(v)) for v, i in zip(values.tolist(), index.tolist())]
