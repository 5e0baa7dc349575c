"""Behaviour of the synthetic Neural Programmer task generator and its WikiTableQuestions writer."""

import collections
import csv
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from neuprog.errors import ConfigError
from neuprog.wtq import files as wtq
from neuprog.wtq import synth

PRINT_TEMPLATES = [name for name in synth.TEMPLATES if name.endswith("print")]
# every synonym mapped back to the operator's first form, longest phrases first so "sum of" wins over "sum"
CANONICAL = {form: forms[0] for forms in synth.SYNONYMS.values() for form in forms}
SYNONYM_PATTERN = re.compile(r"\b(" + "|".join(sorted(map(re.escape, CANONICAL), key=len, reverse=True)) + r")\b")
UNWRITABLE = "\t\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # no escape exists for these in a WTQ TSV line
NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d?[1-9])?")


@pytest.fixture(scope="module")
def many_examples():
    return synth.generate(synth.SynthConfig(seed=3), 23 * 300, "train")


def unescape_tsv(field):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "p": "|", "\\": "\\"}[m.group(1)], field)


def read_tsv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    assert lines[-1] == ""
    return [line.split("\t") for line in lines[:-1]]


def read_csv_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle, quotechar='"', escapechar="\\", doublequote=False))


def canonical(question):
    """The question with every synonym replaced by its operator's first form."""
    return SYNONYM_PATTERN.sub(lambda m: CANONICAL[m.group(1)], question)


def recompute(question, table):
    """Answer a canonical question with pandas, independently of the generator."""
    numbers = {name: pd.to_numeric(table[name]) for name in table.columns if name in synth.NUMERIC_NAMES}
    if match := re.fullmatch(r"difference (?:sum (\w+) and count rows|count rows and (sum) (\w+))", question):
        column = match.group(1) or match.group(3)
        difference = numbers[column].sum() - len(table)
        return [difference if match.group(1) else -difference]
    if match := re.fullmatch(r"print (\w+) of the row with the (greatest|least) (\w+)", question):
        pivot = numbers[match.group(3)]
        extreme = pivot.max() if match.group(2) == "greatest" else pivot.min()
        return table[match.group(1)][pivot == extreme].tolist()
    match = re.fullmatch(r"(sum (\w+)|count rows|print (\w+))(?: where (.+?)(?: (and|or) (.+))?)?", question)
    mask = pd.Series(True, index=table.index)
    if match.group(4):
        masks = [condition_mask(text, table, numbers) for text in (match.group(4), match.group(6)) if text]
        if len(masks) == 1:
            mask = masks[0]
        else:
            mask = masks[0] & masks[1] if match.group(5) == "and" else masks[0] | masks[1]
        assert 0 < mask.sum() < len(table), "a condition that selects nothing or everything"
    if match.group(2):
        return [numbers[match.group(2)][mask].sum()]
    if match.group(1) == "count rows":
        return [int(mask.sum())]
    return table[match.group(3)][mask].tolist()


def condition_mask(text, table, numbers):
    if match := re.fullmatch(r"(\w+) is (\w+)", text):
        return table[match.group(1)] == match.group(2)
    column, op, pivot = re.fullmatch(r"(\w+) (greater|lesser) (\S+)", text).groups()
    return numbers[column] > float(pivot) if op == "greater" else numbers[column] < float(pivot)


def test_same_seed_gives_identical_examples():
    config = synth.SynthConfig(seed=7)
    assert synth.generate(config, 300, "train") == synth.generate(config, 300, "train")


def test_different_seeds_and_splits_give_different_examples():
    first = synth.generate(synth.SynthConfig(seed=1), 50, "train")
    assert first != synth.generate(synth.SynthConfig(seed=2), 50, "train")
    assert [e.rows for e in first] != [e.rows for e in synth.generate(synth.SynthConfig(seed=1), 50, "test")]


