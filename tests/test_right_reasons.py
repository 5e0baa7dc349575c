"""Behaviour behind right-for-the-right-reason answers: date superlatives, A-or-B selections, scaled question numbers,
row-shuffled training, the spurious-program probes and the calibrated confidence."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from neuprog import BUILTINS, NeuralProgrammer, Table, interpret, parse
from neuprog.app.cli import main
from neuprog.errors import ConfigError
from neuprog.lang.interpret import answer_texts
from neuprog.learn.calibrate import calibrate, check_unseen
from neuprog.learn.runner import held_out, open_model, shuffled_batch, training_samples
from neuprog.model.calibration import signal_names, signals
from neuprog.model.config import TrainConfig, parse_config
from neuprog.model.features import collate, make_sample, with_rows_shuffled
from neuprog.model.folder import BUNDLED, read_ensemble, read_folder
from neuprog.tables.question import Question, speaks_of_order
from neuprog.wtq.probes import options, probe, swap_options
from neuprog.wtq.samples import load_samples

SAMPLE = "datasets/wtq-sample"
RACES = Table.from_rows(
    ["Race", "Date", "Winner", "Gold"],
    [["Spring", "May 5, 2004", "Kenya", "3"], ["Summer", "July 1, 2006", "Ethiopia", "5"], ["Autumn", "March 2, 2001", "Kenya", "4"]],
)


def run(text: str) -> list[str]:
    return answer_texts(interpret(parse(text), RACES), RACES)


def test_superlatives_over_a_date_column_pick_the_latest_and_earliest_date():
    assert run('s1 = ARGMAX(ALL_ROWS, "Date"); s2 = SELECT "Race" FROM s1') == ["Summer"]
    assert run('s1 = ARGMIN(ALL_ROWS, "Date"); s2 = SELECT "Race" FROM s1') == ["Autumn"]


def test_a_widening_phrase_select_answers_an_a_or_b_question_by_the_attribute_asked():
    program = 's1 = ALL_ROWS WHERE "Race" LIKE \'spring\'; s2 = s1 OR "Race" LIKE \'autumn\'; s3 = ARGMAX(s2, "Gold"); s4 = SELECT "Race" FROM s3'
    assert run(program) == ["Autumn"]


@pytest.mark.parametrize(
    "question, text, number",
    [
        ("which nations have over 20 million people?", "20 million", 2e7),
        ("a budget of 1.5 billion", "1.5 billion", 1.5e9),
        ("3 thousand fans", "3 thousand", 3e3),
    ],
)
def test_a_scale_word_multiplies_the_number_before_it(question, text, number):
    [constant] = Question.read(question, RACES).constants
    assert (constant.text, constant.number) == (text, number)


def test_a_number_beyond_float_range_in_a_question_is_no_constant():
    question = Question.read("which races had more than " + "9" * 400 + " gold?", RACES)
    assert all(constant.kind != "number" for constant in question.constants)


def test_an_iso_date_in_a_question_is_one_date_constant():
    [constant] = Question.read("who won on 2004-05-05?", RACES).constants
    assert constant.kind == "date" and constant.text == "2004-05-05"


def test_order_words_mark_questions_whose_answer_may_depend_on_row_order():
    assert speaks_of_order(Question.read("who won the race after spring?", RACES))
    assert not speaks_of_order(Question.read("which race had the most gold?", RACES))


def test_a_shuffled_sample_keeps_its_answer_targets_on_their_rows():
    sample = make_sample("q", "which race had the most gold?", RACES, ["Summer"])
    shuffled = with_rows_shuffled(sample, np.random.default_rng(0))
    [item] = shuffled.items
    rows, columns = np.nonzero(item)
    assert [shuffled.table.cell(r, c) for r, c in zip(rows, columns)] == ["Summer"]
    assert sorted(shuffled.table.rows) == sorted(RACES.rows) and shuffled.table.rows != RACES.rows


def test_a_permuted_table_matches_and_compares_like_its_source_with_rows_reordered():
    order = [2, 0, 1]
    permuted = RACES.permuted(order).permuted([1, 2, 0])
    rebuilt = Table.from_rows(RACES.header, [RACES.rows[i] for i in np.array(order)[[1, 2, 0]]])
    for constant in Question.read("kenya in 2004 with 4 gold on 2004-05-05", RACES).constants:
        assert (permuted.phrase_matches(constant) == rebuilt.phrase_matches(constant)).all()
        assert (permuted.equals(constant) == rebuilt.equals(constant)).all()
        assert (permuted.comparison_keys(constant)[0] == rebuilt.comparison_keys(constant)[0]).all()
    assert np.array_equal(permuted.order_keys, rebuilt.order_keys, equal_nan=True)


def test_shuffled_training_batches_shuffle_only_questions_that_name_no_order():
    model = NeuralProgrammer.from_pretrained()
    samples = [make_sample("a", "which race had the most gold?", RACES, ["Summer"]), make_sample("b", "who won the first race?", RACES, ["Kenya"])]
    torch.manual_seed(3)
    batch = shuffled_batch(samples, model.vocab)
    assert batch.samples[1].table is RACES and batch.samples[0].table.rows != RACES.rows


def test_held_out_questions_are_fixed_by_the_seed_and_never_trained_on():
    config = TrainConfig(data=".", calibration_holdout=3)
    samples = [make_sample(str(i), "how many races?", RACES, ["3"]) for i in range(10)]
    train, held = held_out(samples, config)
    assert len(held) == 3 and len(train) == 7 and not {s.id for s in train} & {s.id for s in held}
    assert [s.id for s in held_out(samples, config)[1]] == [s.id for s in held]


def test_holdout_seed_fixes_the_held_out_questions_whatever_the_seed():
    samples = [make_sample(str(i), "how many races?", RACES, ["3"]) for i in range(20)]
    chosen = lambda **seeds: [s.id for s in held_out(samples, TrainConfig(data=".", calibration_holdout=5, **seeds))[1]]
    assert chosen(seed=7, holdout_seed=0) == chosen(seed=0) != chosen(seed=7)


def test_held_out_tables_keep_every_question_on_them_out_of_training():
    config = TrainConfig(data=".", calibration_holdout=10, calibration_by_table=True)
    samples = load_samples(SAMPLE, "sample-train")
    train, held = held_out(samples, config)
    assert len(held) >= 10 and len(train) + len(held) == len(samples)
    assert not {s.table.name for s in train} & {s.table.name for s in held}
    assert [s.id for s in held_out(samples, config)[1]] == [s.id for s in held]


def _with_extra_split(tmp_path):
    """The sample dataset plus an extra question file: one question on a dev table, two on training tables."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    dev = (data / "data" / "sample-dev.tsv").read_text().splitlines()
    train = (data / "data" / "sample-train.tsv").read_text().splitlines()
    lines = [dev[0], "ns-1\t" + dev[1].split("\t", 1)[1], "ns-2\t" + train[1].split("\t", 1)[1], "ns-3\t" + train[2].split("\t", 1)[1]]
    (data / "data" / "sample-extra.tsv").write_text("\n".join(lines) + "\n")
    return data


