"""Ranked programs and the fallback to the most probable program that answers when the decoded one does not."""

from __future__ import annotations

import itertools

import torch

from neuprog import BUILTINS, Table
from neuprog.lang.choices import Picks
from neuprog.lang.interpret import answer_texts, interpret
from neuprog.lang.parse import parse
from neuprog.lang.program import render
from neuprog.lang.values import Column, Constant
from neuprog.model.config import ModelConfig
from neuprog.model.features import Vocab, collate, make_sample
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.tables.question import echoes
from neuprog.wtq.samples import load_samples

SAMPLE = "datasets/wtq-sample"
CITIES = Table.from_rows(["City", "Population"], [["Oslo", "709,037"], ["Bergen", "291,940"], ["Rome", "2,873,000"]])


def _model(ops: tuple[str, ...], steps: int, samples, seed: int = 0) -> NeuralProgrammer:
    torch.manual_seed(seed)
    registry = BUILTINS.subset(list(ops)) if ops else BUILTINS
    return NeuralProgrammer(registry, Vocab.build(samples), ModelConfig(steps=steps, ops=ops)).eval()


def test_ranked_programs_are_the_most_probable_programs_in_order():
    ops = ("all_rows", "select", "greater", "count", "maximum", "print")
    samples = [make_sample("q", "how many cities have over 500000 people?", CITIES), make_sample("r", "which city is oslo?", CITIES)]
    model = _model(ops, 2, samples)
    batch = collate(samples, model.vocab)
    with torch.no_grad():
        choices = model.controller(batch)
    registry = model.registry
    B, T, _ = choices.ops.shape
    C, K = choices.columns.shape[-1], choices.constants.shape[-1]
    step_options = [
        (o, c, k) for o, op in enumerate(registry) for c in (range(C) if op.uses(Column) else [0]) for k in (range(K) if op.uses(Constant) else [0])
    ]
    every = list(itertools.product(step_options, repeat=T))
    picks = Picks(*(torch.tensor([[[step[part] for step in program] for program in every]] * B) for part in range(3)))
    exhaustive = choices.log_prob(registry, picks).sort(1, descending=True).values[:, :10]  # (B, 10)
    ranked = choices.ranked(registry, 10, per_step=len(step_options))
    found = choices.log_prob(registry, ranked)  # (B, 10)
    assert torch.allclose(found, exhaustive, atol=1e-5)
    assert (found[:, 1:] <= found[:, :1] + 1e-6).all()
    decoded = choices.log_prob(registry, choices.chosen(registry))  # (B, 1) the argmax op's program is no more probable than the first
    assert (decoded[:, 0] <= found[:, 0] + 1e-6).all()


def test_an_empty_or_blank_decoded_answer_falls_back_to_the_most_probable_program_that_answers():
    notes = Table.from_rows(["City", "Notes", "Population"], [["Oslo", "", "709,037"], ["Bergen", " ", "291,940"], ["Rome", "", "2,873,000"]])
    asked = ("what are the notes of oslo?", "which notes does bergen have?", "what is noted for rome?", "notes of the biggest city?")
    samples = [make_sample(f"n{i}", question, notes) for i, question in enumerate(asked)]
    samples += load_samples(SAMPLE, "sample-train") + load_samples(SAMPLE, "sample-dev")
    for model in NeuralProgrammer.from_pretrained().members:  # a trained model of the bundled ensemble whose decoded programs leave some of these empty
        batch = collate(samples, model.vocab)
        model.config = model.config.model_copy(update={"fallback_programs": 0})
        plain = model.predict(batch)
        model.config = model.config.model_copy(update={"fallback_programs": 16})
        choices, guided = model.predict(batch, with_choices=True)
        fell_back = [b for b, p in enumerate(plain) if not p.answered]
        if any(guided[b].answered for b in fell_back):
            break
    assert fell_back, "some of these questions (a column of blank cells, sample questions) decode to programs whose answer is empty or blank"
    assert any(guided[b].answered for b in fell_back), "and a fallback program answers some of them"
    ranked = choices.ranked(model.registry, 17)
    likelihood = choices.log_prob(model.registry, ranked).exp()  # (B, 17)
    for b, (before, after) in enumerate(zip(plain, guided)):
        if before.answered:
            assert after.program == before.program and after.texts == before.texts
            continue
        if not after.answered:  # none of the fallback programs answers either: the decoded program's empty answer stands
            assert after.program == before.program and after.fallback == 0
            continue
        # the decoded program (each step's argmax) need not be the most probable whole program, so the fallback may be more probable than it
        assert after.fallback >= 1 and before.fallback == 0
        table = samples[b].table
        assert answer_texts(interpret(parse(render(after.program)), table), table) == after.texts  # the printed program gives the answer
        for s in range(17):  # every more probable program answers nothing (or is the one chosen)
            if likelihood[b, s] > after.raw_confidence * (1 + 1e-5):
                program = model._decode(
                    samples[b], {"ops": ranked.ops[b, s].tolist(), "columns": ranked.columns[b, s].tolist(), "constants": ranked.constants[b, s].tolist()}
                )
                assert not model._run(samples[b], program, 1.0).answered


def test_candidates_are_distinct_programs_most_probable_first_and_run_as_printed():
    samples = load_samples(SAMPLE, "sample-train", limit=12)
    model = _model((), 3, samples, seed=1)
    batch = collate(samples, model.vocab)
    decoded = model.predict(batch)
    for sample, found, prediction in zip(samples, model.candidates(batch, 6), decoded):
        programs = [candidate.program for candidate in found]
        assert 1 <= len(found) <= 6 and len(set(programs)) == len(programs)
        assert found[0].raw_confidence >= prediction.raw_confidence * (1 - 1e-6), (
            "the first candidate is at least as probable as the decoded (step-by-step argmax) program"
        )
        chances = [candidate.raw_confidence for candidate in found]
        assert chances == sorted(chances, reverse=True) and 0 < chances[-1] <= chances[0] <= 1
        for candidate in found:
            if candidate.error is None:
                assert answer_texts(interpret(parse(render(candidate.program)), sample.table), sample.table) == candidate.texts


def test_a_decoded_answer_that_only_repeats_the_question_falls_back_to_a_program_that_answers_it():
    teams = Table.from_rows(
        ["Team", "Year", "Points"], [["Crettyard", "1990", "12"], ["Confey", "1991", "15"], ["Wolfe Tones", "1992", "9"], ["Naas", "1993", "20"]]
    )
    asked = ("which team won after crettyard?", "which team scored more points than naas?", "which team had the same points as crettyard?")
    asked += ("which team other than confey won?", "which team came before confey?", "did naas or confey score more points?")
    samples = [make_sample(f"t{i}", question, teams) for i, question in enumerate(asked)]
    echoed = 0
    for model in NeuralProgrammer.from_pretrained().members:
        batch = collate(samples, model.vocab)
        model.config = model.config.model_copy(update={"fallback_programs": 0})
        plain = model.predict(batch)
        model.config = model.config.model_copy(update={"fallback_programs": 16})
        guided = model.predict(batch)
        for sample, before, after in zip(samples, plain, guided):
            if before.answers(sample.question):
                assert after.program == before.program, "a decoded answer that answers the question stands"
                continue
            if not before.answered:
                continue  # no answer at all: the test above
            echoed += 1
            assert after.fallback >= 1 and not echoes(sample.question, after.texts) and after.answered
            assert answer_texts(interpret(parse(render(after.program)), teams), teams) == after.texts
    assert echoed >= 2, "the bundled members answer some of these by naming the team the question names"
