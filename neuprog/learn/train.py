"""A generic training loop: seeded, resumable, atomic checkpoints, progress bar and JSONL metrics."""

from __future__ import annotations

import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from neuprog.atomic import replacing
from neuprog.errors import CheckpointError
from neuprog.inputs import read_bytes
from neuprog.learn.checkpoint import load_checkpoint, save_checkpoint
from neuprog.model.config import TrainConfig
from neuprog.model.folder import check_weights

SNAPSHOTS = "snapshots"
"""The run folder's subfolder of weights kept part-way through training (``TrainConfig.snapshots``)."""


def snapshot_path(out: str | Path, share: float) -> Path:
    """Where the weights kept at ``share`` of training lie in the run folder ``out``.

    >>> snapshot_path("runs/a", 0.75).as_posix()
    'runs/a/snapshots/at-0.75.pt'
    """
    return Path(out) / SNAPSHOTS / f"at-{share:g}.pt"


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch.manual_seed(seed)


def _order(count: int, seed: int, epoch: int, batch_size: int = 1, buckets: int = 0, sizes: Sequence[int] | None = None) -> list[int]:
    """The epoch's item order; with ``buckets``, runs of ``buckets`` batches are grouped by size.

    >>> sizes = [5, 1, 5, 1, 5, 1, 5, 1]
    >>> order = _order(8, 0, 0, batch_size=2, buckets=4, sizes=sizes)
    >>> sorted(order) == list(range(8)), all(len({sizes[i] for i in order[k : k + 2]}) == 1 for k in range(0, 8, 2))
    (True, True)
    """
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(count, generator=generator).tolist()
    if not buckets or sizes is None:
        return order
    span = buckets * batch_size
    batches = []
    for start in range(0, count, span):
        chunk = sorted(order[start : start + span], key=lambda i: sizes[i])
        batches.extend(chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size))
    shuffled = torch.randperm(len(batches), generator=generator).tolist()
    return [i for b in shuffled for i in batches[b]]


def learning_rate(config: TrainConfig, progress: float) -> float:
    """The learning rate once ``progress`` (0 to 1) of the planned steps are done.

    >>> config = TrainConfig(data="d", learning_rate=1.0, lr_decay="linear")
    >>> learning_rate(config, 0.0), round(learning_rate(config, 1.0), 6)
    (1.0, 0.05)
    """
    if config.lr_decay == "linear":
        return config.learning_rate * (1.0 - 0.95 * progress)
    return config.learning_rate


def _resume(model: torch.nn.Module, optimizer: torch.optim.Optimizer, path: Path, world: int, rank: int, seed: int) -> tuple[int, float, int, dict, float]:
    """Load the weights, optimizer and random state of ``path`` (a ``last.pt``); returns (step, best, seen, metrics, seconds trained).

    A checkpoint whose training state does not fit this run (edited, or from
    another model) is a `CheckpointError`, not a crash halfway through loading.
    """
    state = load_checkpoint(path)
    check_weights(model.state_dict(), state.get("weights"), path, optional=("calibration",))
    try:
        model.load_state_dict(state["weights"])
        optimizer.load_state_dict(state["optimizer"])
        step, best, seen, spent = state["step"], state["best"], state["seen"], state.get("elapsed", 0.0)  # runs saved before "elapsed" count from 0
        if not (isinstance(step, int) and isinstance(seen, int) and isinstance(best, (int, float)) and step >= 0 and seen >= 0):
            raise ValueError(f"step {step!r}, seen {seen!r} and best {best!r} are not counts and a score")
        if not (isinstance(spent, (int, float)) and math.isfinite(spent) and spent >= 0):
            raise ValueError(f"elapsed {spent!r} is not a time")
        metrics = json.loads(state.get("metrics") or "{}")  # what a finished run reports when resumed
        _restore_rank_state(model, state, world, rank, seed)
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError, AttributeError, RecursionError) as error:
        raise CheckpointError(f"{path}: its training state does not fit this run ({' '.join(str(error).split())[:160]})") from None
    if rank == 0:
        _metrics_log(path.parent / "metrics.jsonl", step)
    return step, float(best), seen, metrics if isinstance(metrics, dict) else {}, float(spent)


def _metrics_log(path: Path, keep_until: int) -> None:
    """Drop metric lines written after the checkpoint we resume from, so the log reads as one run (lines that are not metrics go too)."""
    if path.exists():
        text = read_bytes(path, "metrics log").decode("utf-8", errors="replace")
        kept = [line for line in text.splitlines() if _step_of(line) <= keep_until]
        with replacing(path, mode=0o644) as temporary:
            temporary.write_text("".join(line + "\n" for line in kept), encoding="utf-8")