def test_test_config_gives_120_rows_values_within_200_and_every_numeric_column():
    config = synth.test_config(synth.SynthConfig(max_columns=4, text_columns=1))
    for example in synth.generate(config, 200, "test"):
        assert len(example.rows) == 120
        numeric = [i for i, name in enumerate(example.header) if name in synth.NUMERIC_NAMES]
        assert len(numeric) == 4 and len(example.header) == 5
        values = [int(row[i]) for row in example.rows for i in numeric]
        assert min(values) >= -200 and max(values) <= 200


def test_training_tables_draw_rows_values_and_column_counts_from_the_configured_ranges(many_examples):
    column_counts = collections.Counter()
    for example in many_examples:
        assert 30 <= len(example.rows) <= 100
        numeric = [i for i, name in enumerate(example.header) if name in synth.NUMERIC_NAMES]
        column_counts[len(numeric)] += 1
        assert len(set(example.header)) == len(example.header) == len(numeric) + 2
        assert all(-100 <= int(row[i]) <= 100 for row in example.rows for i in numeric)
    assert sorted(column_counts) == [1, 2, 3, 4, 5]
    assert min(column_counts.values()) > len(many_examples) / 5 * 0.8


def test_every_template_appears_a_few_hundred_times(many_examples):
    counts = collections.Counter(example.template for example in many_examples)
    assert set(counts) == set(synth.TEMPLATES)
    assert min(counts.values()) >= 200


def test_print_answers_list_one_to_three_cells_of_the_printed_column(many_examples):
    for example in many_examples:
        if example.template in PRINT_TEMPLATES:
            printed_name = re.match(r"print (\w+)", canonical(example.question)).group(1)
            column = example.header.index(printed_name)
            printed = [row[column] for row in example.rows]
            assert 1 <= len(example.answers) <= synth.MAX_PRINTED_ROWS
            assert all(answer in printed for answer in example.answers)


def test_numeric_answers_are_plain_numbers_without_trailing_zeros(many_examples):
    decimals = synth.generate(synth.SynthConfig(decimal_values=True), 300, "train")
    for example in many_examples + decimals:
        if not example.template.endswith("print"):
            assert NUMBER.fullmatch(example.answers[0]) and example.answers[0] != "-0", example.answers
    assert any("." in example.answers[0] for example in decimals)


def test_variation_off_always_uses_the_first_synonym():
    examples = synth.generate(synth.SynthConfig(variation=False), 500, "train")
    assert all(canonical(example.question) == example.question for example in examples)
    varied = synth.generate(synth.SynthConfig(), 500, "train")
    assert sum(canonical(example.question) != example.question for example in varied) > 300


@pytest.mark.parametrize("decimal_values", [False, True])
def test_answers_match_a_pandas_recomputation_from_the_written_files(tmp_path, decimal_values):
    examples = synth.generate(synth.SynthConfig(decimal_values=decimal_values, seed=5), 23 * 12, "train")
    synth.write_dataset(tmp_path, examples, "train")
    records = read_tsv(tmp_path / "data" / "train.tsv")
    templates = dict(read_tsv(tmp_path / "data" / "train-templates.tsv")[1:])
    assert records[0] == ["id", "utterance", "context", "targetValue"]
    assert {templates[record[0]] for record in records[1:]} == set(synth.TEMPLATES)
    for example_id, utterance, context, target in records[1:]:
        table = pd.read_csv(tmp_path / context, dtype=str, escapechar="\\", doublequote=False, na_filter=False)
        expected = recompute(canonical(utterance), table)
        answers = [unescape_tsv(answer) for answer in target.split("|")]
        if templates[example_id].endswith("print"):
            assert answers == expected, utterance
        else:
            assert float(answers[0]) == pytest.approx(float(expected[0]), abs=1e-6), utterance


