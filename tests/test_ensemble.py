"""Ensembles: answers pooled by program probability, shown by a program that reproduces them, saved and loaded as one folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from neuprog import BUILTINS, NeuralProgrammer, Table
from neuprog.app.cli import main
from neuprog.errors import CheckpointError, OutputError
from neuprog.lang.interpret import answer_texts, interpret
from neuprog.lang.parse import parse
from neuprog.model.config import ModelConfig
from neuprog.model.ensemble import Ensemble, vote
from neuprog.model.features import Vocab, collate, make_sample
from neuprog.model.folder import ENSEMBLE, write_folder
from neuprog.model.prediction import Prediction
from neuprog.wtq.samples import load_samples

SAMPLE = "datasets/wtq-sample"
OPS = ("all_rows", "select", "greater", "less", "first", "argmax", "count", "sum", "print")
CITIES = Table.from_rows(["City", "Population"], [["Oslo", "709,037"], ["Bergen", "291,940"], ["Rome", "2,873,000"]])
QUESTIONS = ["how many cities are there?", "which city has the most people?", "what is the population of oslo?", "which city is bergen?"]


def _member(vocab: Vocab, seed: int) -> NeuralProgrammer:
    torch.manual_seed(seed)
    return NeuralProgrammer(BUILTINS.subset(list(OPS)), vocab, ModelConfig(steps=3, ops=OPS)).eval()


def _samples():
    return [make_sample(f"q{i}", question, CITIES) for i, question in enumerate(QUESTIONS)] + load_samples(SAMPLE, "sample-dev")


def _offer(texts: list[str], probability: float, program: str = "s1 = ALL_ROWS; s2 = SELECT COUNT(*) FROM s1") -> Prediction:
    return Prediction(parse(program), None, texts, 0.0, raw_confidence=probability)


def test_votes_pool_each_answers_program_probabilities_across_members():
    offers = [[_offer(["Oslo"], 0.5), _offer(["Rome"], 0.3)], [_offer(["rome "], 0.4), _offer([], 0.3), _offer(["Oslo"], 0.05)]]
    member, prediction, share = vote(offers)
    assert (member, prediction.texts, prediction.fallback) == (1, ["rome "], 0)  # Rome: 0.3 + 0.4 beats Oslo: 0.55; shown by its 0.4 program
    assert share == pytest.approx(0.35)


def test_offers_of_blank_cells_cast_no_vote():
    member, prediction, share = vote([[_offer(["", " "], 0.6), _offer(["Oslo"], 0.1)], [_offer([""], 0.5)]])
    assert (member, prediction.texts, share) == (0, ["Oslo"], pytest.approx(0.05))
    assert vote([[_offer([" "], 0.6)], []])[1].texts == [" "]  # nothing answers: the first member's most probable offer stands, as for empty ones


def test_answers_of_a_kind_that_cannot_answer_the_question_cast_no_vote_unless_every_answer_is_such():
    table = Table.from_rows(["Team", "Points"], [["Crettyard", "12"], ["Confey", "15"]])
    question = make_sample("q", "which team won after crettyard?", table).question
    offers = [[_offer(["Crettyard"], 0.6), _offer(["Confey"], 0.1)], [_offer(["crettyard"], 0.5)]]
    assert vote(offers)[1].texts == ["Crettyard"]  # without the question every answer votes
    assert vote(offers, question)[1].texts == ["Confey"]
    assert vote([[_offer(["Crettyard"], 0.6)], [_offer(["Crettyard", "Crettyard"], 0.2)]], question)[1].raw_confidence == 0.6
    either = make_sample("q", "did crettyard or confey score more?", table).question
    assert vote(offers, either)[1].texts == ["Crettyard"]  # a question that offers options may be answered by one
    counting = make_sample("q", "how many teams scored 12?", table).question
    assert vote([[_offer(["Crettyard"], 0.6), _offer(["1"], 0.1)]], counting)[1].texts == ["1"]
    yes_or_no = make_sample("q", "did confey score 15?", table).question
    assert vote([[_offer(["15"], 0.6), _offer(["Yes"], 0.1)]], yes_or_no)[1].texts == ["Yes"]


def test_an_answer_without_any_offer_that_answers_is_the_first_members_most_probable_program():
    member, prediction, share = vote([[], [_offer([], 0.6), _offer([], 0.3)]])
    assert (member, prediction.raw_confidence, share) == (1, 0.6, 0.0)
    assert vote([[], []]) == (0, None, 0.0)  # nothing offered: predict falls back to the first member's own prediction


def test_every_ensemble_prediction_is_a_member_program_that_reproduces_its_answer():
    samples = _samples()
    vocab = Vocab.build(samples)
    members = [_member(vocab, seed) for seed in range(3)]
    ensemble = Ensemble(members, programs=4)
    choices, predictions = ensemble.predict(collate(samples, vocab), with_choices=True)
    assert choices.ops.shape[0] == len(samples)
    offered = [member.candidates(collate(samples, vocab), 4) for member in members]
    for b, (sample, prediction) in enumerate(zip(samples, predictions)):
        assert any(prediction.program == offer.program for found in offered for offer in found[b])
        if prediction.texts:
            assert answer_texts(interpret(prediction.program, sample.table, ensemble.registry), sample.table) == prediction.texts
            assert 0.0 < prediction.raw_confidence <= 1.0 and 0.0 <= prediction.confidence <= 1.0


def test_an_ensemble_of_one_member_answers_what_that_members_programs_favour_most():
    samples = _samples()
    member = _member(Vocab.build(samples), 3)
    [found] = [member.candidates(collate(samples[:1], member.vocab), 8)]
    votes: dict = {}
    for offer in found[0]:
        if offer.texts:
            key = tuple(sorted(text.strip().lower() for text in offer.texts))
            votes[key] = votes.get(key, 0.0) + offer.raw_confidence
    [prediction] = Ensemble([member]).predict(collate(samples[:1], member.vocab))
    assert tuple(sorted(text.strip().lower() for text in prediction.texts)) == max(votes, key=votes.get)
    assert prediction.raw_confidence == pytest.approx(max(votes.values()))


def test_an_ensemble_folder_loads_back_with_its_members_and_calibration(tmp_path):
    samples = _samples()
    vocab = Vocab.build(samples)
    ensemble = Ensemble([_member(vocab, 0), _member(vocab, 1)], programs=5, names=["first", "second"])
    ensemble.calibration.copy_(torch.linspace(-0.5, 0.5, ensemble.calibration.numel()))
    ensemble.save_pretrained(tmp_path / "ensemble")
    loaded = NeuralProgrammer.from_pretrained(tmp_path / "ensemble")
    assert isinstance(loaded, Ensemble) and loaded.names == ["first", "second"] and loaded.programs == 5
    assert torch.equal(loaded.calibration, ensemble.calibration)
    before, after = ensemble.predict(collate(samples, vocab)), loaded.predict(collate(samples, vocab))
    assert [(p.program, p.texts, p.confidence) for p in before] == [(p.program, p.texts, p.confidence) for p in after]
    result = loaded.ask(CITIES, "how many cities are there?")
    assert result.program and result.status in ("answered", "empty", "abstained", "failed")


def test_members_that_cannot_share_a_batch_are_refused_by_name():
    samples = _samples()
    other = _member(Vocab.build(samples[:2]), 1)
    with pytest.raises(CheckpointError, match=r"^late: its vocabulary differ"):
        Ensemble([_member(Vocab.build(samples), 0), other], names=["early", "late"])
    spelled = NeuralProgrammer(BUILTINS.subset(list(OPS)), Vocab.build(samples), ModelConfig(steps=3, ops=OPS, subword_buckets=64))
    with pytest.raises(CheckpointError, match=r"^spelled: its subword buckets differ"):
        Ensemble([_member(Vocab.build(samples), 0), spelled], names=["plain", "spelled"])


def test_an_ensemble_description_naming_a_path_as_a_member_is_refused(tmp_path, capsys):
    vocab = Vocab.build(_samples())
    Ensemble([_member(vocab, 0)], names=["one"]).save_pretrained(tmp_path / "e")
    description = json.loads((tmp_path / "e" / ENSEMBLE).read_text())
    description["members"] = ["../one"]
    (tmp_path / "e" / ENSEMBLE).write_text(json.dumps(description))
    assert main(["ask", "examples/cities.csv", "how many cities are there?", "--model", str(tmp_path / "e")]) == 7
    assert "member name '../one' is not a plain folder name" in capsys.readouterr().err


def test_ensembles_and_single_models_never_overwrite_each_others_folders(tmp_path):
    vocab = Vocab.build(_samples())
    member = _member(vocab, 0)
    Ensemble([member], names=["one"]).save_pretrained(tmp_path / "e")
    with pytest.raises(OutputError, match="holds an ensemble"):
        member.save_pretrained(tmp_path / "e")
    member.save_pretrained(tmp_path / "single")
    with pytest.raises(OutputError, match="holds a single model"):
        Ensemble([member]).save_pretrained(tmp_path / "single")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / ENSEMBLE).write_text('{"players": 11}')
    with pytest.raises(OutputError, match="not a neuprog ensemble's"):
        write_folder(tmp_path / "mine", member.state_dict(), member_config(member), vocab.words, member.registry.names)
    assert (tmp_path / "mine" / ENSEMBLE).read_text() == '{"players": 11}'


def member_config(member: NeuralProgrammer):
    from neuprog.model.config import TrainConfig

    return TrainConfig(data="d", model=member.config)


def _train(root: Path, name: str, seed: int, holdout_seed: int | None = None) -> Path:
    config = {
        "data": SAMPLE,
        "train_split": "sample-train",
        "dev_split": "sample-dev",
        "batch_size": 8,
        "epochs": 1,
        "eval_every": 100,
        "threads": 1,
        "seed": seed,
        "holdout_seed": holdout_seed,
        "calibration_holdout": 6,
        "model": {"steps": 2, "hidden": 16, "embedding": 8, "ops": list(OPS)},
    }
    (root / f"{name}.json").write_text(json.dumps(config))
    assert main(["train", "--config", str(root / f"{name}.json"), "--out", str(root / name), "--quiet"]) == 0
    return root / name / "last.pt"


def test_neuprog_ensemble_joins_runs_and_calibrates_on_the_questions_they_held_out(tmp_path, capsys):
    first, second, other_seed = _train(tmp_path, "a", 0), _train(tmp_path, "b", 1, holdout_seed=0), _train(tmp_path, "c", 1)
    capsys.readouterr()
    assert main(["ensemble", str(tmp_path / "joined"), str(first), str(second), "--programs", "3", "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["members"] == ["a", "b"] and report["calibration_questions"] >= 6
    assert main(["ask", "examples/cities.csv", "how many cities are there?", "--model", str(tmp_path / "joined"), "--json"]) in (0, 9)
    assert json.loads(capsys.readouterr().out)["program"]
    assert main(["ensemble", str(tmp_path / "mixed"), str(first), str(other_seed), "--quiet"]) == 2
    assert "c: its holdout seed (holdout_seed, or seed when that is unset) differs from a's" in capsys.readouterr().err and not (tmp_path / "mixed").exists()


def test_a_question_no_member_offers_a_program_for_gets_the_first_members_own_prediction(monkeypatch):
    samples = _samples()[:2]
    vocab = Vocab.build(samples)
    first, second = _member(vocab, 0), _member(vocab, 1)
    for member in (first, second):
        original = member.candidates
        monkeypatch.setattr(
            member,
            "candidates",
            lambda batch, count, with_choices=False, calibrate=True, original=original: (original(batch, count, True)[0], [[] for _ in batch.samples]),
        )
    predictions = Ensemble([first, second]).predict(collate(samples, vocab))
    assert [p.program for p in predictions] == [p.program for p in first.predict(collate(samples, vocab))]