def _step_of(line: str) -> float:
    """The step of a metrics line; infinity for a line that is not one, so it is dropped.

    >>> _step_of('{"step": 4, "loss": 1.0}'), _step_of("{not json")
    (4, inf)
    """
    try:
        step = json.loads(line).get("step")
    except (ValueError, AttributeError, RecursionError):
        return math.inf
    return step if isinstance(step, int) else math.inf


def fit(
    model: torch.nn.Module,
    items: Sequence[Any],
    make_batch: Callable[[Sequence[Any]], Any],
    config: TrainConfig,
    out_dir: str | Path,
    evaluate: Callable[[torch.nn.Module], dict] | None = None,
    describe: dict | None = None,
    resume: bool = False,
    progress: bool = True,
    size_of: Callable[[Any], int] | None = None,
) -> dict:
    """Train ``model`` (whose forward returns the loss last) on ``items``; returns the final metrics.

    Writes ``last.pt`` (everything needed to resume), ``best.pt`` (best dev
    accuracy, or the last when there is no dev set) and a weights-only snapshot at
    each of ``config.snapshots`` (`snapshot_path`) under ``out_dir``, each with
    ``describe`` merged in, and appends one JSON object per evaluation to
    ``metrics.jsonl``. ``size_of`` gives an item's size for ``config.size_buckets``.
    """
    world, rank = _world()
    writer = rank == 0  # only rank 0 writes checkpoints and metrics
    device = next(model.parameters()).device
    trainer = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model  # the model moves its batches itself
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sizes = [size_of(item) for item in items] if size_of and config.size_buckets else None
    describe = describe or {}
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    per_step = config.batch_size * world  # each rank takes its share of one global batch
    steps_per_epoch = max(1, math.ceil(len(items) / per_step))
    total = max(1, math.ceil(config.epochs * steps_per_epoch))
    step, best, seen, metrics, spent = 0, -1.0, 0, {}, 0.0
    if resume:
        step, best, seen, metrics, spent = _resume(model, optimizer, out / "last.pt", world, rank, config.seed)
    else:
        seed_everything(config.seed + rank)
        if writer:
            (out / "metrics.jsonl").unlink(missing_ok=True)
    bar = tqdm(total=total, initial=step, disable=not (progress and writer), unit="step", dynamic_ncols=True)
    started, start_seen, recent = time.perf_counter(), seen, []
    began = started - spent  # when training began, counting the time of the runs this one resumes
    budget = 60 * config.max_minutes if config.max_minutes else float("inf")
    order_of = None, []  # (epoch, its item order): shuffled and bucketed once per epoch, not once per step
    pending = [share for share in config.snapshots if not snapshot_path(out, share).exists()]  # a resumed run keeps the ones it has
    while step < total:
        epoch, offset = divmod(step, steps_per_epoch)
        if order_of[0] != epoch:
            order_of = epoch, _order(len(items), config.seed, epoch, per_step, config.size_buckets, sizes)
        order = order_of[1]
        chosen = order[offset * per_step : (offset + 1) * per_step]
        mine = chosen[rank::world] or chosen[-1:]  # a short last batch still gives every rank something
        batch = make_batch([items[i] for i in mine])
        progress = step / total
        if config.max_minutes:  # of the steps, or of the time when that runs out first (agreed by every rank)
            progress = _max_over_ranks(max(progress, (time.perf_counter() - began) / budget), world, device)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config, min(1.0, progress))
        model.train()
        loss = trainer(batch)[-1]
        optimizer.zero_grad(set_to_none=True)
        if world > 1 and (loss is None or not loss.requires_grad):
            loss = sum(p.sum() for p in model.parameters()) * 0.0  # every rank must join the gradient all-reduce
        if loss is not None and loss.requires_grad:
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
            if torch.isfinite(norm):  # a step that overflowed (huge numbers in a table, say) is skipped, never applied as NaN
                optimizer.step()
                recent.append(loss.item())
        step += 1
        seen += len(chosen)
        bar.update(1)
        while pending and pending[0] <= progress:
            share = pending.pop(0)
            if writer:
                save_checkpoint(snapshot_path(out, share), weights=_on_cpu(model.state_dict()), step=step, snapshot=share, **describe)
        if _max_over_ranks(float(time.perf_counter() - began > budget), world, device):
            total = step  # out of time: evaluate and checkpoint now, then stop
        evaluating = step % config.eval_every == 0 or step == total
        if evaluating and writer:
            elapsed = time.perf_counter() - started
            metrics = {
                "step": step,
                "epoch": round(step / steps_per_epoch, 3),
                "loss": round(sum(recent) / max(1, len(recent)), 5),
                "examples_per_second": round((seen - start_seen) / max(elapsed, 1e-9), 1),
            }
            recent = []
            if evaluate is not None:
                metrics.update({k: v for k, v in evaluate(model).items() if isinstance(v, (int, float))})
        ranks = _rank_states(model, world) if evaluating else []  # every rank's RNG and memory, after rank 0 evaluated
        if evaluating and writer:
            score = metrics.get("accuracy", 0.0) if evaluate is not None else float(step)
            weights = _on_cpu(model.state_dict())
            if score > best:
                best = score
                save_checkpoint(out / "best.pt", weights=weights, step=step, metrics=json.dumps(metrics), **describe)
            save_checkpoint(
                out / "last.pt",
                weights=weights,
                optimizer=_on_cpu(optimizer.state_dict()),
                step=step,
                best=best,
                seen=seen,
                elapsed=time.perf_counter() - began,
                ranks=ranks,
                metrics=json.dumps(metrics),
                **describe,
            )
            with open(out / "metrics.jsonl", "a") as log:
                log.write(json.dumps(metrics) + "\n")
            bar.set_postfix({k: metrics[k] for k in ("loss", "accuracy") if k in metrics})
    if world > 1:
        torch.distributed.barrier()  # no rank leaves while rank 0 still writes
    bar.close()
    return metrics