def test_written_tables_round_trip_through_the_csv_module(tmp_path):
    examples = synth.generate(synth.SynthConfig(), 40, "dev")
    cells = [["back\\slash", "pipe|cell"], ["two\nlines", '"quoted"']]
    odd = synth.SynthExample("odd|id", 'say "hi"\\', ["a,b", 'q"uote'], cells, ["x|y", "z\\"], "sum")
    synth.write_dataset(tmp_path, [*examples, odd], "dev")
    for index, example in enumerate([*examples, odd]):
        assert read_csv_rows(tmp_path / "csv" / "dev-csv" / f"{index}.csv") == [example.header, *example.rows]
    last_record = read_tsv(tmp_path / "data" / "dev.tsv")[-1]
    assert last_record == ["odd\\pid", 'say "hi"\\\\', "csv/dev-csv/40.csv", "x\\py|z\\\\"]
    assert (tmp_path / "csv" / "dev-csv" / "0.csv").read_text().startswith('"')


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(st.characters(codec="utf-8", exclude_characters=UNWRITABLE), min_size=1), min_size=1))
def test_tsv_fields_round_trip_through_the_wtq_escapes(texts):
    example = synth.SynthExample("q-0", texts[0], ["h"], [["1"]], texts, "sum")
    with tempfile.TemporaryDirectory() as out:
        synth.write_dataset(out, [example], "train")
        record = read_tsv(Path(out) / "data" / "train.tsv")[1]
    assert unescape_tsv(record[1]) == texts[0]
    assert [unescape_tsv(answer) for answer in record[3].split("|")] == texts


def test_rewriting_a_split_replaces_it_and_leaves_no_staging_folder(tmp_path):
    synth.write_dataset(tmp_path, synth.generate(synth.SynthConfig(), 5, "train"), "train")
    synth.write_dataset(tmp_path, synth.generate(synth.SynthConfig(), 2, "train"), "train")
    assert sorted(p.name for p in (tmp_path / "csv" / "train-csv").iterdir()) == ["0.csv", "1.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv", "data"]


def test_written_split_reads_back_through_the_wtq_loader(tmp_path):
    examples = synth.generate(synth.SynthConfig(decimal_values=True), 30, "train")
    synth.write_dataset(tmp_path, examples, "train")
    loaded = wtq.load_split(tmp_path, "train")
    written = [(example.id, example.question, tuple(example.answers)) for example in examples]
    assert [(example.id, example.question, example.answers) for example in loaded] == written
    for example, (_, table) in zip(examples, wtq.iter_tables(tmp_path, loaded)):
        assert [table.header, *table.rows] == [example.header, *example.rows]


def test_without_text_columns_no_word_template_is_drawn():
    examples = synth.generate(synth.SynthConfig(text_columns=0), 300, "train")
    assert {example.template for example in examples} == set(synth.NUMERIC_TEMPLATES)


@pytest.mark.parametrize(
    "fields",
    [{"colour": 1}, {"max_columns": 11}, {"rows": (50, 40)}, {"value_range": (3, 3)}, {"templates": ("median",)},
     {"text_columns": 0, "templates": ("word_sum",)}, {"seed": -1}],
)  # fmt: skip
def test_invalid_configs_are_rejected(fields):
    with pytest.raises(ValidationError):
        synth.SynthConfig(**fields)


def test_config_is_frozen_and_bad_splits_are_refused():
    with pytest.raises(ValidationError):
        synth.SynthConfig().seed = 3
    with pytest.raises(ConfigError):
        synth.generate(synth.SynthConfig(), 1, "../escape")


def test_a_config_that_cannot_produce_a_sound_question_says_so(monkeypatch):
    monkeypatch.setattr(synth, "_ATTEMPTS", 1)  # 4 rows of 0/1 rarely have a unique maximum
    cramped = synth.SynthConfig(rows=(4, 4), value_range=(0, 1), templates=("argmax_print",), max_columns=1)
    with pytest.raises(ConfigError, match="argmax_print"):
        synth.generate(cramped, 50, "train")
