"""Adaptive computation time: halting probabilities form a distribution, and the decoded program stops where their argmax says."""

from __future__ import annotations

from pathlib import Path

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from neuprog.lang.choices import Choices
from neuprog.lang.ops import BUILTINS
from neuprog.model.config import ModelConfig
from neuprog.model.features import Vocab, collate
from neuprog.model.halting import EPSILON, halting_distribution
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.wtq.samples import load_samples

SAMPLE = Path(__file__).parent.parent / "datasets" / "wtq-sample"
COUNT = BUILTINS.names.index("count")
FILTER = BUILTINS.names.index("greater")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.floats(0.001, 0.999), min_size=1, max_size=8), min_size=1, max_size=4).filter(lambda rows: len({len(r) for r in rows}) == 1))
def test_halting_probabilities_sum_to_one_and_end_where_the_units_first_reach_one(rows):
    units = torch.tensor(rows, dtype=torch.float64)
    probabilities, ponder = halting_distribution(units)
    assert torch.allclose(probabilities.sum(1), torch.ones(len(rows), dtype=torch.float64))
    assert (probabilities >= 0).all()
    for row, p, cost in zip(rows, probabilities.tolist(), ponder.tolist()):
        total, end = 0.0, len(row) - 1
        for t, unit in enumerate(row[:-1]):
            total += unit
            if total >= 1 - EPSILON:
                end = t
                break
        assert all(x == 0 for x in p[end + 1 :]) and p[end] > 0, "nothing after the halting step"
        assert p[:end] == row[:end], "steps before it halt with their own unit"
        assert abs(cost - (end + 1 + p[end])) < 1e-9, "the ponder cost is N + R"


def test_the_ponder_cost_pushes_halting_earlier():
    logits = torch.zeros(1, 4, requires_grad=True)
    _, ponder = halting_distribution(torch.sigmoid(logits) * 0.3)
    ponder.sum().backward()
    assert (logits.grad[0, :-1] < 0).all(), "raising an early unit lowers the cost"


def _choices(halting: list[float], ops: list[int]) -> Choices:
    T, O = len(ops), len(BUILTINS)
    hot = lambda index, size: torch.nn.functional.one_hot(torch.tensor(index), size).float()
    return Choices(hot(ops, O).unsqueeze(0), torch.full((1, T, O, 2), 0.5), torch.ones(1, T, O, 1), torch.tensor([halting]))


def test_the_decoded_program_stops_at_the_argmax_halting_step():
    picks = _choices([0.2, 0.5, 0.3, 0.0], [FILTER, COUNT, COUNT, COUNT]).chosen(BUILTINS)
    assert picks.stops.tolist() == [[1]]


def test_a_halting_step_whose_op_cannot_answer_is_passed_over():
    choices = _choices([0.3, 0.6, 0.1, 0.0], [COUNT, FILTER, FILTER, COUNT])
    assert choices.stops(BUILTINS).tolist() == [0], "a filter cannot end a program: the most probable step that answers does"
    assert choices.argmax(BUILTINS).halting.tolist() == [[1.0, 0.0, 0.0, 0.0]]


def test_an_act_model_decodes_programs_as_long_as_its_halting_argmax_and_its_probabilities_sum_to_one():
    torch.manual_seed(1)
    samples = load_samples(SAMPLE, "sample-train", limit=24)
    model = NeuralProgrammer(BUILTINS, Vocab.build(samples), ModelConfig(hidden=16, embedding=8, steps=5, halting="act", fallback_programs=0))
    batch = collate(samples, model.vocab)
    with torch.no_grad():
        model.controller.halt.bias.fill_(-0.5)  # a wide spread of program lengths from the start
    choices, predictions = model.predict(batch, with_choices=True)
    assert torch.allclose(choices.halting.sum(1), torch.ones(len(samples)))
    lengths = [len(p.program.steps) for p in predictions]
    answers = torch.tensor([op.answers for op in BUILTINS])[choices.ops.argmax(-1)]  # (B, T)
    expected = choices.halting.masked_fill(~answers, -1).argmax(1) + 1
    assert lengths == expected.tolist()
    assert len(set(lengths)) > 1 and max(lengths) <= 5
    assert all(p.error is None for p in predictions)


def test_an_act_model_adds_its_ponder_cost_to_the_loss():
    torch.manual_seed(0)
    samples = load_samples(SAMPLE, "sample-train", limit=8)
    config = ModelConfig(hidden=16, embedding=8, halting="act", ponder_weight=0.0)
    model = NeuralProgrammer(BUILTINS, Vocab.build(samples), config)
    batch = collate(samples, model.vocab)
    model.eval()
    choices, _, without = model(batch)
    model.config = config.model_copy(update={"ponder_weight": 0.5})
    _, _, weighted = model(batch)
    assert torch.isclose(weighted - without, 0.5 * choices.ponder.mean())