def _on_cpu(state):
    """A state dict with its tensors on the CPU, so checkpoints load anywhere and export to safetensors."""
    if isinstance(state, torch.Tensor):
        return state.detach().cpu()
    if isinstance(state, dict):
        return {key: _on_cpu(value) for key, value in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(_on_cpu(value) for value in state)
    return state


def _stateful_modules(model: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    """Modules that keep state outside their tensors (``get_extra_state``), such as a model's search memory."""
    return [(name, module) for name, module in model.named_modules() if type(module).get_extra_state is not torch.nn.Module.get_extra_state]


def _rank_states(model: torch.nn.Module, world: int) -> list[dict]:
    """What differs between ranks, gathered for rank 0 to save: each rank's RNG state and its modules' extra state."""
    own = {"rng": torch.get_rng_state(), "extra": {name: module.get_extra_state() for name, module in _stateful_modules(model)}}
    device = next(model.parameters()).device
    if device.type == "cuda":  # sampling and dropout on a GPU draw from its own generator
        own["cuda_rng"] = torch.cuda.get_rng_state(device)
    if world == 1:
        return [own]
    gathered: list = [None] * world
    torch.distributed.all_gather_object(gathered, own)
    return gathered


def _restore_rank_state(model: torch.nn.Module, state: dict, world: int, rank: int, seed: int) -> None:
    """Give this rank back its own RNG and extra state.

    A run resumed with another number of ranks reseeds every rank's RNG, and every
    rank keeps the extra state the weights carry (rank 0's search memory).
    """
    ranks = state.get("ranks") or [{"rng": state["rng"], "extra": {}}]  # checkpoints from before per-rank state
    if len(ranks) != world:
        if rank == 0:
            print(
                f"resuming {len(ranks)} ranks' training with {world}: random draws restart and every rank starts from rank 0's search memory, so the run will differ",
                file=sys.stderr,
            )
        seed_everything(seed + rank + state["step"])
        return
    torch.set_rng_state(ranks[rank]["rng"])
    if "cuda_rng" in ranks[rank] and torch.cuda.is_available():
        torch.cuda.set_rng_state(ranks[rank]["cuda_rng"], next(model.parameters()).device)
    for name, module in _stateful_modules(model):
        if name in ranks[rank]["extra"]:
            module.set_extra_state(ranks[rank]["extra"][name])


def _world() -> tuple[int, int]:
    """(world size, rank) of the process group torchrun set up, or (1, 0) for a single process."""
    distributed = torch.distributed
    if distributed.is_available() and distributed.is_initialized():
        return distributed.get_world_size(), distributed.get_rank()
    return 1, 0


def _max_over_ranks(number: float, world: int, device: torch.device) -> float:
    """The largest of every rank's ``number``, so that all ranks stop at the same step and use the same learning rate."""
    if world == 1:
        return number
    value = torch.tensor(float(number), device=device)  # nccl reduces GPU tensors only
    torch.distributed.all_reduce(value, op=torch.distributed.ReduceOp.MAX)
    return value.item()
