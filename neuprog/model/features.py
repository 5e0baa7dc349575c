"""Examples read against their tables, answer targets, the vocabulary, and padded training batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from functools import cached_property, lru_cache

import numpy as np
import torch

from neuprog.lang.batch import TableBatch
from neuprog.limits import TEXT_CHARS
from neuprog.model.subwords import gram_ids
from neuprog.tables.canon import canonical_forms
from neuprog.tables.question import STOPWORDS, Question, header_match, word_forms
from neuprog.tables.scoring import to_value
from neuprog.tables.table import Table
from neuprog.tables.text import tokenize

SPECIALS = ("<pad>", "<unk>", "<num>", "<date>")
_FLOAT32_MAX = float(np.finfo(np.float32).max)
KIND_IDS = {"plain": 0, "number": 1, "date": 2, "text": 3}


@dataclass
class Sample:
    """One question against its table, with what the loss needs to know about the gold answer."""

    id: str
    table: Table
    question: Question
    answers: tuple[str, ...]
    canon: tuple[str | None, ...]  # per answer, the canonical form that types it (see canon.py)
    scalar: float | None  # the gold number, when the answer is a single number
    items: list[np.ndarray]  # per gold value, (R, C) bool of the cells that match it; empty if some value matches none
    truth: bool | None = None  # True for a gold "yes", False for "no", else None


@lru_cache(maxsize=1 << 16)
def _value(text: str, canon: str | None = None):
    return to_value(text, canon)


def answer_targets(table: Table, answers: Sequence[str], canon: Sequence[str | None] | None = None) -> tuple[float | None, list[np.ndarray]]:
    """The scalar target and the per-value cell matches of a gold answer, by the official matching rule.

    >>> table = Table.from_rows(["City", "Rank"], [["Oslo", "2"], ["Rome", "1"]])
    >>> scalar, items = answer_targets(table, ["2"])
    >>> scalar, [np.argwhere(m).tolist() for m in items]
    (2.0, [[[0, 1]]])
    >>> answer_targets(table, ["1,200"], canon=["1200"])[0]
    1200.0
    """
    canon = canon if canon is not None else [None] * len(answers)
    gold = [_value(a, c) for a, c in zip(answers, canon)]
    scalar = float(gold[0].amount) if len(gold) == 1 and hasattr(gold[0], "amount") else None  # amounts may be exact ints
    cells = [_value(cell) for column in table.columns for cell in column]  # column by column, as the table keeps them
    R, C = table.shape
    items = []
    for value in gold:
        matched = np.array([value.matches(cell) for cell in cells], dtype=bool)
        if not matched.any():
            return scalar, []
        items.append(matched.reshape(C, R).T)
    return scalar, items


def yes_or_no(answers: Sequence[str]) -> bool | None:
    """True for a lone gold answer "yes", False for "no" (any case), else None.

    >>> yes_or_no(["Yes"]), yes_or_no(["no "]), yes_or_no(["Oslo"]), yes_or_no(["yes", "no"])
    (True, False, None, None)
    """
    if len(answers) != 1:
        return None
    return {"yes": True, "no": False}.get(answers[0].strip().lower())


def with_rows_shuffled(sample: Sample, generator: np.random.Generator) -> Sample:
    """The sample on a copy of its table with the rows in random order (answer targets follow their rows)."""
    order = generator.permutation(sample.table.shape[0])
    return replace(sample, table=sample.table.permuted(order), items=[item[order] for item in sample.items])


def make_sample(
    example_id: str,
    question: str,
    table: Table,
    answers: Sequence[str] = (),
    max_constants: int = 12,
    canon: Sequence[str | None] | None = None,
) -> Sample:
    """Prepare one question; gold items are typed by ``canon`` when given, else by `canonical_forms`."""
    TEXT_CHARS.check(len(question), f"question {example_id}")
    canon = tuple(canon) if canon else tuple(canonical_forms(list(answers)))
    scalar, items = answer_targets(table, answers, canon) if answers else (None, [])
    return Sample(example_id, table, Question.read(question, table, max_constants), tuple(answers), canon, scalar, items, yes_or_no(answers))


class Vocab:
    """Words of training questions and headers; numbers and dates read as <num> and <date>.

    With ``subword_buckets``, batches also carry each word's hashed character trigrams.
    """

    def __init__(self, words: Sequence[str], subword_buckets: int = 0) -> None:
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}
        self.subword_buckets = subword_buckets

    @classmethod
    def build(cls, samples: Sequence[Sample], min_count: int = 1) -> Vocab:
        counts: Counter = Counter()
        for sample in samples:
            counts.update(_question_words(sample.question))
            for name in sample.table.header:
                counts.update(tokenize(name))
        kept = sorted(w for w, n in counts.items() if n >= min_count and w not in SPECIALS)
        return cls(list(SPECIALS) + kept)

    def encode(self, words: Sequence[str]) -> list[int]:
        return [self.index.get(w, 1) for w in words]

    def __len__(self) -> int:
        return len(self.words)


def _question_words(question: Question) -> list[str]:
    words = list(question.tokens)
    for (start, end), constant in zip(question.spans, question.constants):
        if constant.kind in ("number", "date"):
            words[start:end] = [f"<{'num' if constant.kind == 'number' else 'date'}>"] + [""] * (end - start - 1)
    return [w for w in words if w] or ["<pad>"]


@dataclass
class Batch:
    """Padded tensors for B samples; targets are present when the samples have answers."""

    samples: list[Sample]
    tables: TableBatch
    tokens: torch.Tensor  # (B, Q) word ids
    token_kinds: torch.Tensor  # (B, Q) 0 plain, 1 number, 2 date, 3 phrase
    question_mask: torch.Tensor  # (B, Q) bool
    header_tokens: torch.Tensor  # (B, C, L) word ids of each column name
    header_mask: torch.Tensor  # (B, C, L) bool
    token_grams: torch.Tensor  # (B, Q, G) character trigram bucket ids of each question word (G = 0 without subwords)
    header_grams: torch.Tensor  # (B, C, L, G) the same for each word of each column name
    column_features: (
        torch.Tensor
    )  # (B, C, 4) header/question match, share of numeric cells, log(1 + cells matching the question), header/question match by stems
    column_profile: torch.Tensor  # (B, C, 6) what each column's cells look like (see `column_profile`)
    token_columns: torch.Tensor  # (B, Q, C) 1 where question word q is a word of column c's name
    token_stems: torch.Tensor  # (B, Q, C) 1 where question word q shares a stem with a word of column c's name
    constant_spans: torch.Tensor  # (B, K, 2) token span of each constant in the encoded question
    constant_kinds: torch.Tensor  # (B, K)
    compatible: torch.Tensor  # (B, K, C) how well constant k fits column c
    scalar_target: torch.Tensor  # (B,) float, 0 where none
    has_scalar: torch.Tensor  # (B,) bool
    cell_targets: torch.Tensor  # (B, N, R, C) bool
    item_mask: torch.Tensor  # (B, N) bool
    has_cells: torch.Tensor  # (B,) bool
    truth_target: torch.Tensor  # (B,) 1.0 for a gold "yes", 0.0 for "no" and where there is none
    has_truth: torch.Tensor  # (B,) bool: the gold answer is "yes" or "no"

    @cached_property
    def spanned(self) -> torch.Tensor:
        """(B, K, C) `spanned_constants` of the batch's tables, computed when a model with ``number_ranges`` first reads it."""
        return spanned_constants(self.tables)

    def to(self, device: torch.device) -> Batch:
        """The batch with every tensor on ``device``; itself when it is there already."""
        if self.tokens.device == device:
            return self
        tensors = {f.name: getattr(self, f.name).to(device) for f in fields(self) if isinstance(getattr(self, f.name), torch.Tensor)}
        return replace(self, tables=self.tables.to(device), **tensors)


