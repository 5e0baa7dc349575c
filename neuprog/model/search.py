"""Sampled-program search: programs drawn from the controller, run exactly, and the likelihood of those that are right."""

from __future__ import annotations

import torch

from neuprog.lang.choices import Choices, Picks
from neuprog.lang.cues import licensed
from neuprog.lang.registry import Registry
from neuprog.lang.soft import execute
from neuprog.lang.values import Cells, Scalar, Truth
from neuprog.model.config import ModelConfig
from neuprog.model.features import Batch
from neuprog.model.steering import Steering, proposal


def _draw(distribution: torch.Tensor, samples: int, explore: float) -> torch.Tensor:
    """(..., X) distributions -> (..., S) indices, the first the argmax, the rest drawn with exploration."""
    flat = distribution.detach().reshape(-1, distribution.shape[-1])
    mixed = proposal(flat, explore)
    picks = torch.multinomial(mixed, samples - 1, replacement=True) if samples > 1 else flat.new_zeros(len(flat), 0, dtype=torch.long)
    return torch.cat([flat.argmax(1, keepdim=True), picks], 1).reshape(distribution.shape[:-1] + (samples,))


def sample_choices(registry: Registry, choices: Choices, samples: int, explore: float = 0.0) -> Picks:
    """``samples`` programs per question, the first being the decoded (argmax) program.

    Each step draws an op, then a column, a constant and its memory reads from
    that op's own distributions, and each program draws the step it ends at
    from the halting distribution; every draw mixes in a share ``explore`` of
    the uniform distribution over the allowed choices so search also tries
    unlikely programs.
    """
    ops = _draw(choices.ops, samples, explore).transpose(1, 2)  # (B, S, T)
    columns, constants = choices.given(ops)  # (B, S, T, C), (B, S, T, K)
    picks = Picks(ops, _draw_each(columns, explore), _draw_each(constants, explore))
    if choices.reads is not None:
        picks.reads = _draw_each(choices.reads_given(ops), explore)  # (B, S, T, A)
    if choices.halting is not None:
        picks.stops = _draw(choices.halting, samples, explore)  # (B, S)
        picks.stops[:, 0] = choices.stops(registry)
    return picks


def _draw_each(distribution: torch.Tensor, explore: float) -> torch.Tensor:
    """(B, S, T, ..., X) -> (B, S, T, ...): one draw per sample and step, the argmax for sample 0."""
    drawn = torch.multinomial(proposal(distribution.reshape(-1, distribution.shape[-1]), explore), 1).reshape(distribution.shape[:-1])
    drawn[:, 0] = distribution[:, 0].argmax(-1)
    return drawn


@torch.no_grad()
def correct_programs(registry: Registry, batch: Batch, picks: Picks) -> torch.Tensor:
    """(B, S) whether each sampled program's exact answer is the gold answer."""
    B, S = picks.ops.shape[:2]
    tables = batch.tables.repeat(S)
    flat = lambda index: index.reshape((B * S,) + index.shape[2:])
    execution = execute(registry, tables, picks.one_hot(registry, tables.cells.shape[2], tables.constants.shape[1]), hard=True)
    ends = flat(picks.ends())  # (B * S,)
    ops = flat(picks.ops)  # (B * S, T)
    target = batch.scalar_target.repeat_interleave(S)  # (B * S,)
    has_scalar = batch.has_scalar.repeat_interleave(S)
    items = batch.cell_targets.repeat_interleave(S, 0)  # (B * S, N, R, C)
    item_mask = batch.item_mask.repeat_interleave(S, 0)  # (B * S, N)
    has_cells = batch.has_cells.repeat_interleave(S)
    truth = batch.truth_target.repeat_interleave(S)  # (B * S,)
    has_truth = batch.has_truth.repeat_interleave(S)
    right = torch.zeros(B * S, dtype=torch.bool, device=ops.device)
    names = registry.names
    for step, answers in execution.answers.items():
        for name, result in answers.items():
            chosen = (ends == step) & (ops[:, step] == names.index(name))
            if registry[name].returns is Scalar:
                ok = has_scalar & ((result - target).abs() <= 1e-4 * target.abs().clamp(min=1.0))
            elif registry[name].returns is Cells:
                selected = result > 0.5  # (B * S, R, C)
                inside = ~(selected & ~items.any(1)).flatten(1).any(1)
                covered = ((selected.unsqueeze(1) & items).flatten(2).any(2) | ~item_mask).all(1)
                ok = has_cells & inside & covered & selected.flatten(1).any(1)
            elif registry[name].returns is Truth:
                ok = has_truth & ((result > 0.5) == (truth > 0.5))
            else:
                continue
            right |= chosen & ok
    return right.reshape(B, S)


