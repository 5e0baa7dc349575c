"""Sampled-program search: programs drawn from the controller, run exactly, and the likelihood of those that are right."""

from __future__ import annotations

import torch

from .data import Batch
from .registry import Registry
from .soft import Choices, execute
from .values import Cells, Column, Constant, Scalar


def sample_choices(choices: Choices, samples: int, explore: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Indices of ``samples`` programs per question, the first being the argmax: three (B, S, T) tensors.

    The others are drawn from the controller's distributions mixed with a share
    ``explore`` of the uniform distribution over the allowed choices.
    """
    drawn = []
    for distribution in (choices.ops, choices.columns, choices.constants):
        B, T, X = distribution.shape
        flat = distribution.detach().reshape(B * T, X)
        allowed = (flat > 0).float()
        proposal = (1 - explore) * flat + explore * allowed / allowed.sum(1, keepdim=True)
        picks = torch.multinomial(proposal, samples - 1, replacement=True) if samples > 1 else flat.new_zeros(B * T, 0, dtype=torch.long)
        picks = torch.cat([flat.argmax(1, keepdim=True), picks], 1)  # (B * T, S)
        drawn.append(picks.reshape(B, T, samples).transpose(1, 2))  # (B, S, T)
    return tuple(drawn)


@torch.no_grad()
def correct_programs(registry: Registry, batch: Batch, ops: torch.Tensor, columns: torch.Tensor, constants: torch.Tensor) -> torch.Tensor:
    """(B, S) whether each sampled program's exact answer is the gold answer."""
    B, S, T = ops.shape
    tables = batch.tables.repeat(S)
    one_hot = [
        torch.nn.functional.one_hot(index.reshape(B * S, T), size).float()
        for index, size in ((ops, len(registry)), (columns, tables.cells.shape[2]), (constants, tables.constants.shape[1]))
    ]
    execution = execute(registry, tables, Choices(*one_hot), hard=True)
    last = ops[:, :, -1].reshape(B * S)  # (B * S,)
    target = batch.scalar_target.repeat_interleave(S)  # (B * S,)
    has_scalar = batch.has_scalar.repeat_interleave(S)
    items = batch.cell_targets.repeat_interleave(S, 0)  # (B * S, N, R, C)
    item_mask = batch.item_mask.repeat_interleave(S, 0)  # (B * S, N)
    has_cells = batch.has_cells.repeat_interleave(S)
    right = torch.zeros(B * S, dtype=torch.bool)
    names = registry.names
    for name, result in execution.answers.items():
        chosen = last == names.index(name)
        if registry[name].returns is Scalar:
            ok = has_scalar & ((result - target).abs() <= 1e-4 * target.abs().clamp(min=1.0))
        elif registry[name].returns is Cells:
            selected = result > 0.5  # (B * S, R, C)
            inside = ~(selected & ~items.any(1)).flatten(1).any(1)
            covered = ((selected.unsqueeze(1) & items).flatten(2).any(2) | ~item_mask).all(1)
            ok = has_cells & inside & covered & selected.flatten(1).any(1)
        else:
            continue
        right |= chosen & ok
    return right.reshape(B, S)


def search_loss(registry: Registry, batch: Batch, choices: Choices, samples: int, explore: float = 0.0) -> torch.Tensor:
    """-log of the probability of the correct sampled programs, averaged over questions that have one (0 if none)."""
    ops, columns, constants = sample_choices(choices, samples, explore)
    right = correct_programs(registry, batch, ops, columns, constants)  # (B, S)
    if not right.any():
        return choices.ops.sum() * 0.0
    uses_column = torch.tensor([op.uses(Column) for op in registry])[ops]  # (B, S, T)
    uses_constant = torch.tensor([op.uses(Constant) for op in registry])[ops]  # (B, S, T)
    log = lambda d, index: d.clamp(min=1e-12).log().unsqueeze(1).expand(-1, index.shape[1], -1, -1).gather(3, index.unsqueeze(3)).squeeze(3)  # noqa: E731
    logp = log(choices.ops, ops) + uses_column * log(choices.columns, columns) + uses_constant * log(choices.constants, constants)  # (B, S, T)
    program = logp.sum(2).masked_fill(~right, float("-inf"))  # (B, S)
    found = right.any(1)
    return -torch.logsumexp(program[found], dim=1).mean()
