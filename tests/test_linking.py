"""Linking question words to columns: exact words by default, shared stems with the 'stems' option."""

from __future__ import annotations

import torch

from neuprog.lang.ops import BUILTINS
from neuprog.model.config import ModelConfig
from neuprog.model.features import Vocab, collate, make_sample
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.tables.table import Table

TABLE = Table.from_rows(["District", "females", "Created"], [["Lima", "10", "1950"], ["Ate", "20", "1960"]])
QUESTION = "which districts have the most female speakers?"


def _batch():
    sample = make_sample("q", QUESTION, TABLE)
    return collate([sample], Vocab.build([sample]))


def test_stems_link_plural_and_singular_words_to_columns_that_exact_words_miss():
    batch = _batch()
    words = batch.samples[0].question.tokens
    district, female = words.index("districts"), words.index("female")
    assert batch.token_columns[0, :, :3].sum() == 0, "no question word is exactly a word of a column name"
    assert batch.token_stems[0, district].tolist() == [1.0, 0.0, 0.0]
    assert batch.token_stems[0, female].tolist() == [0.0, 1.0, 0.0]
    assert batch.column_features[0, :3, 0].tolist() == [0.0, 0.0, 0.0]
    assert batch.column_features[0, :3, 3].tolist() == [1.0, 1.0, 0.0]


def _column_choices(model, batch):
    model.eval()
    with torch.no_grad():
        return model.controller(batch).columns


def test_only_a_stems_model_reads_the_stem_links():
    batch = _batch()
    vocab = Vocab.build(batch.samples)
    cut = collate(batch.samples, vocab)
    cut.token_stems.zero_()
    cut.column_features[..., 3] = 0.0
    for linking, reads in (("exact", False), ("stems", True)):
        torch.manual_seed(0)
        model = NeuralProgrammer(BUILTINS, vocab, ModelConfig(hidden=16, embedding=8, linking=linking))
        changed = not torch.equal(_column_choices(model, batch), _column_choices(model, cut))
        assert changed == reads, linking
