"""Generate the Neural Programmer (ICLR 2016) synthetic table-QA task in WikiTableQuestions layout."""

from __future__ import annotations

import gc
import os
import random
import re
import shutil
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from neuprog.errors import ConfigError
from neuprog.wtq.files import QUESTION_COLUMNS, escape

NUMERIC_NAMES = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet")
TEXT_NAMES = ("color", "shade", "paint", "tint", "hue")
VOCABULARY = ("red", "blue", "green", "yellow", "black", "white", "orange", "purple", "pink", "brown")
SYNONYMS = {
    "sum": ("sum", "total", "total of", "sum of"),
    "count": ("count", "count of", "how many"),
    "greater": ("greater", "greater than", "bigger", "bigger than", "larger", "larger than", "more than"),
    "less": ("lesser", "lesser than", "smaller", "smaller than", "under", "less than"),
    "print": ("print", "display", "show"),
    "difference": ("difference", "difference between"),
    "greatest": ("greatest", "largest", "biggest", "highest"),
    "least": ("least", "smallest", "lowest"),
}
NUMERIC_TEMPLATES = (
    "sum", "count", "greater_sum", "less_sum", "greater_count", "less_count", "greater_print", "less_print",
    "and_sum", "and_count", "and_print", "or_sum", "or_count", "or_print",
    "sum_diff_count", "count_diff_sum", "argmax_print", "argmin_print",
)  # fmt: skip
WORD_TEMPLATES = ("word_sum", "word_count", "word_and_sum", "word_and_count", "word_and_print")
TEMPLATES = NUMERIC_TEMPLATES + WORD_TEMPLATES
MAX_PRINTED_ROWS = 3
_ATTEMPTS = 200
_OPPOSITE = {"greater": "less", "less": "greater"}
_SPLIT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class SynthConfig(BaseModel):
    """Shape of the synthetic task; the defaults are the paper's training distribution."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_columns: int = Field(5, ge=1, le=len(NUMERIC_NAMES))
    """Most numeric columns per table; a table draws 1..max_columns uniformly unless fixed_columns."""
    text_columns: int = Field(2, ge=0, le=len(TEXT_NAMES))
    """Text columns per table; their cells are words of VOCABULARY."""
    variation: bool = True
    """Draw operator words from SYNONYMS; False always uses each operator's first form."""
    rows: tuple[int, int] = (30, 100)
    """Inclusive range the row count is drawn from uniformly."""
    value_range: tuple[int, int] = (-100, 100)
    """Inclusive range numeric cells are drawn from uniformly."""
    decimal_values: bool = False
    """Numeric cells carry 2 decimals instead of being integers."""
    fixed_columns: bool = False
    """Every table has exactly max_columns numeric columns (the test distribution)."""
    templates: tuple[str, ...] = ()
    """Templates to draw from uniformly; empty means every template the text columns allow."""
    seed: int = Field(0, ge=0)
    """Seed; mixed with the split name so train and test never share tables."""

    @model_validator(mode="after")
    def _check_ranges(self) -> SynthConfig:
        # print questions need a handful of rows to single out 1-3 of them
        if not MAX_PRINTED_ROWS + 1 <= self.rows[0] <= self.rows[1]:
            raise ValueError(f"rows must be an ordered range starting at >= {MAX_PRINTED_ROWS + 1}, got {self.rows}")
        if not self.value_range[0] < self.value_range[1]:
            raise ValueError(f"value_range must be an increasing range, got {self.value_range}")
        if unknown := sorted(set(self.templates) - set(TEMPLATES)):
            raise ValueError(f"unknown templates {unknown}; known: {list(TEMPLATES)}")
        if self.text_columns == 0 and set(self.templates) & set(WORD_TEMPLATES):
            raise ValueError("word_* templates need text_columns >= 1")
        return self

    def active_templates(self) -> tuple[str, ...]:
        """Templates this config draws from.

        >>> len(SynthConfig(text_columns=0).active_templates()) == len(NUMERIC_TEMPLATES)
        True
        """
        return self.templates or (TEMPLATES if self.text_columns else NUMERIC_TEMPLATES)


def test_config(config: SynthConfig) -> SynthConfig:
    """The test-time variant of `config`: 120 rows, values in [-200, 200], exactly max_columns numeric columns.

    >>> test_config(SynthConfig()).rows
    (120, 120)
    """
    test_shape = {"rows": (120, 120), "value_range": (-200, 200), "fixed_columns": True}
    return SynthConfig.model_validate({**config.model_dump(), **test_shape})


test_config.__test__ = False  # its name would otherwise make pytest collect it in modules that import it