def search_loss(registry: Registry, batch: Batch, policy, config: ModelConfig, memory: dict | None = None) -> torch.Tensor:
    """-log of the probability of the correct programs, averaged over questions that have one (0 if none).

    The programs are ``config.search_samples`` drawn from the controller's ``policy``
    (`ExpectedPolicy` or `SteeredPolicy`) plus, per question, up to
    ``config.search_memory`` correct programs found earlier and kept in ``memory``
    (question id -> list of programs, each a tuple of the `Picks` parts as flat tuples
    of indices), so a rare find keeps teaching after the batch it was found in.
    ``search_beta`` shares the credit among them (`shared_credit`); with
    ``search_cues`` a program counts as correct only if `cued_programs` allows it.
    """
    remember = config.search_memory if memory is not None else 0
    picks = policy.sample(registry, config.search_samples, config.search_explore)  # (B, S, ...) each part
    if remember:
        picks = _with_memory(batch, memory, remember, picks)
    right = correct_programs(registry, batch, picks)  # (B, S + M)
    if config.search_cues:
        right &= cued_programs(registry, batch, picks)
    if remember:
        _remember(batch, memory, remember, picks, right)
    if not right.any():
        return policy.zero()
    wanted = right & ~_repeated(picks.signature(registry))  # choices a program does not use do not tell programs apart
    program = policy.log_prob(registry, picks, wanted).masked_fill(~wanted, float("-inf"))  # (B, S)
    return shared_credit(program[right.any(1)], config.search_beta)