def collate(samples: Sequence[Sample], vocab: Vocab) -> Batch:
    """Pad samples into one batch."""
    tables = TableBatch.build([s.table for s in samples], [s.question.constants for s in samples])
    B, K, R, C = tables.keys.shape
    words = [_question_words(s.question) for s in samples]
    Q = max(len(w) for w in words)
    tokens = torch.zeros(B, Q, dtype=torch.long)
    kinds = torch.zeros(B, Q, dtype=torch.long)
    spans = torch.zeros(B, K, 2, dtype=torch.long)
    constant_kinds = torch.zeros(B, K, dtype=torch.long)
    header_words = [[tokenize(h) or ["<unk>"] for h in s.table.header] for s in samples]
    headers = [[vocab.encode(words) for words in cols] for cols in header_words]
    L = max(len(h) for cols in headers for h in cols)
    token_grams = gram_ids(words, Q, vocab.subword_buckets)  # (B, Q, G)
    header_grams = gram_ids([cols[c] if c < len(cols) else [] for cols in header_words for c in range(C)], L, vocab.subword_buckets)  # (B * C, L, G)
    header_grams = header_grams.reshape(B, C, L, header_grams.shape[-1])
    header_tokens = torch.zeros(B, C, L, dtype=torch.long)
    column_features = torch.zeros(B, C, 4)
    profile = torch.zeros(B, C, 6)
    token_columns = torch.zeros(B, Q, C)
    token_stems = torch.zeros(B, Q, C)
    N = max([len(s.items) for s in samples] + [1])
    cell_targets = torch.zeros(B, N, R, C, dtype=torch.bool)
    item_mask = torch.zeros(B, N, dtype=torch.bool)
    scalar_target = torch.zeros(B)
    has_scalar = torch.zeros(B, dtype=torch.bool)
    truth_target = torch.tensor([float(bool(s.truth)) for s in samples])
    has_truth = torch.tensor([s.truth is not None for s in samples], dtype=torch.bool)
    for b, sample in enumerate(samples):
        encoded = vocab.encode(words[b])
        tokens[b, : len(encoded)] = torch.tensor(encoded)
        position = _positions(sample.question)
        for k, ((start, end), constant) in enumerate(zip(sample.question.spans, sample.question.constants)):
            start, end = position[start], max(position[start] + 1, position[end - 1] + 1)
            spans[b, k] = torch.tensor([start, end])
            kinds[b, start:end] = KIND_IDS[constant.kind]
            constant_kinds[b, k] = KIND_IDS[constant.kind]
        forms = [word_forms(word) for word in words[b]]
        for c, (name, ids) in enumerate(zip(sample.table.header, headers[b])):
            header_tokens[b, c, : len(ids)] = torch.tensor(ids)
            content = {w for w in tokenize(name) if w not in STOPWORDS}
            stems = set().union(*(word_forms(w) for w in content))
            for q, word in enumerate(words[b]):
                if word in content:
                    token_columns[b, q, c] = 1.0
                if forms[q] & stems:
                    token_stems[b, q, c] = 1.0
            column_features[b, c, 0] = header_match(sample.question, name)
            column_features[b, c, 3] = header_match(sample.question, name, stems=True)
        r, c = sample.table.shape
        column_features[b, :c, 1] = torch.from_numpy((~np.isnan(sample.table.numbers)).mean(0)).float()
        profile[b, :c] = column_profile(sample.table)
        for n, item in enumerate(sample.items):
            cell_targets[b, n, :r, :c] = torch.from_numpy(item)
            item_mask[b, n] = True
        if sample.scalar is not None:
            scalar_target[b], has_scalar[b] = min(max(sample.scalar, -_FLOAT32_MAX), _FLOAT32_MAX), True  # float32 holds less than a gold answer
    column_features[:, :, 2] = tables.matches.amax(dim=1).sum(dim=1).log1p()  # (B, C) log(1 + cells matching a question constant)
    compatible = torch.maximum(tables.matches.amax(dim=2), tables.key_valid.float().mean(dim=2))  # (B, K, C)
    return Batch(
        samples=list(samples),
        tables=tables,
        tokens=tokens,
        token_kinds=kinds,
        question_mask=tokens != 0,
        header_tokens=header_tokens,
        header_mask=header_tokens != 0,
        token_grams=token_grams,
        header_grams=header_grams,
        column_features=column_features,
        column_profile=profile,
        token_columns=token_columns,
        token_stems=token_stems,
        constant_spans=spans,
        constant_kinds=constant_kinds,
        compatible=compatible,
        scalar_target=scalar_target,
        has_scalar=has_scalar,
        cell_targets=cell_targets,
        item_mask=item_mask,
        has_cells=item_mask.any(dim=1),
        truth_target=truth_target,
        has_truth=has_truth,
    )


