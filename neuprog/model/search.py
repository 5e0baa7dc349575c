"""Sampled-program search: programs drawn from the controller, run exactly, and the likelihood of those that are right."""

from __future__ import annotations

import torch

from neuprog.lang.registry import Registry
from neuprog.lang.soft import Choices, execute, uses
from neuprog.lang.values import Cells, Column, Scalar
from neuprog.model.features import Batch
from neuprog.tables.constant import Constant


def _proposal(distribution: torch.Tensor, explore: float) -> torch.Tensor:
    flat = distribution.detach().reshape(-1, distribution.shape[-1])
    allowed = (flat > 0).float()
    return (1 - explore) * flat + explore * allowed / allowed.sum(1, keepdim=True)


def _draw(distribution: torch.Tensor, samples: int, explore: float) -> torch.Tensor:
    """(..., X) distributions -> (..., S) indices, the first the argmax, the rest drawn with exploration."""
    flat = distribution.detach().reshape(-1, distribution.shape[-1])
    proposal = _proposal(distribution, explore)
    picks = torch.multinomial(proposal, samples - 1, replacement=True) if samples > 1 else flat.new_zeros(len(flat), 0, dtype=torch.long)
    return torch.cat([flat.argmax(1, keepdim=True), picks], 1).reshape(distribution.shape[:-1] + (samples,))


def sample_choices(choices: Choices, samples: int, explore: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Indices of ``samples`` programs per question, the first being the argmax: three (B, S, T) tensors.

    Each step draws an op, then a column and a constant from that op's own
    distributions, each mixed with a share ``explore`` of the uniform
    distribution over the allowed choices so search also tries unlikely programs.
    """
    ops = _draw(choices.ops, samples, explore).transpose(1, 2)  # (B, S, T)
    columns, constants = choices.given(ops)  # (B, S, T, C), (B, S, T, K)
    return ops, _draw_each(columns, explore), _draw_each(constants, explore)


def _draw_each(distribution: torch.Tensor, explore: float) -> torch.Tensor:
    """(B, S, T, X) -> (B, S, T): one draw per sample and step, the argmax for sample 0."""
    drawn = torch.multinomial(_proposal(distribution, explore), 1).reshape(distribution.shape[:-1])
    drawn[:, 0] = distribution[:, 0].argmax(-1)
    return drawn


@torch.no_grad()
def correct_programs(registry: Registry, batch: Batch, ops: torch.Tensor, columns: torch.Tensor, constants: torch.Tensor) -> torch.Tensor:
    """(B, S) whether each sampled program's exact answer is the gold answer."""
    B, S, T = ops.shape
    tables = batch.tables.repeat(S)
    O = len(registry)
    one_hot = lambda index, size: torch.nn.functional.one_hot(index.reshape(B * S, T), size).float()
    every_op = lambda index, size: one_hot(index, size).unsqueeze(2).expand(-1, -1, O, -1)
    choices = Choices(one_hot(ops, O), every_op(columns, tables.cells.shape[2]), every_op(constants, tables.constants.shape[1]))
    execution = execute(registry, tables, choices, hard=True)
    last = ops[:, :, -1].reshape(B * S)  # (B * S,)
    target = batch.scalar_target.repeat_interleave(S)  # (B * S,)
    has_scalar = batch.has_scalar.repeat_interleave(S)
    items = batch.cell_targets.repeat_interleave(S, 0)  # (B * S, N, R, C)
    item_mask = batch.item_mask.repeat_interleave(S, 0)  # (B * S, N)
    has_cells = batch.has_cells.repeat_interleave(S)
    right = torch.zeros(B * S, dtype=torch.bool, device=ops.device)
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


def search_loss(
    registry: Registry, batch: Batch, choices: Choices, samples: int, explore: float = 0.0, memory: dict | None = None, remember: int = 4
) -> torch.Tensor:
    """-log of the probability of the correct programs, averaged over questions that have one (0 if none).

    The programs are ``samples`` drawn from the controller plus, per question,
    up to ``remember`` correct programs found earlier and kept in ``memory``
    (question id -> list of (ops, columns, constants) tuples), so a rare find
    keeps teaching after the batch it was found in.
    """
    ops, columns, constants = sample_choices(choices, samples, explore)  # (B, S, T) each
    if memory is not None and remember:
        ops, columns, constants = _with_memory(batch, memory, remember, ops, columns, constants)
    right = correct_programs(registry, batch, ops, columns, constants)  # (B, S + M)
    if memory is not None and remember:
        _remember(batch, memory, remember, ops, columns, constants, right)
    if not right.any():
        return choices.ops.sum() * 0.0
    logp = choices.log_prob(registry, ops, columns, constants)  # (B, S, T)
    same = _repeated(
        ops, columns * uses(registry, Column, ops.device)[ops], constants * uses(registry, Constant, ops.device)[ops]
    )  # unused choices do not tell programs apart
    program = logp.sum(2).masked_fill(~right | same, float("-inf"))  # (B, S)
    found = right.any(1)
    return -torch.logsumexp(program[found], dim=1).mean()


def _repeated(ops: torch.Tensor, columns: torch.Tensor, constants: torch.Tensor) -> torch.Tensor:
    """(B, S) whether a program already occurred earlier among the question's samples, so each counts once."""
    programs = torch.cat([ops, columns, constants], 2)  # (B, S, 3T)
    same = (programs.unsqueeze(2) == programs.unsqueeze(1)).all(3)  # (B, S, S)
    earlier = torch.ones(same.shape[1:], dtype=torch.bool, device=same.device).tril(-1)  # (S, S) s' < s
    return (same & earlier).any(2)


def _with_memory(batch, memory, remember, ops, columns, constants):
    """Append each question's remembered programs (padded with its argmax program) as M extra samples."""
    extra = []
    for b, sample in enumerate(batch.samples):
        kept = memory.get(sample.id, [])[:remember]
        rows = [torch.tensor(program, device=ops.device) for program in kept]  # each (3, T)
        rows += [torch.stack([ops[b, 0], columns[b, 0], constants[b, 0]])] * (remember - len(rows))
        extra.append(torch.stack(rows))  # (M, 3, T)
    extra = torch.stack(extra)  # (B, M, 3, T)
    return tuple(torch.cat([part, extra[:, :, i]], 1) for i, part in enumerate((ops, columns, constants)))


def _remember(batch, memory, remember, ops, columns, constants, right):
    for b, s in torch.nonzero(right).tolist():
        program = (tuple(ops[b, s].tolist()), tuple(columns[b, s].tolist()), tuple(constants[b, s].tolist()))
        kept = memory.setdefault(batch.samples[b].id, [])
        if program not in kept:
            kept.insert(0, program)
            del kept[remember:]
