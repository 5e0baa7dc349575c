"""The Neural Programmer: controller plus soft executor; it owns its loss and decodes programs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace

import torch
from torch import nn

from neuprog.errors import CheckpointError, ExecutionError, WrongTypeError
from neuprog.lang.choices import Choices, Picks
from neuprog.lang.interpret import answer_texts, interpret
from neuprog.lang.literals import literals_of
from neuprog.lang.ops import BUILTINS
from neuprog.lang.registry import Registry
from neuprog.lang.soft import Execution, decode, execute
from neuprog.lang.tree import Program
from neuprog.model.ask import MIN_CONFIDENCE, MIN_GROUNDED, AskResult, TableLike, ask, pipeline, predict_questions
from neuprog.model.calibration import calibrated, identity, signal_names, signals
from neuprog.model.config import ModelConfig, TrainConfig
from neuprog.model.controller import Controller
from neuprog.model.ensemble import Ensemble
from neuprog.model.features import Batch, Sample, Vocab
from neuprog.model.folder import BUNDLED, check_names, check_weights, is_ensemble, read_ensemble, read_folder, registry_for, write_folder
from neuprog.model.loss import answer_loss, answerable_questions
from neuprog.model.prediction import Prediction
from neuprog.model.search import ExpectedPolicy, SteeredPolicy, search_loss
from neuprog.tables.table import Table


class NeuralProgrammer(nn.Module):
    """``model(batch, hard=False) -> (choices, execution, loss)``; the loss is None for batches without answers.

    The execution is None only while training on search alone (``answer_weight`` 0).
    """

    def __init__(self, registry: Registry, vocab: Vocab, config: ModelConfig, scalar_weight: float = 1.0) -> None:
        super().__init__()
        self.registry, self.config = registry, config
        self.vocab = vocab if vocab.subword_buckets == config.subword_buckets else Vocab(vocab.words, config.subword_buckets)
        self.scalar_weight = scalar_weight
        self.controller = Controller(registry, len(vocab), config)
        self.memory: dict[str, list] = {}  # question id -> correct programs found by search while training
        self.register_buffer("calibration", identity(len(signal_names(registry))))  # (F + 1,) logistic weights, bias last

    @property
    def device(self) -> torch.device:
        return self.controller.ops.device

    def forward(self, batch: Batch, hard: bool = False) -> tuple[Choices, Execution | None, torch.Tensor | None]:
        batch = batch.to(self.device)
        searching = self.training and self.config.search_samples > 0
        soft = not (searching and self.config.answer_weight == 0)  # search alone needs no soft execution
        encoded = self.controller.encode(batch)
        policy = (
            ExpectedPolicy(self.controller(batch, encoded=encoded))
            if self.config.history_input == "expected"
            else SteeredPolicy(self.controller, batch, encoded)
        )
        execution = execute(self.registry, batch.tables, policy.choices, hard=hard) if soft else None
        loss = None
        if answerable_questions(batch, self.registry).any():
            if execution is not None:
                loss = self.config.answer_weight * answer_loss(execution, batch, self.registry, self.scalar_weight)
            else:
                loss = policy.zero()  # search alone: the search term below is the whole loss
            if self.config.halting == "act":
                loss = loss + self.config.ponder_weight * policy.choices.ponder.mean()
            if searching:
                loss = loss + self.config.search_weight * search_loss(self.registry, batch, policy, self.config, self.memory)
        return policy.choices, execution, loss

    def get_extra_state(self) -> dict:
        """Search memory travels with the weights, as JSON, so a resumed run continues exactly."""
        return {"memory": json.dumps(self.memory)}

    def set_extra_state(self, state: dict) -> None:
        try:
            memory = json.loads(state["memory"])
            self.memory = {str(key): [tuple(tuple(part) for part in program) for program in value] for key, value in memory.items()}
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
            raise CheckpointError("the search memory saved with the weights is malformed") from None

    @torch.no_grad()
    def predict(self, batch: Batch, with_choices: bool = False) -> list[Prediction] | tuple[Choices, list[Prediction]]:
        """Decode each question's argmax program and run it exactly on its table (and return the choices too if asked).

        When that program gives no answer (nothing, blank cells or a failed run) or one
        of a kind that cannot answer the question (`answer_misfit`: one that only repeats
        it, a name for "how many"), the next most probable programs (up
        to the config's ``fallback_programs``) are run in turn and the first that answers
        the question is the prediction; failing that, the first that gives any answer.
        """
        batch = batch.to(self.device)
        choices = self._choices(batch)
        confidence = self.confidence(choices).tolist()  # (B,)
        decoded = [self._decode(sample, programs[0]) for sample, programs in zip(batch.samples, _rows(choices.chosen(self.registry)))]
        predictions = [self._run(sample, program, confidence[b]) for b, (sample, program) in enumerate(zip(batch.samples, decoded))]
        failed = [b for b, (sample, prediction) in enumerate(zip(batch.samples, predictions)) if not prediction.answers(sample.question)]
        if failed and self.config.fallback_programs:
            ranked = self._ranked(batch, choices, self.config.fallback_programs + 1)
            for b in failed:
                sample, others = batch.samples[b], (found for found in ranked[b] if found[0] != predictions[b].program)
                for tried, (program, chance) in enumerate(others, 1):
                    prediction = replace(self._run(sample, program, chance), fallback=tried)
                    if prediction.answers(sample.question):
                        predictions[b] = prediction
                        break
                    if prediction.answered and not predictions[b].answered:
                        predictions[b] = prediction  # an answer at least, until one that answers the question turns up
        return (choices, predictions) if with_choices else predictions

    @torch.no_grad()
    def candidates(
        self, batch: Batch, count: int, with_choices: bool = False, calibrate: bool = True
    ) -> list[list[Prediction]] | tuple[Choices, list[list[Prediction]]]:
        """Up to ``count`` most probable distinct programs of each question (`Choices.ranked`), each run on its table, most probable first.

        Each prediction's ``raw_confidence`` is its program's probability; an
        `Ensemble` pools several models' answers from these and, calibrating the
        pooled vote itself, asks for no ``calibrate`` (confidences left at 0).
        """
        batch = batch.to(self.device)
        choices = self._choices(batch)
        ranked = self._ranked(batch, choices, count)
        found = [[self._run(sample, program, chance, calibrate) for program, chance in programs] for sample, programs in zip(batch.samples, ranked)]
        return (choices, found) if with_choices else found

    def _choices(self, batch: Batch) -> Choices:
        """The controller's choices for ``batch`` in evaluation mode (no dropout); the training mode is left as it was."""
        was_training = self.training
        self.eval()
        choices = self.controller(batch)
        self.train(was_training)
        return choices

    def _ranked(self, batch: Batch, choices: Choices, count: int) -> list[Iterator[tuple[Program, float]]]:
        """Per question, its ``count`` most probable programs (`Choices.ranked`) the controller allows, distinct, most probable first, with their probabilities; decoded as they are read."""
        ranked = choices.ranked(self.registry, count)
        likelihood = choices.log_prob(self.registry, ranked).exp().tolist()  # (B, S)
        return [self._distinct(sample, programs, chances) for sample, programs, chances in zip(batch.samples, _rows(ranked), likelihood)]

    def _distinct(self, sample: Sample, programs: list[dict], chances: list[float]) -> Iterator[tuple[Program, float]]:
        seen = set()
        for picks, chance in zip(programs, chances):
            if chance <= 0.0:  # a program the controller rules out
                continue
            program = self._decode(sample, picks)
            if program not in seen:
                seen.add(program)
                yield program, chance

    def _decode(self, sample: Sample, picks: dict) -> Program:
        """The program of one question's choices, given as plain indices (one program of `_rows`)."""
        header, literals = sample.table.header, literals_of(sample.question.constants)
        return decode(self.registry, picks["ops"], picks["columns"], picks["constants"], header, literals, picks.get("reads"), picks.get("stops"))

    def _run(self, sample: Sample, program: Program, probability: float, calibrate: bool = True) -> Prediction:
        """The prediction of ``program`` on the sample's table, with its probability under the controller (and its calibrated confidence, unless not to ``calibrate``)."""
        try:
            trace: list = []
            answer = interpret(program, sample.table, self.registry, trace)
            texts = answer_texts(answer, sample.table)
            sure = calibrated(self.calibration, signals(self.registry, sample.question, program, texts, probability)) if calibrate else 0.0
            return Prediction(program, answer, texts, sure, trace=trace, raw_confidence=probability)
        except ExecutionError as error:  # a user op may refuse its input; other exceptions are bugs and propagate
            return Prediction(program, None, [], 0.0, error=str(error), raw_confidence=probability)

    def confidence(self, choices: Choices) -> torch.Tensor:
        """Probability of the argmax program: product over its steps of the chosen op, and of its column, constant and reads if it uses them (and of halting where it ends)."""
        return choices.log_prob(self.registry, choices.chosen(self.registry)).squeeze(1).exp()  # (B,)

    def predict_questions(self, table: Table, questions: Sequence[str]) -> tuple[list[Sample], Choices, list[Prediction]]:
        """Read questions against one table, then decode and run each one's program: the path of ask, explain and plot."""
        return predict_questions(self, table, questions)

    # -- the user-facing API --------------------------------------------------------------------

    @classmethod
    def from_pretrained(cls, path=None, registry: Registry | None = None) -> NeuralProgrammer | Ensemble:
        """A saved model folder, or without ``path`` the model bundled with neuprog; an `Ensemble` (the same ``ask`` and call) when the folder holds one.

        >>> model = NeuralProgrammer.from_pretrained()
        >>> model.ask("examples/cities.csv", "how many cities are there?").value
        8.0
        """
        return open_folder(BUNDLED if path is None else path, registry or BUILTINS)[0]

    def save_pretrained(self, path, metrics: dict | None = None, config: TrainConfig | None = None):
        """Write this model to the folder ``path`` (safetensors weights and a JSON description, with ``config``, how it was trained, if known)."""
        config = config or TrainConfig(data="(not recorded)", model=self.config, scalar_weight=self.scalar_weight)
        return write_folder(path, self.state_dict(), config, self.vocab.words, self.registry.names, metrics)

    def ask(
        self, table: TableLike, questions: str | Sequence[str], min_confidence: float = MIN_CONFIDENCE, min_grounded: int = MIN_GROUNDED
    ) -> AskResult | list[AskResult]:
        """Answer a question (or a list of them) about a table; see `AskResult`.

        The table is a file path (CSV, TSV, Parquet, Excel, JSON, SQLite), a DataFrame,
        a dict of column lists or a `Table`. A result abstains when fewer than
        ``min_grounded`` words of the question name a column, cell, number or date of
        the table, or when the program's probability is below ``min_confidence``.
        """
        return ask(self, table, questions, min_confidence, min_grounded)

    def __call__(self, *args, table: TableLike = None, query: str | Sequence[str] | None = None, **options):
        """``model(batch)`` runs the network; ``model(table=..., query=...)`` answers like the Hugging Face table-QA pipeline.

        >>> model = NeuralProgrammer.from_pretrained()
        >>> model(table={"City": ["Oslo", "Bergen"], "Population": ["709,037", "291,940"]}, query="how many cities are there?")["answer"]
        '2'
        """
        if table is not None or query is not None or (args and not isinstance(args[0], Batch)):
            return pipeline(self, *args, table=table, query=query, **options)
        return super().__call__(*args, **options)


def assemble(config: TrainConfig, words: list[str], ops: list[str], weights: dict, registry: Registry, where, tensors_only: bool = False) -> NeuralProgrammer:
    """A model of ``config`` over ``registry``'s ``ops`` with ``weights`` loaded; errors name ``where``.

    ``tensors_only`` weights (safetensors) lack the non-tensor state, the search memory,
    which then starts empty.
    """
    check_names(words, ops, where)
    subset = registry_for(registry, ops, where)
    with torch.device("meta"):  # the shapes the config asks for, checked against the weights before any memory is spent
        shapes = NeuralProgrammer(subset, Vocab(words), config.model, config.scalar_weight).state_dict()
    check_weights(shapes, weights, where, optional=("calibration",))
    model = NeuralProgrammer(subset, Vocab(words), config.model, config.scalar_weight)
    if tensors_only:
        weights = {**{name: value for name, value in model.state_dict().items() if not isinstance(value, torch.Tensor)}, **weights}
    weights = {"calibration": model.calibration, **weights}  # models saved before calibration existed are uncalibrated
    try:
        model.load_state_dict(weights)
    except (RuntimeError, KeyError) as error:
        raise CheckpointError(f"{where}: weights do not fit this model ({str(error).splitlines()[0][:160]})") from None
    model.eval()
    return model


def open_folder(where, registry: Registry) -> tuple[NeuralProgrammer | Ensemble, TrainConfig, dict]:
    """The model of a model folder or ensemble folder, its config (an ensemble's first member's) and its recorded metrics."""
    if not isinstance(where, (str, os.PathLike)):
        raise WrongTypeError(f"a model folder is a path, not {type(where).__name__}")
    if is_ensemble(where):
        folders, programs, calibration, metrics = read_ensemble(where)
        opened = [open_folder(folder, registry) for folder in folders]
        ensemble = Ensemble([model for model, _, _ in opened], programs, [folder.name for folder in folders], [config for _, config, _ in opened])
        if len(calibration) != ensemble.calibration.numel():
            raise CheckpointError(f"{where}: its calibration has {len(calibration)} weights, the ensemble's ops need {ensemble.calibration.numel()}")
        ensemble.calibration.copy_(torch.tensor(calibration))
        return ensemble, opened[0][1], metrics
    config, words, ops, weights, metrics = read_folder(where)
    return assemble(config, words, ops, weights, registry, where, tensors_only=True), config, metrics


def _rows(picks: Picks) -> list[list[dict]]:
    """Picks as plain lists, converted once: per question, its S programs, each a dict of the indices `decode` takes."""
    parts = {name: value.tolist() for name, value in vars(picks).items() if value is not None}
    B, S = picks.ops.shape[:2]
    return [[{name: value[b][s] for name, value in parts.items()} for s in range(S)] for b in range(B)]