def spanned_constants(tables: TableBatch) -> torch.Tensor:
    """(B, K, C) 1 where constant k's number or date lies between the least and greatest value column c compares it with.

    >>> from neuprog.tables.constant import Constant
    >>> table = Table.from_rows(["Year", "Points"], [["1990", "12"], ["2004", "31"]])
    >>> tables = TableBatch.build([table], [[Constant("20", number=20.0), Constant("1995", number=1995.0), Constant("x")]])
    >>> spanned_constants(tables)[0].tolist()
    [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    """
    keys, valid = tables.keys, tables.key_valid  # (B, K, R, C) each
    least = keys.masked_fill(~valid, float("inf")).amin(2)  # (B, K, C)
    greatest = keys.masked_fill(~valid, float("-inf")).amax(2)  # (B, K, C)
    wanted = tables.constant_keys.unsqueeze(2)  # (B, K, 1), NaN for phrases, which compare false
    return ((wanted >= least) & (wanted <= greatest) & tables.constants.unsqueeze(2)).float()


def column_profile(table: Table) -> torch.Tensor:
    """(C, 6) what each column's cells look like, whatever its name: first column, relative position, share of dates, share of distinct values, share of empty cells, log length of its cells.

    >>> table = Table.from_rows(["Name", "Born"], [["Ada Lovelace", "10 December 1815"], ["Alan Turing", ""]])
    >>> [round(x, 2) for x in column_profile(table)[1].tolist()]
    [0.0, 1.0, 0.5, 1.0, 0.5, 0.55]
    """
    R, C = table.shape
    filled = table.value_ids >= 0  # (R, C)
    count = filled.sum(0).clip(min=1)  # (C,)
    lengths = np.array([[len(cell) for cell in column] for column in table.columns], dtype=float).reshape(C, R).mean(1) if R else np.zeros(C)
    return torch.from_numpy(
        np.stack(
            [
                np.arange(C) == 0,
                np.arange(C) / max(C - 1, 1),
                (~np.isnan(table.dates)).mean(0) if R else np.zeros(C),
                np.array([len(texts) for texts in table.texts]) / count,
                1 - filled.mean(0) if R else np.zeros(C),
                np.log1p(lengths) / 4,
            ],
            1,
        )
    ).float()


def _positions(question: Question) -> list[int]:
    """Position of each question token in the encoded word list (multi-token numbers collapse to one)."""
    drop = set()
    for (start, end), constant in zip(question.spans, question.constants):
        if constant.kind in ("number", "date"):
            drop.update(range(start + 1, end))
    positions, at = [], 0
    for i in range(len(question.tokens) + 1):
        positions.append(at)
        if i not in drop:
            at += 1
    return positions
