"""A controller whose history reads the choices it made: steps depend on the program so far, and search scores programs by following them."""

from __future__ import annotations

import pytest
import torch

from neuprog.errors import ConfigError
from neuprog.lang.choices import Picks
from neuprog.lang.ops import BUILTINS
from neuprog.model.config import parse_config
from neuprog.model.features import collate
from neuprog.model.search import SteeredPolicy
from neuprog.model.steering import Steering
from tests.test_controller_options import model_with


def _chosen_model(questions: int = 12, **more):
    model, samples = model_with({"history_input": "chosen"}, **more)
    return model.eval(), collate(samples[:questions], model.vocab)


def test_following_a_sampled_program_gives_the_probability_it_was_sampled_with():
    model, batch = _chosen_model()
    encoded = model.controller.encode(batch)
    steer = Steering(samples=5, explore=0.5)
    drawn = model.controller(batch, steer, encoded)  # (B * 5, T, ...)
    picks = steer.picks()  # (B, 5, T)
    B, S, T = picks.ops.shape
    as_rows = Picks(*(part.reshape(B * S, 1, T) for part in (picks.ops, picks.columns, picks.constants)))
    sampled = drawn.log_prob(BUILTINS, as_rows).reshape(B, S)
    wanted = torch.rand(B, S) < 0.5
    followed = SteeredPolicy(model.controller, batch, encoded).log_prob(BUILTINS, picks, wanted)
    assert torch.allclose(followed[wanted], sampled[wanted]) and followed[~wanted].isneginf().all()


def test_a_step_depends_on_what_the_earlier_step_picked():
    model, batch = _chosen_model()
    programs = [model.controller(batch).chosen(BUILTINS) for _ in range(2)]  # the greedy program, twice
    other = programs[1].ops.clone()
    other[:, 0, 0] = (other[:, 0, 0] + 1) % len(BUILTINS)  # a different first op, the rest the same
    programs[1] = Picks(other, programs[1].columns, programs[1].constants)
    rows = torch.arange(len(batch.samples))
    runs = [model.controller(batch, Steering(follow=picks, questions=rows)) for picks in programs]
    assert torch.allclose(runs[0].ops[:, 0], runs[1].ops[:, 0]), "the first step has no past to depend on"
    assert not torch.allclose(runs[0].ops[:, 1:], runs[1].ops[:, 1:]), "later steps read the op the first step picked"


def test_greedy_decoding_picks_the_argmax_op_column_and_constant_at_every_step():
    model, batch = _chosen_model()
    steer = Steering()
    choices = model.controller(batch, steer)
    picked, decoded = steer.picks(), choices.chosen(BUILTINS)
    assert all(torch.equal(a, b) for a, b in zip(picked.parts(), decoded.parts()))
    assert torch.equal(model.controller(batch).ops, choices.ops), "greedy is what the controller does when nobody steers it"


def test_search_with_chosen_history_trains_every_part_of_the_controller():
    model, batch = _chosen_model(40, search_samples=8, search_memory=2, search_explore=0.5, answer_weight=0.0, search_beta=0.0)
    model.train()
    _, execution, loss = model(batch)
    loss.backward()
    assert execution is None and model.memory, "search found and remembered correct programs"
    for name in ("ops", "words.weight", "history.weight_ih", "column_control.weight", "constant_control.weight"):
        grad = model.controller.get_parameter(name).grad
        assert grad is not None and grad.abs().sum() > 0, name


@pytest.mark.parametrize("options", [{"halting": "act"}, {"step_memory": "read_head"}])
def test_chosen_history_needs_fixed_halting_and_the_stack_rule(options):
    with pytest.raises(ConfigError, match="history_input 'chosen' needs"):
        parse_config({"data": "d", "model": {"history_input": "chosen", **options}})