@dataclass(frozen=True, slots=True)
class SynthExample:
    """One question over its own table; cells and answers are already strings."""

    id: str
    question: str
    header: list[str]
    rows: list[list[str]]
    answers: list[str]
    template: str


class _Table(NamedTuple):
    numeric: np.ndarray  # (rows, numeric columns) in units: integers, or hundredths with decimal_values
    numeric_names: list[str]
    text: np.ndarray  # (rows, text columns) indices into VOCABULARY
    text_names: list[str]


def _format_units(units: int, scale: int) -> str:
    # sums stay exact in integer units; only this final division rounds, and repr keeps it shortest
    units = int(units)
    return str(units // scale) if units % scale == 0 else repr(units / scale)


def _compare(values: np.ndarray, op: str, pivot: int) -> np.ndarray:
    return values > pivot if op == "greater" else values < pivot


def _extreme_pivot(values: np.ndarray, op: str, keep: int) -> int | None:
    """Pivot that lets at most `keep` values pass `op` (fewer only on ties)."""
    if len(values) <= keep:
        return None
    ordered = np.sort(values)
    return int(ordered[-1 - keep] if op == "greater" else ordered[keep])


class _Generator:
    def __init__(self, config: SynthConfig, split: str):
        self.config = config
        self.np_rng = np.random.default_rng([config.seed, zlib.crc32(split.encode())])
        self.py_rng = random.Random(int(self.np_rng.integers(2**63)))  # cheaper than numpy for scalar draws
        self.scale = 100 if config.decimal_values else 1
        self.low, self.high = (bound * self.scale for bound in config.value_range)
        # one string per possible cell value, so a table's cells are a single fancy-indexing lookup
        labels = [_format_units(units, self.scale) for units in range(self.low, self.high + 1)]
        self.labels, self.words = np.array(labels, dtype=object), np.array(VOCABULARY, dtype=object)

    def word(self, key: str) -> str:
        forms = SYNONYMS[key]
        return forms[self.py_rng.randrange(len(forms))] if self.config.variation else forms[0]

    def example(self, example_id: str, template: str) -> SynthExample:
        py, config = self.py_rng, self.config
        for _ in range(_ATTEMPTS):
            n_rows = py.randint(*config.rows)
            n_numeric = config.max_columns if config.fixed_columns else py.randint(1, config.max_columns)
            table = _Table(
                self.np_rng.integers(self.low, self.high + 1, size=(n_rows, n_numeric)),
                py.sample(NUMERIC_NAMES, n_numeric),
                self.np_rng.integers(0, len(VOCABULARY), size=(n_rows, config.text_columns)),
                py.sample(TEXT_NAMES, config.text_columns),
            )
            if drawn := self.question(table, template):
                return SynthExample(example_id, drawn[0], *self.cells(table), drawn[1], template)
        raise ConfigError(f"no sound '{template}' question in {_ATTEMPTS} tables; widen rows or value_range")

    def cells(self, table: _Table) -> tuple[list[str], list[list[str]]]:
        n_numeric, n_columns = table.numeric.shape[1], table.numeric.shape[1] + table.text.shape[1]
        order = self.py_rng.sample(range(n_columns), n_columns)  # text and numeric columns interleave
        grid = np.empty((table.numeric.shape[0], n_columns), dtype=object)
        grid[:, order[:n_numeric]] = self.labels[table.numeric - self.low]
        grid[:, order[n_numeric:]] = self.words[table.text]
        header = np.empty(n_columns, dtype=object)
        header[order] = table.numeric_names + table.text_names
        return header.tolist(), grid.tolist()

    def question(self, table: _Table, template: str) -> tuple[str, list[str]] | None:
        """(question, answers) for `template` on `table`, or None when this table only allows a degenerate one."""
        py, names, scale, word = self.py_rng, table.numeric_names, self.scale, self.word
        n_rows, target = table.numeric.shape[0], py.randrange(len(names))
        if template in ("sum_diff_count", "count_diff_sum"):
            sum_part, count_part = f"{word('sum')} {names[target]}", f"{word('count')} rows"
            difference = int(table.numeric[:, target].sum()) - n_rows * scale
            if template == "sum_diff_count":
                return f"{word('difference')} {sum_part} and {count_part}", [_format_units(difference, scale)]
            return f"{word('difference')} {count_part} and {sum_part}", [_format_units(-difference, scale)]
        if template in ("argmax_print", "argmin_print"):
            pivot_column = py.randrange(len(names))
            values = table.numeric[:, pivot_column]
            winners = np.flatnonzero(values == (values.max() if template == "argmax_print" else values.min()))
            if len(winners) != 1:
                return None
            superlative = word("greatest" if template == "argmax_print" else "least")
            question = f"{word('print')} {names[target]} of the row with the {superlative} {names[pivot_column]}"
            return question, [self.labels[table.numeric[winners[0], target] - self.low]]
        shape, _, aggregate = template.rpartition("_")
        mask, where = np.ones(n_rows, dtype=bool), ""
        if shape:
            drawn = self.conditions(table, shape, narrow=aggregate == "print")
            widest = MAX_PRINTED_ROWS if aggregate == "print" else n_rows - 1
            # never an empty selection, a print of many rows, or conditions that keep every row
            if drawn is None or not 1 <= drawn[1].sum() <= widest:
                return None
            where, mask = f" where {drawn[0]}", drawn[1]
        if aggregate == "count":
            return f"{word('count')} rows{where}", [str(int(mask.sum()))]
        column = table.numeric[mask, target]
        if aggregate == "sum":
            return f"{word('sum')} {names[target]}{where}", [_format_units(column.sum(), scale)]
        return f"{word('print')} {names[target]}{where}", self.labels[column - self.low].tolist()

    def conditions(self, table: _Table, shape: str, narrow: bool) -> tuple[str, np.ndarray] | None:
        """Condition phrase and row mask; `narrow` aims the pivots at selecting 1-3 rows for print."""
        py, (n_rows, n_numeric) = self.py_rng, table.numeric.shape
        column, op = py.randrange(n_numeric), shape if shape in _OPPOSITE else py.choice(("greater", "less"))
        values = table.numeric[:, column]
        plan: list[tuple[int, str, int | None]] = []
        conditions: list[tuple[str, np.ndarray]] = []
        if shape in _OPPOSITE:
            plan.append((column, op, self.single_pivot(values, op, narrow)))
        elif shape in ("and", "or"):
            other_column = py.randrange(n_numeric)
            # on one column, matching ops would make one condition redundant
            other_op = _OPPOSITE[op] if other_column == column else py.choice(("greater", "less"))
            other = table.numeric[:, other_column]
            if narrow and shape == "and":  # a handful of extreme rows, then the 1-3 most extreme among them
                keep = min(py.randint(MAX_PRINTED_ROWS + 1, 3 * MAX_PRINTED_ROWS), n_rows - 1)
                pivot = _extreme_pivot(values, op, keep)  # never None: rows outnumber `keep`
                survivors = other[_compare(values, op, pivot)]
                other_pivot = _extreme_pivot(survivors, other_op, py.randint(1, MAX_PRINTED_ROWS))
            elif narrow:  # 1-2 extreme rows on each side
                keep = py.randint(1, MAX_PRINTED_ROWS - 1)
                pivot = _extreme_pivot(values, op, keep)
                other_pivot = _extreme_pivot(other, other_op, py.randint(1, MAX_PRINTED_ROWS - keep))
            else:  # "and" keeps each side broad and "or" each side narrow, so the result is rarely all or nothing
                pivot = self.half_pivot(values, op, broad=shape == "and")
                other_pivot = self.half_pivot(other, other_op, broad=shape == "and")
            plan += [(column, op, pivot), (other_column, other_op, other_pivot)]
        else:  # "word" or "word_and"
            text_column = py.randrange(table.text.shape[1])
            chosen = table.text[py.randrange(n_rows), text_column]  # some row's word: never an empty selection
            word_mask = table.text[:, text_column] == chosen
            conditions.append((f"{table.text_names[text_column]} is {VOCABULARY[chosen]}", word_mask))
            if shape == "word_and":
                plan.append((column, op, self.single_pivot(values[word_mask], op, narrow)))
        for column, op, pivot in plan:
            if pivot is None:
                return None
            phrase = f"{table.numeric_names[column]} {self.word(op)} {_format_units(pivot, self.scale)}"
            conditions.append((phrase, _compare(table.numeric[:, column], op, pivot)))
        py.shuffle(conditions)  # the order must not tell which condition is the selective one
        masks = [mask for _, mask in conditions]
        mask = masks[0] if len(masks) == 1 else (masks[0] | masks[1] if shape == "or" else masks[0] & masks[1])
        return f" {'or' if shape == 'or' else 'and'} ".join(phrase for phrase, _ in conditions), mask

    def single_pivot(self, values: np.ndarray, op: str, narrow: bool) -> int | None:
        if narrow:
            return _extreme_pivot(values, op, self.py_rng.randint(1, MAX_PRINTED_ROWS))
        return int(values[self.py_rng.randrange(len(values))])  # a cell value: selects a uniform share of rows

    def half_pivot(self, values: np.ndarray, op: str, broad: bool) -> int:
        ordered, middle = np.sort(values), (len(values) - 1) // 2
        low_half = (op == "greater") == broad  # a low pivot lets most rows pass "greater", few pass "less"
        index = self.py_rng.randint(0, middle) if low_half else self.py_rng.randint(middle, len(values) - 1)
        return int(ordered[index])


def generate(config: SynthConfig, n: int, split: str) -> list[SynthExample]:
    """`n` examples with ids `syn-{split}-{i}`, templates drawn uniformly; deterministic per (config, split).

    >>> [example] = generate(SynthConfig(templates=("count",)), 1, "train")
    >>> example.id, example.answers == [str(len(example.rows))]
    ('syn-train-0', True)
    """
    _check_split(split)
    if n < 0:
        raise ConfigError(f"number of examples must be >= 0, got {n}")
    generator, templates = _Generator(config, split), config.active_templates()
    picks = generator.np_rng.integers(0, len(templates), size=n)
    # the examples hold millions of acyclic lists that the cycle collector would rescan over and over (3x slower)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return [generator.example(f"syn-{split}-{i}", templates[pick]) for i, pick in enumerate(picks)]
    finally:
        if collecting:
            gc.enable()


def _check_split(split: str) -> None:
    if not _SPLIT_NAME.fullmatch(split):
        raise ConfigError(f"split name {split!r} must be letters, digits, '_', '.' or '-'")


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, *rows]
    body = '"\n"'.join(['","'.join(line) for line in lines])
    # each cell boundary adds two quotes; any other quote, or a backslash, is a cell that needs escaping
    # (generated cells never do); line breaks stay raw inside the quotes, as in the WTQ release
    if body.count('"') != 2 * (sum(map(len, lines)) - 1) or "\\" in body:
        escaped = [[cell.replace("\\", "\\\\").replace('"', '\\"') for cell in line] for line in lines]
        body = '"\n"'.join(['","'.join(line) for line in escaped])
    return f'"{body}"\n'