def shared_credit(program: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    """The search loss of (B, S) log-probabilities of correct programs (-inf for the others), averaged over B.

    beta 1 is -log of their summed probability; below 1, each program's -log p
    weighted by its share of p ** beta (a constant, so the gradient is that share).

    >>> program = torch.tensor([[0.5, 0.25, 0.0]]).log()
    >>> round(shared_credit(program).item(), 4), round(shared_credit(program, beta=0.0).item(), 4)
    (0.2877, 1.0397)
    """
    if beta == 1.0:
        return -torch.logsumexp(program, dim=1).mean()
    program = program[program.isfinite().any(1)]  # questions whose correct programs the controller can still write
    if not len(program):
        return program.sum() * 0.0
    finite = program.isfinite()  # (B', S)
    credit = torch.softmax((beta * program.detach()).masked_fill(~finite, float("-inf")), dim=1)  # (B', S) each correct program's share
    return -(credit * program.masked_fill(~finite, 0.0)).sum(1).mean()


def cued_programs(registry: Registry, batch: Batch, picks: Picks) -> torch.Tensor:
    """(B, S) whether each program's question holds a cue word of every op the program runs that declares cues."""
    words = [set(sample.question.tokens) for sample in batch.samples]
    allowed = torch.tensor([[licensed(op.cues, said) for op in registry] for said in words], device=picks.ops.device)  # (B, O)
    B, S, T = picks.ops.shape
    fits = allowed.gather(1, picks.ops.reshape(B, S * T)).reshape(B, S, T)  # (B, S, T)
    runs = torch.arange(T, device=fits.device) <= picks.ends().unsqueeze(2)  # (B, S, T) the steps before the program stops
    return (fits | ~runs).all(2)


def _repeated(programs: torch.Tensor) -> torch.Tensor:
    """(B, S) whether a program (B, S, X signatures) already occurred earlier among the question's samples, so each counts once."""
    same = (programs.unsqueeze(2) == programs.unsqueeze(1)).all(3)  # (B, S, S)
    earlier = torch.ones(same.shape[1:], dtype=torch.bool, device=same.device).tril(-1)  # (S, S) s' < s
    return (same & earlier).any(2)


def _with_memory(batch, memory, remember, picks: Picks) -> Picks:
    """Append each question's remembered programs (padded with its argmax program) as M extra samples."""
    parts = picks.parts()  # each (B, S, ...)
    extra: list[list[torch.Tensor]] = [[] for _ in parts]
    for b, sample in enumerate(batch.samples):
        kept = [program for program in memory.get(sample.id, [])[:remember] if len(program) == len(parts)]
        rows = [[torch.tensor(part, device=picks.ops.device).reshape(whole.shape[2:]) for part, whole in zip(program, parts)] for program in kept]
        rows += [[whole[b, 0] for whole in parts]] * (remember - len(rows))
        for i in range(len(parts)):
            extra[i].append(torch.stack([row[i] for row in rows]))  # (M, ...)
    return picks.with_parts([torch.cat([whole, torch.stack(more)], 1) for whole, more in zip(parts, extra)])


def _remember(batch, memory, remember, picks: Picks, right):
    parts = picks.parts()
    for b, s in torch.nonzero(right).tolist():
        program = tuple(tuple(part[b, s].flatten().tolist()) for part in parts)
        kept = memory.setdefault(batch.samples[b].id, [])
        if program not in kept:
            kept.insert(0, program)
            del kept[remember:]


class ExpectedPolicy:
    """Search over a controller whose steps read expected choices: one set of distributions per question scores every program."""

    def __init__(self, choices: Choices) -> None:
        self.choices = choices

    def zero(self) -> torch.Tensor:
        return self.choices.ops.sum() * 0.0

    def sample(self, registry, samples: int, explore: float) -> Picks:
        return sample_choices(registry, self.choices, samples, explore)

    def log_prob(self, registry, picks: Picks, wanted: torch.Tensor) -> torch.Tensor:
        """(B, S) log-probability of each program (``wanted`` marks those needed; all are computed here)."""
        return self.choices.log_prob(registry, picks)


class SteeredPolicy:
    """Search over a controller whose history reads the choices made: programs are sampled step by step and each is scored by re-running the controller along it."""

    def __init__(self, controller, batch, encoded) -> None:
        self.controller, self.batch, self.encoded = controller, batch, encoded
        self._choices: Choices | None = None

    @property
    def choices(self) -> Choices:
        """The greedy program's distributions (B, T, ...)."""
        if self._choices is None:
            self._choices = self.controller(self.batch, Steering(), self.encoded)
        return self._choices

    def zero(self) -> torch.Tensor:
        _, summary, _, _ = self.encoded
        return summary.sum() * 0.0

    def sample(self, registry, samples: int, explore: float) -> Picks:
        steer = Steering(samples, explore)
        with torch.no_grad():
            drawn = self.controller(self.batch, steer, self.encoded)  # (B * S, T, ...)
        if self._choices is None:  # the first row of each question is the greedy program: its distributions, without gradient
            self._choices = Choices(drawn.ops[::samples], drawn.columns[::samples], drawn.constants[::samples])
        return steer.picks()

    def log_prob(self, registry, picks: Picks, wanted: torch.Tensor) -> torch.Tensor:
        """(B, S) log-probability of the ``wanted`` programs (-inf for the others), each from the controller run along it."""
        B, S = picks.ops.shape[:2]
        questions, which = torch.nonzero(wanted, as_tuple=True)  # (P,), (P,)
        chosen = Picks(*(part[questions, which].unsqueeze(1) for part in (picks.ops, picks.columns, picks.constants)))  # (P, 1, T) each
        scored = self.controller(self.batch, Steering(follow=chosen, questions=questions), self.encoded).log_prob(registry, chosen)  # (P, 1)
        program = scored.new_full((B, S), float("-inf"))
        program[questions, which] = scored.squeeze(1)
        return program
