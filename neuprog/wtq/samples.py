"""WikiTableQuestions-layout splits read into samples: each question against its table, with its answer targets."""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from neuprog.model.features import Sample, make_sample
from neuprog.wtq.files import iter_tables, load_split


def load_samples(root: str | Path, split: str, limit: int | None = None, max_constants: int = 12, progress: bool = False) -> list[Sample]:
    """Read a WikiTableQuestions-layout split and prepare every question (tables are read once)."""
    examples = load_split(root, split)[:limit]
    samples = []
    pairs = iter_tables(root, examples)
    if progress:
        pairs = tqdm(pairs, total=len(examples), desc=f"reading {split}", unit="q", leave=False)
    for example, table in pairs:
        samples.append(make_sample(example.id, example.question, table, example.answers, max_constants, example.answer_canon))
    return samples
