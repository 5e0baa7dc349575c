"""WikiTableQuestions-layout splits read into samples: each question against its table, with its answer targets."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from tqdm import tqdm

from neuprog.model.features import Sample, make_sample
from neuprog.wtq.files import iter_tables, load_split


def load_samples(
    root: str | Path,
    split: str,
    limit: int | None = None,
    max_constants: int = 12,
    progress: bool = False,
    skip_tables: Collection[str] = (),
) -> list[Sample]:
    """Read a WikiTableQuestions-layout split and prepare every question (tables are read once).

    Questions on a table named in ``skip_tables`` (as their file names it, e.g.
    ``csv/204-csv/772.csv``) are left out.
    """
    skipped = set(skip_tables)
    examples = [example for example in load_split(root, split) if example.table_path not in skipped][:limit]
    samples = []
    pairs = iter_tables(root, examples)
    if progress:
        pairs = tqdm(pairs, total=len(examples), desc=f"reading {split}", unit="q", leave=False)
    for example, table in pairs:
        samples.append(make_sample(example.id, example.question, table, example.answers, max_constants, example.answer_canon))
    return samples
