"""Strict, frozen configuration models for the model, the data and training."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from neuprog.errors import ConfigError, NeuprogError
from neuprog.inputs import read_bytes


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)


class ModelConfig(_Strict):
    """Sizes and choices of the controller."""

    steps: int = Field(4, ge=1, le=12)
    """Program length T: how many ops the controller chooses."""
    hidden: int = Field(128, ge=8, le=2048)
    """Hidden size H of the question encoder, history RNN and heads."""
    embedding: int = Field(64, ge=8, le=2048)
    """Word embedding size."""
    encoder: Literal["gru", "lstm"] = "gru"
    """Recurrent cell of the question encoder."""
    bidirectional: bool = True
    """Read the question in both directions."""
    dropout: float = Field(0.1, ge=0.0, lt=1.0)
    """Dropout on embeddings and controller states while training."""
    word_dropout: float = Field(0.0, ge=0.0, lt=1.0)
    """Share of the question's words and the column names' words read as <unk> while training (each word drawn anew every batch), so the model learns to lean on what links a question to its table (constants, column matches) rather than on words a new question may not use."""
    subword_buckets: int = Field(0, ge=0, le=1_000_000)
    """Hash buckets for the character trigrams of words (0: off). Each question and column-name word then reads as its word embedding plus the mean of its trigrams' embeddings, so a word the vocabulary lacks (a new table's column name, a rare question word) still reads as something near its spelling; with ``word_dropout`` a dropped word keeps its trigrams, as an unseen word does."""
    max_constants: int = Field(12, ge=1, le=100)
    """At most this many question constants K per question."""
    min_word_count: int = Field(1, ge=1, le=1_000_000)
    """Training words seen fewer times than this become <unk>."""
    search_samples: int = Field(0, ge=0, le=1000)
    """Programs sampled per question while training; the likelihood of those whose exact answer is right is added to the loss (0 turns search off)."""
    search_weight: float = Field(1.0, ge=0, le=1e6)
    """Weight of that search term."""
    search_beta: float = Field(1.0, ge=0, le=1)
    """How the search term shares credit among a question's correct programs: 1 is their summed likelihood (marginal likelihood, which favours the program already most probable); 0 gives each the same weight, so a spurious program found first does not take all the credit (Guu et al. 2017's meritocratic update); values between interpolate."""
    search_cues: bool = False
    """Search credits (and remembers) a correct program only when the question holds a cue word of every op it uses that declares cues (``Op.cues``: "total" for SUM, a superlative or comparative for ARGMAX, an order word for FIRST, ...), so a program right by accident, such as MOST_COMMON for a question that names no frequency, earns nothing."""
    answer_weight: float = Field(1.0, ge=0, le=1e6)
    """Weight of the soft-execution answer loss; 0 trains on the search term alone and skips soft execution while training (faster steps)."""
    search_memory: int = Field(4, ge=0, le=1000)
    """Correct programs remembered per training question and retried every time it comes up (0: no memory)."""
    search_explore: float = Field(0.2, ge=0, le=1)
    """Share of the uniform distribution mixed into the sampling distributions, so search also tries unlikely programs."""
    ops: tuple[str, ...] = ()
    """Names of the registry ops the model may use; empty means every registered op."""
    fallback_programs: int = Field(16, ge=0, le=256)
    """When the decoded program gives no answer (nothing, blank cells or a failed run) or one that cannot answer the question (`neuprog.tables.question.answer_misfit`), try up to this many next most probable programs (a beam over the steps) and answer with the first that answers the question; 0 keeps the decoded program's outcome."""
    halting: Literal["fixed", "act"] = "fixed"
    """'fixed': every program runs all ``steps`` steps and the last one answers. 'act': adaptive computation time (Graves 2016); each step emits a halting probability, the answer is the halting-weighted mixture over steps and the decoded program stops at the most probable halting step, so programs have a learned length up to ``steps``."""
    ponder_weight: float = Field(0.01, ge=0.0)
    """With 'act': weight of the ponder cost (steps run plus the remainder, Graves' N + R) added to the loss."""
    history: Literal["gru", "lstm", "fast_weights"] = "gru"
    """Recurrent cell that carries the controller from step to step: a GRU, an LSTM, or a ReLU RNN with fast weights (Ba et al. 2016)."""
    fast_decay: float = Field(0.95, gt=0.0, le=1.0)
    """With 'fast_weights': lambda, how much of the fast associative memory A survives each step (A = lambda A + eta h h^T)."""
    fast_rate: float = Field(0.5, gt=0.0, le=10.0)
    """With 'fast_weights': eta, the fast learning rate that writes each new state into A."""
    settling_steps: int = Field(1, ge=0, le=5)
    """With 'fast_weights': inner-loop iterations in which the new state settles under A (0 ignores A)."""
    linking: Literal["exact", "stems"] = "exact"
    """How question words are linked to columns. 'exact': a word names a column when it is a word of the column's name. 'stems': also when the two share a stem ("districts" names "District", "female" names "females"), and the question encoder is told which of its words name a column."""
    column_profile: bool = False
    """Add to each column's vector what its cells look like, whatever its name (first column or not, relative position, share of dates, of distinct values and of empty cells, cell length): what tells a new table's name or key column apart when its header is a word the model never saw."""
    number_ranges: bool = False
    """Tell the controller, for every number or date in the question, which columns' values span it (it lies between the column's least and greatest value): a column vector feature, and a learned bonus for choosing that constant for an op on that column, so "more than 20 points" compares against the column whose values reach 20, not the year."""
    history_input: Literal["expected", "chosen"] = "expected"
    """What the history cell reads after each step. 'expected': the op, column and constant vectors averaged under the step's distributions (the Neural Programmer's soft choice). 'chosen': the vectors of the op, column and constant the step picked (argmax when decoding, the sampled or remembered program in search), so each step is conditioned on the program so far, as in sequence-to-sequence program induction; search then scores each program by running the controller along it. Needs fixed halting and the stack rule."""
    step_memory: Literal["stack", "read_head"] = "stack"
    """How an op gets the earlier results it reads. 'stack': the most recent values of each type (see ``Op.arguments``). 'read_head': every step's results go to a memory slot, and each argument is read by a soft head over the slots (content by similarity to a key the controller emits, then a gate toward the newest slot, a shift and sharpening, as in the Neural Turing Machine)."""

    @model_validator(mode="after")
    def _chosen_history(self) -> ModelConfig:
        if self.history_input == "chosen" and (self.halting != "fixed" or self.step_memory != "stack"):
            raise ValueError("history_input 'chosen' needs halting 'fixed' and step_memory 'stack'")
        return self


