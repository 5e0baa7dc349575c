"""The Neural Programmer: controller plus soft executor; it owns its loss and decodes programs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import torch
from torch import nn

from .config import ModelConfig
from .controller import Controller
from .data import Batch, Vocab
from .interpret import Answer, answer_texts, interpret
from .loss import answer_loss
from .program import Program
from .registry import Registry
from .search import search_loss
from .soft import Choices, Execution, decode, execute


@dataclass
class Prediction:
    """The decoded program for one question, its answer and how sure the model was."""

    program: Program
    answer: Answer | None
    texts: list[str]
    confidence: float
    error: str | None = None
    trace: list = field(default_factory=list, repr=False)  # every step's exact result, in order


class NeuralProgrammer(nn.Module):
    """``model(batch, hard=False) -> (choices, execution, loss)``; the loss is None for batches without answers."""

    def __init__(self, registry: Registry, vocab: Vocab, config: ModelConfig, scalar_weight: float = 1.0) -> None:
        super().__init__()
        self.registry, self.vocab, self.config = registry, vocab, config
        self.scalar_weight = scalar_weight
        self.controller = Controller(registry, len(vocab), config)
        self.memory: dict[str, list] = {}  # question id -> correct programs found by search while training

    @property
    def device(self) -> torch.device:
        return self.controller.ops.device

    def forward(self, batch: Batch, hard: bool = False) -> tuple[Choices, Execution, torch.Tensor | None]:
        batch = batch.to(self.device)
        choices = self.controller(batch)
        execution = execute(self.registry, batch.tables, choices, hard=hard)
        loss = None
        if batch.has_scalar.any() or batch.has_cells.any():
            loss = answer_loss(execution, batch, self.registry, self.scalar_weight)
            if self.training and self.config.search_samples:
                loss = loss + self.config.search_weight * search_loss(self.registry, batch, choices, self.config.search_samples, self.config.search_explore, self.memory, self.config.search_memory)
        return choices, execution, loss

    def get_extra_state(self) -> dict:
        """Search memory travels with the weights, as JSON, so a resumed run continues exactly."""
        return {"memory": json.dumps(self.memory)}

    def set_extra_state(self, state: dict) -> None:
        self.memory = {key: [tuple(tuple(part) for part in program) for program in value] for key, value in json.loads(state["memory"]).items()}

    @torch.no_grad()
    def predict(self, batch: Batch, with_choices: bool = False) -> list[Prediction] | tuple[Choices, list[Prediction]]:
        """Decode each question's argmax program and run it exactly on its table (and return the choices too if asked)."""
        was_training = self.training
        self.eval()
        batch = batch.to(self.device)
        choices = self.controller(batch)
        self.train(was_training)
        ops, columns, constants = (index.tolist() for index in choices.chosen())  # (B, T) each
        confidence = self.confidence(choices).tolist()  # (B,)
        predictions = []
        for b, sample in enumerate(batch.samples):
            program = decode(self.registry, ops[b], columns[b], constants[b], sample.table.header, sample.question.literals)
            try:
                trace: list = []
                answer = interpret(program, sample.table, self.registry, trace)
                predictions.append(Prediction(program, answer, answer_texts(answer, sample.table), confidence[b], trace=trace))
            except Exception as error:  # a decoded program always type-checks; keep the batch going regardless
                predictions.append(Prediction(program, None, [], 0.0, error=str(error)))
        return (choices, predictions) if with_choices else predictions

    def confidence(self, choices: Choices) -> torch.Tensor:
        """Probability of the argmax program: product over steps of the chosen op, and of its column and constant if it uses them."""
        chosen = [index.unsqueeze(1) for index in choices.chosen()]  # three (B, 1, T)
        return choices.log_prob(self.registry, *chosen).sum(2).squeeze(1).exp()  # (B,)

    # -- the user-facing API --------------------------------------------------------------------

    @classmethod
    def from_pretrained(cls, path=None, registry: Registry | None = None) -> NeuralProgrammer:
        """A saved model folder, or without ``path`` the model bundled with neuprog.

        >>> model = NeuralProgrammer.from_pretrained()
        >>> model.ask("examples/cities.csv", "how many cities are there?").value
        8.0
        """
        from .pretrained import from_pretrained

        return from_pretrained(path, registry)

    def save_pretrained(self, path, metrics: dict | None = None):
        """Write this model to the folder ``path`` (safetensors weights and a JSON description)."""
        from .pretrained import save_pretrained

        return save_pretrained(self, path, metrics)

    def ask(self, table, questions, min_confidence: float = 0.0):
        """Answer a question (or a list of them) about a CSV path, a Table or a DataFrame; see `neuprog.ask.AskResult`."""
        from .ask import ask

        return ask(self, table, questions, min_confidence)