def test_extra_training_splits_add_their_questions_but_none_on_a_dev_table(tmp_path):
    data = _with_extra_split(tmp_path)
    config = TrainConfig(data=str(data), train_split="sample-train", dev_split="sample-dev", extra_train_splits=("sample-extra",))
    samples = training_samples(config)
    assert len(samples) == len(load_samples(data, "sample-train")) + 2
    assert {s.id for s in samples if s.id.startswith("ns-")} == {"ns-2", "ns-3"}
    assert not {s.table.name for s in samples} & {s.table.name for s in load_samples(data, "sample-dev")}


@pytest.mark.parametrize(("extra", "culprit"), [(["more", "more"], "trained on already"), (["train"], "trained on already"), (["dev"], "the dev split")])
def test_an_extra_training_split_that_repeats_a_split_or_is_dev_is_refused(extra, culprit):
    with pytest.raises(ConfigError, match=f"extra_train_splits names '{extra[0]}', which is {culprit}"):
        parse_config({"data": ".", "train_split": "train", "dev_split": "dev", "extra_train_splits": extra})


def test_calibration_refuses_questions_from_an_extra_training_split(tmp_path):
    data = _with_extra_split(tmp_path)
    config = TrainConfig(data=str(data), train_split="sample-train", extra_train_splits=("sample-extra",))
    with pytest.raises(ConfigError, match="in the training split 'sample-extra'"):
        check_unseen(load_samples(data, "sample-extra"), data, config)
    check_unseen(load_samples(data, "sample-dev"), data, config)  # dev questions were never trained on


