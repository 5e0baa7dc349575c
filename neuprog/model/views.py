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


def program_ops(registry, program) -> torch.Tensor:
    """(T',) the registry index of the op each step of ``program`` runs.

    >>> from neuprog.lang.ops import BUILTINS
    >>> from neuprog.lang.parse import parse
    >>> [BUILTINS.names[o] for o in program_ops(BUILTINS, parse("s1 = ALL_ROWS; s2 = SELECT COUNT(*) FROM s1")).tolist()]
    ['all_rows', 'count']
    """
    position = {name: index for index, name in enumerate(registry.names)}
    return torch.tensor([position[step.op] for step in program.steps])


def step_views(model, choices, b: int, sample, program, top: int = 3) -> list[StepView]:
    """The top ops of every step of question ``b``'s program, with the columns and constants of the op the program runs there.

    ``program`` is the program predicted, which may be a fallback rather than the argmax one.
    """
    names = model.registry.names
    constants = [c.text for c in sample.question.constants] or ["(none)"]
    one = Choices(choices.ops[b : b + 1], choices.columns[b : b + 1], choices.constants[b : b + 1])
    ops = program_ops(model.registry, program).to(one.ops.device).unsqueeze(0)  # (1, T')
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