def _tsv_field(text: str) -> str:
    # wtq.escape walks characters in Python; printable text without a backslash or pipe needs nothing
    return text if text.isprintable() and "\\" not in text and "|" not in text else escape(text)


def write_dataset(out_dir: str | os.PathLike[str], examples: Sequence[SynthExample], split: str) -> None:
    """Write `data/{split}.tsv`, `data/{split}-templates.tsv` (id -> template) and `csv/{split}-csv/{i}.csv`.

    Files are staged in a hidden folder of `out_dir` and renamed into place, the question file
    last, so a crash never leaves a half-written file or questions pointing at other tables.

    >>> with tempfile.TemporaryDirectory() as out:
    ...     write_dataset(out, generate(SynthConfig(), 2, "dev"), "dev")
    ...     sorted(str(path.relative_to(out)) for path in Path(out).rglob("*.*sv"))
    ['csv/dev-csv/0.csv', 'csv/dev-csv/1.csv', 'data/dev-templates.tsv', 'data/dev.tsv']
    """
    _check_split(split)
    out = Path(out_dir)
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "csv").mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{split}-", dir=out))
    try:
        tables = staging / f"{split}-csv"
        tables.mkdir()
        questions, templates = ["\t".join(QUESTION_COLUMNS)], ["id\ttemplate"]
        for index, example in enumerate(examples):
            csv_text = _csv_text(example.header, example.rows)
            (tables / f"{index}.csv").write_text(csv_text, encoding="utf-8", newline="\n")
            answers = "|".join(_tsv_field(answer) for answer in example.answers)
            context = f"csv/{split}-csv/{index}.csv"
            example_id = _tsv_field(example.id)
            questions.append("\t".join((example_id, _tsv_field(example.question), context, answers)))
            templates.append(f"{example_id}\t{_tsv_field(example.template)}")
        for name, lines in ((f"{split}.tsv", questions), (f"{split}-templates.tsv", templates)):
            (staging / name).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
        (out / "data" / f"{split}.tsv").unlink(missing_ok=True)
        final_tables = out / "csv" / f"{split}-csv"
        if final_tables.exists():
            final_tables.rename(staging / "previous-csv")  # swept away with the staging folder
        tables.rename(final_tables)
        os.replace(staging / f"{split}-templates.tsv", out / "data" / f"{split}-templates.tsv")
        os.replace(staging / f"{split}.tsv", out / "data" / f"{split}.tsv")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