def test_the_a_or_b_probe_finds_both_options_and_swaps_them():
    sample = make_sample("q", "which race had more gold, spring or autumn?", RACES, ["Autumn"])
    assert options(sample) is not None
    swapped = swap_options(sample)
    assert swapped.question.text == "which race had more gold autumn or spring"
    assert swapped.answers == sample.answers and options(swapped) is not None
    assert options(make_sample("q", "which race had the most gold?", RACES)) is None


def test_probes_report_plain_and_probed_accuracy_on_the_same_questions():
    model = NeuralProgrammer.from_pretrained()
    samples = load_samples(SAMPLE, "sample-dev", max_constants=model.config.max_constants)
    correct = [True] * len(samples)
    report = probe(model, samples, correct, lambda chunk: collate(chunk, model.vocab))
    order_free = report["order-free, rows shuffled"]
    assert order_free["questions"] == sum(not speaks_of_order(s.question) for s in samples) > 0
    assert order_free["plain"] == order_free["questions"] and 0 <= order_free["probed"] <= order_free["questions"]


def test_an_uncalibrated_model_reports_the_program_probability_and_a_fitted_one_a_probability():
    model = NeuralProgrammer.from_pretrained()
    samples = load_samples(SAMPLE, "sample-train", max_constants=model.config.max_constants)
    before = model.predict(collate(samples, model.vocab))
    if torch.equal(model.calibration, torch.eye(1, len(model.calibration)).squeeze(0)):
        assert all(p.confidence == pytest.approx(p.raw_confidence, abs=1e-6) for p in before if p.answer is not None)
    report = calibrate(model, samples)
    assert report["calibration_questions"] == len(samples)
    after = model.predict(collate(samples, model.vocab))
    assert all(0.0 <= p.confidence <= 1.0 for p in after)
    assert len(signals(BUILTINS, samples[0].question, after[0].program, after[0].texts, 0.5)) == len(signal_names(BUILTINS))


def test_calibrating_a_model_folder_on_unseen_questions_writes_a_calibrated_copy(tmp_path, capsys):
    from neuprog.app.cli import main

    out = tmp_path / "calibrated"
    assert main(["calibrate", str(BUNDLED), "--data", SAMPLE, "--split", "sample-dev", "--out", str(out), "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["split"] == "sample-dev" and report["calibration_questions"] == len(load_samples(SAMPLE, "sample-dev"))
    members, _, calibration, _ = read_ensemble(out)  # the bundled model is an ensemble: its copy is one too, calibrated anew
    assert [read_folder(member)[0].train_split for member in members] == [read_folder(member)[0].train_split for member in read_ensemble(BUNDLED)[0]]
    assert calibration != read_ensemble(BUNDLED)[2]


def test_calibration_refuses_questions_from_the_models_training_split(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    train_split = open_model()[1].train_split
    shutil.copy(data / "data" / "sample-dev.tsv", data / "data" / f"{train_split}.tsv")  # the model "trained" on sample-dev
    assert main(["calibrate", str(BUNDLED), "--data", str(data), "--split", "sample-dev", "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "are in the training split" in capsys.readouterr().err and not (tmp_path / "out").exists()
