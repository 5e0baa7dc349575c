"""Ensembles: models trained apart that answer as one, each program's probability a vote for the answer it gives."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

import torch
from torch import nn

from neuprog.errors import CheckpointError
from neuprog.lang.choices import Choices
from neuprog.model.ask import MIN_CONFIDENCE, MIN_GROUNDED, AskResult, TableLike, ask, pipeline, predict_questions
from neuprog.model.calibration import calibrated, identity, signal_names, signals
from neuprog.model.config import TrainConfig
from neuprog.model.features import Batch, Sample, collate
from neuprog.model.folder import write_ensemble
from neuprog.model.prediction import Prediction
from neuprog.tables.question import Question
from neuprog.tables.table import Table

PROGRAMS = 8
"""Programs each member offers per question by default: the most probable distinct ones."""


class Ensemble(nn.Module):
    """Several trained `NeuralProgrammer` models that answer together.

    Each member offers its ``programs`` most probable distinct programs for a question
    (`NeuralProgrammer.candidates`), run on the table; each program's probability is a
    vote for the answer it gives, and the answer with the most votes wins. The winning
    answer is shown with the most probable program that gives it, so every printed
    program still reproduces its answer. Members share their ops, vocabulary, steps
    and constant limit (one batch serves them all), which holds for members trained
    on one dataset with one ``holdout_seed``.

    >>> from neuprog import NeuralProgrammer
    >>> model = NeuralProgrammer.from_pretrained()  # the bundled model is an ensemble
    >>> model.names, model.programs
    (['chosen-profile-stems-ranges-exists', 'profile-wd30-stems-ranges-exists'], 8)
    >>> model.ask("examples/cities.csv", "how many cities are there?").value
    8.0
    """

    def __init__(
        self, members: Sequence[nn.Module], programs: int = PROGRAMS, names: Sequence[str] | None = None, configs: Sequence[TrainConfig] | None = None
    ) -> None:
        super().__init__()
        if not members:
            raise CheckpointError("an ensemble needs at least one member")
        self.names = list(names) if names is not None else [f"member-{i}" for i in range(len(members))]
        check_members(members, self.names)
        self.members = nn.ModuleList(members)
        self.programs = programs
        self.configs = list(configs) if configs is not None else [None] * len(members)  # how each member was trained, saved with it
        first = members[0]
        self.registry, self.vocab, self.config = first.registry, first.vocab, first.config
        self.register_buffer("calibration", identity(len(signal_names(self.registry))))  # (F + 1,) fitted on the votes, not a member's

    @property
    def device(self) -> torch.device:
        return self.calibration.device

    @torch.no_grad()
    def predict(self, batch: Batch, with_choices: bool = False):
        """Each question's winning answer, shown by its most probable program (and the choices of the member that offered it, if asked).

        A prediction's ``raw_confidence`` is the votes of its answer over the number of
        members, and ``fallback`` the rank of its program among its member's offers.
        """
        batch = batch.to(self.device)
        offered = [member.candidates(batch, self.programs, with_choices=True, calibrate=False) for member in self.members]
        predictions, winners = [], []
        for b, sample in enumerate(batch.samples):
            member, prediction, share = vote([found[b] for _, found in offered], sample.question)
            if prediction is None:  # every member rules out every program it ranked: the first member's own prediction
                prediction = self.members[0].predict(collate([sample], self.vocab).to(self.device))[0]
            sure = calibrated(self.calibration, signals(self.registry, sample.question, prediction.program, prediction.texts, share))
            predictions.append(replace(prediction, confidence=sure, raw_confidence=share))
            winners.append(member)
        if not with_choices:
            return predictions
        rows = [offered[member][0] for member in winners]
        # (B, T, O), (B, T, O, C), (B, T, O, K): each question's row of the member whose program is shown
        choices = Choices(*(torch.stack([getattr(one, part)[b] for b, one in enumerate(rows)]) for part in ("ops", "columns", "constants")))
        return choices, predictions

    def save_pretrained(self, path, metrics: dict | None = None, config: TrainConfig | None = None):
        """Write the ensemble to the folder ``path``: a model folder per member, then the ensemble's description (`write_ensemble`).

        ``config`` is ignored: each member is saved with its own.
        """
        members = {
            name: {
                "state": member.state_dict(),
                "config": config or TrainConfig(data="(not recorded)", model=member.config, scalar_weight=member.scalar_weight),
                "words": member.vocab.words,
                "ops": member.registry.names,
            }
            for name, member, config in zip(self.names, self.members, self.configs)
        }
        return write_ensemble(path, members, self.programs, self.calibration.tolist(), metrics)

    def predict_questions(self, table: Table, questions: Sequence[str]) -> tuple[list[Sample], Choices, list]:
        """Read questions against one table, then predict each one: the path of ask, explain and plot."""
        return predict_questions(self, table, questions)

    def ask(
        self, table: TableLike, questions: str | Sequence[str], min_confidence: float = MIN_CONFIDENCE, min_grounded: int = MIN_GROUNDED
    ) -> AskResult | list[AskResult]:
        """Answer a question (or a list of them) about a table, as `NeuralProgrammer.ask` does."""
        return ask(self, table, questions, min_confidence, min_grounded)

    def __call__(self, *args, table: TableLike = None, query: str | Sequence[str] | None = None, **options):
        """Answer like the Hugging Face table-QA pipeline, as a `NeuralProgrammer` called with ``table=`` and ``query=`` does."""
        return pipeline(self, *args, table=table, query=query, **options)


def answer_key(texts: Sequence[str]) -> tuple[str, ...]:
    """What two answers must share to pool their votes: their texts, stripped, lower-cased, in any order.

    >>> answer_key(["Rome ", "oslo"]) == answer_key(["Oslo", "rome"])
    True
    """
    return tuple(sorted(text.strip().lower() for text in texts))


def vote(offers: Sequence[Sequence[Prediction]], question: Question | None = None) -> tuple[int, Prediction | None, float]:
    """(member, prediction, share of the votes) of the answer that several models' offers for one question favour.

    ``offers`` holds each member's predictions, most probable first; each one's
    probability (``raw_confidence``) is a vote for its answer. The winner is shown by
    the most probable prediction that gives it, its ``fallback`` the rank among its
    member's offers. Offers of blank cells cast no vote, nor, when the ``question``
    is given, answers of a kind that cannot answer it (`answer_misfit`: one that
    only repeats it, say) unless every answer is such. When
    no offer answers, the most probable offer of the first member that made one
    (its share 0); no prediction when nobody offers any.

    >>> oslo, rome = Prediction(None, None, ["Oslo"], 0.0, raw_confidence=0.5), Prediction(None, None, ["Rome"], 0.0, raw_confidence=0.4)
    >>> member, winner, share = vote([[oslo, rome], [rome]])
    >>> member, winner.texts, share
    (0, ['Rome'], 0.4)
    """
    answered = [[(rank, prediction) for rank, prediction in enumerate(found) if prediction.answered] for found in offers]
    if question is not None:
        answering = [[(rank, prediction) for rank, prediction in found if prediction.answers(question)] for found in answered]
        answered = answering if any(answering) else answered
    votes: dict[tuple[str, ...], float] = defaultdict(float)
    shown: dict[tuple[str, ...], tuple[int, Prediction]] = {}
    for member, found in enumerate(answered):
        for rank, prediction in found:
            key = answer_key(prediction.texts)
            votes[key] += prediction.raw_confidence
            if key not in shown or prediction.raw_confidence > shown[key][1].raw_confidence:
                shown[key] = member, replace(prediction, fallback=rank)
    if not votes:
        member = next((m for m, found in enumerate(offers) if found), 0)
        return member, offers[member][0] if offers and offers[member] else None, 0.0
    key = max(votes, key=votes.get)
    member, prediction = shown[key]
    return member, prediction, min(1.0, votes[key] / len(offers))


def check_members(members: Sequence[nn.Module], names: Sequence[str]) -> None:
    """Refuse members that cannot share a batch: another op list, vocabulary, step count or constant limit than the first's.

    The error names the member and what differs.
    """
    if len(names) != len(members):
        raise CheckpointError(f"an ensemble of {len(members)} members has {len(names)} names")
    first = members[0]
    for name, member in zip(names[1:], members[1:]):
        for what, mine, theirs in (
            ("ops", member.registry.names, first.registry.names),
            ("vocabulary", member.vocab.words, first.vocab.words),
            ("subword buckets", member.config.subword_buckets, first.config.subword_buckets),
            ("steps", member.config.steps, first.config.steps),
            ("max_constants", member.config.max_constants, first.config.max_constants),
        ):
            if mine != theirs:
                raise CheckpointError(
                    f"{name}: its {what} differ from {names[0]}'s; ensemble members must share ops, vocabulary (train them on one dataset with one holdout_seed), steps and max_constants"
                )