class TrainConfig(_Strict):
    """Optimisation, data and bookkeeping for ``neuprog train``."""

    data: str
    """Root of a dataset in WikiTableQuestions layout (data/*.tsv, csv/...)."""
    train_split: str = "train"
    """Name of the training question file under data/, without .tsv."""
    extra_train_splits: tuple[str, ...] = Field((), max_length=64)
    """More question files under data/ trained on beside ``train_split`` (for WikiTableQuestions, ``pristine-seen-tables``). Their questions on a table that ``dev_split`` asks about are left out, so dev still measures tables never trained on."""
    dev_split: str | None = None
    """Question file used to pick the best checkpoint; none means the last one is kept."""
    dev_limit: int | None = Field(None, ge=1, le=10**9)
    """Score only the first this-many dev questions at each evaluation during training (`neuprog eval` scores every one)."""
    train_limit: int | None = Field(None, ge=1, le=10**9)
    """Use only the first this-many training questions."""
    model: ModelConfig = ModelConfig()
    """The model's configuration."""
    batch_size: int = Field(32, ge=1, le=100_000)
    """Questions per optimisation step."""
    epochs: float = Field(10.0, gt=0, le=100_000)
    """Passes over the training data (fractions allowed)."""
    learning_rate: float = Field(2e-3, gt=0, le=10)
    """Adam learning rate."""
    snapshots: tuple[float, ...] = Field((), max_length=32)
    """Points of training, as shares of the learning-rate schedule (0 < share < 1, the time cap counting as it does for the decay), at which the weights are also kept, as ``snapshots/at-SHARE.pt`` in the run folder (weights only, like ``best.pt``); `neuprog ensemble` joins them with the final weights into a snapshot ensemble at no extra training time."""
    lr_decay: Literal["none", "linear"] = "none"
    """'linear' lowers the learning rate in a straight line to 5% of its value at the last step."""
    weight_decay: float = Field(0.0, ge=0, le=10)
    """Decoupled weight decay (AdamW)."""
    clip_norm: float = Field(5.0, gt=0, le=1e6)
    """Gradient norm clipping threshold."""
    scalar_weight: float = Field(1.0, gt=0, le=1e6)
    """Weight of the scalar-answer loss relative to the lookup loss."""
    calibration_holdout: int = Field(0, ge=0, le=10**9)
    """Keep this many training questions (a choice fixed by ``holdout_seed``) out of training, to fit the confidence calibration on afterwards."""
    calibration_by_table: bool = False
    """Hold out whole tables (every question on them) until ``calibration_holdout`` questions are kept, so calibration, like a new question, meets tables the model never trained on."""
    shuffle_unordered: bool = False
    """Train questions that name no row order (no "first", "next", "above", ...) on their table with its rows shuffled anew each time, so a program that is right only because of the row order earns nothing."""
    size_buckets: int = Field(0, ge=0, le=1_000_000)
    """0: plain shuffling. N: every N batches' worth of shuffled questions is sorted by table size before it is cut into batches (batch order shuffled again), so a batch pads less."""
    eval_every: int = Field(500, ge=1, le=10**9)
    """Evaluate on dev and checkpoint every this many steps."""
    seed: int = Field(0, ge=0, le=2**32 - 1)
    """Seed for parameters, shuffling and dropout."""
    holdout_seed: int | None = Field(None, ge=0, le=2**32 - 1)
    """Seed that picks the ``calibration_holdout`` questions; none means ``seed``. Models that share it (and their data) hold out the same questions and build the same vocabulary, so they can join one ensemble while their ``seed`` differs."""
    max_minutes: float | None = Field(None, gt=0, le=10**7)
    """Stop (with a final evaluation and checkpoint) once training has run this long, counting the runs a ``--resume`` continues; none means no limit. With a limit, the learning-rate decay follows whichever comes first, the planned steps or the time, so it ends on schedule when the machine is slower than planned (runs with a limit are therefore not bit-for-bit repeatable)."""
    threads: int | None = Field(None, ge=1, le=1024)
    """torch intra-op threads; none leaves torch's default."""

    @property
    def held_out_by(self) -> int:
        """The seed that picks the held-out calibration questions: ``holdout_seed``, or ``seed`` when that is none."""
        return self.seed if self.holdout_seed is None else self.holdout_seed

    @model_validator(mode="after")
    def _limits(self) -> TrainConfig:
        if self.dev_limit is not None and self.dev_split is None:
            raise ValueError("dev_limit needs a dev_split")
        if any(not 0 < share < 1 for share in self.snapshots) or list(self.snapshots) != sorted(set(self.snapshots)):
            raise ValueError(f"snapshots are distinct shares of training between 0 and 1, in increasing order, not {list(self.snapshots)}")
        named = [self.train_split, *self.extra_train_splits]
        for split in self.extra_train_splits:
            if named.count(split) > 1 or split == self.dev_split:
                raise ValueError(f"extra_train_splits names {split!r}, which is {'the dev split' if split == self.dev_split else 'trained on already'}")
        return self


