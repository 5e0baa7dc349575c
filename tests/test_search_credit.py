"""How the search term shares credit among correct programs, and training on search alone."""

from __future__ import annotations

import math

import pytest
import torch

from neuprog.lang.cues import licensed
from neuprog.model.features import collate
from neuprog.model.search import shared_credit
from tests.test_controller_options import model_with

INF = float("inf")


def test_beta_one_is_the_marginal_likelihood_of_the_correct_programs():
    program = torch.tensor([[math.log(0.5), math.log(0.25), -INF], [math.log(0.1), -INF, -INF]])
    expected = -(math.log(0.75) + math.log(0.1)) / 2
    assert shared_credit(program).item() == pytest.approx(expected)


def test_beta_zero_gives_every_correct_program_the_same_gradient_whatever_its_probability():
    program = torch.tensor([[math.log(0.5), math.log(0.01), -INF]], requires_grad=True)
    shared_credit(program, beta=0.0).backward()
    assert program.grad.tolist() == [[-0.5, -0.5, 0.0]]


def test_beta_one_gives_the_more_probable_program_more_of_the_gradient():
    program = torch.tensor([[math.log(0.5), math.log(0.01), -INF]], requires_grad=True)
    shared_credit(program).backward()
    assert program.grad[0, 0] < program.grad[0, 1] < 0 == program.grad[0, 2]


def test_a_question_whose_correct_programs_are_all_impossible_adds_nothing():
    program = torch.tensor([[-INF, -INF], [math.log(0.5), -INF]], requires_grad=True)
    loss = shared_credit(program, beta=0.5)
    loss.backward()
    assert loss.item() == pytest.approx(math.log(2)) and torch.isfinite(program.grad).all()
    assert shared_credit(torch.full((1, 2), -INF), beta=0.0).item() == 0.0


@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0])
def test_search_alone_trains_the_controller_without_soft_execution(beta):
    model, samples = model_with({}, search_samples=8, search_memory=2, search_explore=0.5, answer_weight=0.0, search_beta=beta)
    batch = collate(samples, model.vocab)
    model.train()
    losses = []
    for _ in range(3):
        _, execution, loss = model(batch)
        assert execution is None  # search alone runs programs exactly; nothing is soft-executed
        loss.backward()
        losses.append(loss.item())
    assert all(math.isfinite(value) for value in losses) and model.memory, "search found and remembered correct programs"
    assert model.controller.ops.grad is not None and model.controller.ops.grad.abs().sum() > 0
    model.eval()
    assert model(batch)[1] is not None, "outside training the soft execution is still there to inspect"


def test_with_cues_search_remembers_only_programs_whose_ops_the_question_licenses():
    model, samples = model_with({}, search_samples=12, search_memory=4, search_explore=0.8, search_cues=True)
    batch = collate(samples, model.vocab)
    model.train()
    for _ in range(4):
        model(batch)[-1].backward()
    assert model.memory, "search found correct programs the questions license"
    questions = {sample.id: set(sample.question.tokens) for sample in samples}
    for question_id, programs in model.memory.items():
        for program in programs:
            ops = [model.registry.names[index] for index in program[0]]
            assert all(licensed(model.registry[name].cues, questions[question_id]) for name in ops), (question_id, ops)


def test_without_cues_search_credits_programs_the_question_does_not_license():
    model, samples = model_with({}, search_samples=12, search_memory=4, search_explore=0.8)
    batch = collate(samples, model.vocab)
    model.train()
    for _ in range(4):
        model(batch)[-1].backward()
    questions = {sample.id: set(sample.question.tokens) for sample in samples}
    unlicensed = [
        program
        for question_id, programs in model.memory.items()
        for program in programs
        if not all(licensed(model.registry[model.registry.names[index]].cues, questions[question_id]) for index in program[0])
    ]
    assert unlicensed, "the cue test above would pass without cues: it must see programs cues rule out"


def test_cues_are_lowercase_words_and_the_lexical_ops_declare_them():
    from neuprog.lang.ops import BUILTINS

    for op in BUILTINS:
        assert all(word == word.lower() and word.isalpha() for word in op.cues), op.name
    assert {op.name for op in BUILTINS if op.cues} >= {"argmax", "argmin", "most_common", "first", "last", "sum", "average", "difference", "greater"}
