"""Every controller option: printed programs reproduce the model's answers, models save and load, search remembers whole programs."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from neuprog.app.explain import explain_text
from neuprog.errors import ConfigError
from neuprog.lang.interpret import interpret
from neuprog.lang.ops import BUILTINS
from neuprog.lang.parse import parse
from neuprog.lang.program import render
from neuprog.model.config import ModelConfig, parse_config
from neuprog.model.features import SPECIALS, Vocab, collate, make_sample
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.tables.table import Table
from neuprog.wtq.samples import load_samples

SAMPLE = Path(__file__).parent.parent / "datasets" / "wtq-sample"
CITIES = Path(__file__).parent.parent / "examples" / "cities.csv"
OPTIONS = {
    "act": {"halting": "act"},
    "fast weights": {"history": "fast_weights"},
    "lstm": {"history": "lstm"},
    "read head": {"step_memory": "read_head"},
    "stem linking": {"linking": "stems"},
    "chosen history": {"history_input": "chosen"},
    "column profile": {"column_profile": True},
    "word dropout": {"word_dropout": 0.3},
    "subwords": {"subword_buckets": 64, "word_dropout": 0.3},
    "number ranges": {"number_ranges": True},
    "all together": {"halting": "act", "history": "fast_weights", "step_memory": "read_head", "linking": "stems"},
}


def model_with(options: dict, seed: int = 0, **more) -> tuple[NeuralProgrammer, list]:
    torch.manual_seed(seed)
    samples = load_samples(SAMPLE, "sample-train", limit=40)
    config = ModelConfig(hidden=16, embedding=8, steps=5, **options, **more)
    return NeuralProgrammer(BUILTINS, Vocab.build(samples), config), samples


def _same(a, b) -> bool:
    return a == b if not isinstance(a, float) else math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_printed_programs_parse_back_and_reproduce_the_models_answers(options):
    for seed in range(3):  # several initial weights: several ways of wiring, halting and reading
        model, samples = model_with(options, seed)
        for sample, prediction in zip(samples, model.predict(collate(samples, model.vocab))):
            text = render(prediction.program)
            assert parse(text) == prediction.program
            if prediction.error is None:
                assert _same(interpret(parse(text), sample.table), prediction.answer), text


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_ask_and_explain_agree_with_the_minimal_program(options):
    model, _ = model_with(options)
    table = Table.from_csv(CITIES)
    result = model.ask(table, "how many cities have a population above 600000?", min_grounded=0)
    if result.error is None and result.status == "answered":
        exact = interpret(parse(result.program), table)
        if isinstance(result.value, bool):  # EXISTS: yes or no
            assert result.value is exact and result.answer == ("yes" if exact else "no")
        else:
            assert _same(float(exact), result.value) if isinstance(result.value, float) else result.cells == [table.cell(r, c) for r, c in exact.coordinates]
    assert len(result.steps) == len(parse(result.raw_program).steps) <= model.config.steps
    assert "raw steps (the model's" in explain_text(model, table, result, raw=True)


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_a_saved_model_loads_with_its_options_and_predicts_the_same(options, tmp_path):
    model, samples = model_with(options)
    model.save_pretrained(tmp_path / "model")
    again = NeuralProgrammer.from_pretrained(tmp_path / "model")
    assert again.config == model.config
    batch = collate(samples, model.vocab)
    first, second = model.predict(batch), again.predict(batch)
    assert [render(p.program) for p in first] == [render(p.program) for p in second]
    assert [p.raw_confidence for p in first] == [p.raw_confidence for p in second]


@pytest.mark.parametrize(
    "options, parts", [({}, 3), ({"history_input": "chosen"}, 3), ({"step_memory": "read_head"}, 4), ({"halting": "act"}, 4), (OPTIONS["all together"], 5)]
)
def test_search_remembers_and_replays_whole_programs_reads_and_stops_included(options, parts):
    model, samples = model_with(options, search_samples=6, search_memory=2, search_explore=0.5)
    batch = collate(samples, model.vocab)
    model.train()
    for _ in range(3):
        loss = model(batch)[-1]
        loss.backward()
    assert torch.isfinite(loss)
    remembered = [program for programs in model.memory.values() for program in programs]
    assert remembered and all(len(program) == parts for program in remembered)
    state = model.get_extra_state()
    model.set_extra_state(state)
    assert model.get_extra_state() == state
    assert torch.isfinite(model(batch)[-1]), "replaying remembered programs works after a round trip through JSON"


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_gradients_reach_the_options_own_parameters(options):
    model, samples = model_with(options)
    model.train()
    model(collate(samples, model.vocab))[-1].backward()
    controller = model.controller
    own = [
        controller.halt,
        controller.reader,
        controller.history,
        controller.column_words,
        controller.column_profile,
        controller.subwords,
        controller.spans_number,
    ]
    for module in filter(None, own + [controller.span_fit]):
        grads = [p.grad for p in module.parameters()] if isinstance(module, torch.nn.Module) else [module.grad]
        assert all(g is not None and torch.isfinite(g).all() for g in grads) and any(g.abs().sum() > 0 for g in grads), module


def test_word_dropout_reads_a_share_of_words_as_unknown_while_training_and_none_in_evaluation():
    model, samples = model_with({"word_dropout": 0.3})
    ids = collate(samples, model.vocab).tokens  # (B, Q)
    words = ids >= len(SPECIALS)  # not padding, <unk>, <num> or <date>
    model.eval()
    assert torch.equal(model.controller._drop_words(ids), ids)
    model.train()
    dropped = model.controller._drop_words(ids)
    unknown = dropped == SPECIALS.index("<unk>")
    assert torch.equal(dropped[~unknown], ids[~unknown]) and torch.equal(dropped[~words], ids[~words])
    assert 0.2 < (unknown & words).sum() / words.sum() < 0.4


@pytest.mark.parametrize(
    "field, value",
    [
        ("halting", "adaptive"),
        ("history", "transformer"),
        ("step_memory", "tape"),
        ("linking", "fuzzy"),
        ("ponder_weight", -1),
        ("fast_decay", 0),
        ("word_dropout", 1.0),
        ("subword_buckets", -1),
        ("number_ranges", "yes please"),
    ],
)
def test_a_bad_option_is_a_config_error_naming_the_key(field, value):
    with pytest.raises(ConfigError, match=f"model.{field}"):
        parse_config({"data": "d", "model": {field: value}})


def test_the_ablation_command_trains_every_controller_and_prints_its_table(tmp_path):
    script = Path(__file__).parent.parent / "examples" / "controller_ablation.py"
    command = [sys.executable, str(script), "--out", str(tmp_path), "--settings", "1col", "--synth-steps", "3", "--synth-train", "96", "--synth-test", "12"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [row["controller"] for row in rows] == ["baseline", "act", "fast_weights", "read_head"]
    assert all(row["questions"] == 12 and 1 <= row["mean_minimal_steps"] <= row["mean_steps"] <= 4 for row in rows)
    assert "| 1col | act |" in done.stdout


def test_subwords_tell_unseen_words_apart_by_their_spelling():
    model, _ = model_with({"subword_buckets": 64})
    vocab = Vocab(SPECIALS, subword_buckets=64)  # every real word is unseen
    table = Table.from_rows(["Districts", "Population"], [["North", "10"]])
    batch = collate([make_sample("q", "which district has the largest population?", table)], vocab)
    model.eval()
    headers = model.controller.embed(batch.header_tokens, batch.header_grams)[0, :, 0]  # (C, E) first word of each column name
    assert batch.header_tokens[0, :, 0].tolist() == [1, 1], "both column names are <unk> to this vocabulary"
    assert not torch.allclose(headers[0], headers[1])
    without, _ = model_with({})
    plain = collate(batch.samples, Vocab(SPECIALS))
    assert plain.token_grams.shape[-1] == 0
    unspelled = without.eval().controller.embed(plain.header_tokens, plain.header_grams)[0, :, 0]
    assert torch.equal(unspelled[0], unspelled[1]), "without subwords two unseen words read the same"
    assert (batch.token_grams[batch.tokens == 0] == 0).all(), "padding has no trigrams"


def test_number_ranges_lean_each_ops_constant_toward_the_numbers_its_column_spans():
    model, _ = model_with({"number_ranges": True})
    table = Table.from_rows(["Year", "Points"], [["1990", "12"], ["2004", "31"]])
    batch = collate([make_sample("q", "which year had more than 20 points after 1995?", table)], model.vocab)
    texts = [constant.text for constant in batch.samples[0].question.constants]
    twenty, year = texts.index("20"), texts.index("1995")
    assert batch.spanned[0, twenty].tolist() == [0.0, 1.0] and batch.spanned[0, year].tolist() == [1.0, 0.0]
    model.eval()
    odds = []
    for bonus in (0.0, 5.0):
        with torch.no_grad():
            model.controller.span_fit.fill_(bonus)
            choices = model.controller(batch)
        constants = choices.constants[0, 0]  # (O, K) the first step's constant distribution for each op
        odds.append((constants[:, twenty] / constants[:, year]).log())
        columns = choices.columns[0, 0]  # (O, C)
    assert torch.allclose(odds[1] - odds[0], 5.0 * (columns[:, 1] - columns[:, 0]), atol=1e-4)