def load_config(path: str | Path, overrides: dict | None = None) -> TrainConfig:
    """Read a JSON training config; errors name the file and the offending key."""
    path = Path(path)
    try:
        raw = json.loads(read_bytes(path, "config", error=ConfigError).decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid JSON ({error})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not a config (JSON nested too deeply)") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a config is a JSON object")
    raw.update(overrides or {})
    return parse_config(raw, str(path))


def parse_config(raw: dict, source: str = "config", error: type[NeuprogError] = ConfigError) -> TrainConfig:
    """A `TrainConfig` from plain data; the first invalid value raises ``error`` naming ``source`` and the key."""
    return validate(TrainConfig, raw, source, error)


def validate(kind: type[BaseModel], raw, source: str = "config", error: type[NeuprogError] = ConfigError):
    """``kind`` built from ``raw``; a validation failure is one line naming the key, the rule and the value given.

    >>> validate(ModelConfig, {"hidden": 10**6}, "c.json")
    Traceback (most recent call last):
    neuprog.errors.ConfigError: c.json: hidden: Input should be less than or equal to 2048 (got 1000000)
    """
    try:
        return kind.model_validate(raw)
    except ValidationError as failure:
        first = failure.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        given = "" if first["type"] in ("missing", "extra_forbidden") or isinstance(first["input"], dict) else f" (got {str(first['input'])[:60]})"
        raise error(f"{source}: {where}: {' '.join(first['msg'].split())}{given}") from None
