"""Register an op of your own and train a model that uses it, from answers alone.

    python examples/custom_op.py [--out runs/custom-op]

The op is SPREAD: the largest minus the smallest number of a column among the selected
rows. The generated questions ask "what is the spread of alpha" (optionally "... where
beta is greater than N"), so a model must learn to pick SPREAD, the right column and,
for the filtered ones, a comparison first. Takes about a minute on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import random
import tempfile

import torch

from neuprog.lang.ops import BUILTINS, numbers_in
from neuprog.lang.program import render
from neuprog.lang.values import Column, RowMask, Scalar
from neuprog.learn.runner import load_model, train_from_config
from neuprog.model.config import TrainConfig
from neuprog.model.features import collate
from neuprog.tables.table import Table
from neuprog.wtq.evaluate import evaluate
from neuprog.wtq.samples import load_samples
from neuprog.wtq.synth import SynthExample, write_dataset

registry = BUILTINS.copy()


@registry.op("SELECT SPREAD({column}) FROM {rows}")
class spread:
    """Largest minus smallest number of a column over the selected rows (0 if none)."""

    def exact(table: Table, rows: RowMask, column: Column) -> Scalar:
        _, values = numbers_in(table, rows, column)
        return float(values.max() - values.min()) if len(values) else 0.0

    def soft(batch, rows, column):  # (B, R), (B, C) -> (B,)
        values = torch.einsum("brc,bc->br", batch.numbers, column)  # (B, R)
        has = torch.einsum("brc,bc->br", batch.has_number, column) * rows  # (B, R)
        big = torch.finfo(values.dtype).max / 4
        top = torch.where(has > 0.5, values, torch.full_like(values, -big)).max(1).values  # (B,)
        low = torch.where(has > 0.5, values, torch.full_like(values, big)).min(1).values  # (B,)
        return torch.where(has.sum(1) > 0.5, top - low, torch.zeros_like(top))


COLUMNS = ["alpha", "beta", "gamma"]


def make_examples(count: int, seed: int, split: str) -> list[SynthExample]:
    rng = random.Random(seed)
    examples = []
    for i in range(count):
        rows = [[str(rng.randint(0, 99)) for _ in COLUMNS] for _ in range(rng.randint(4, 9))]
        target, other = rng.sample(range(len(COLUMNS)), 2)
        question = f"what is the spread of {COLUMNS[target]}"
        kept = rows
        if rng.random() < 0.5:
            pivot = rng.randint(20, 80)
            question += f" where {COLUMNS[other]} is greater than {pivot}"
            kept = [row for row in rows if int(row[other]) > pivot]
        values = [int(row[target]) for row in kept]
        answer = str(max(values) - min(values)) if values else "0"
        examples.append(SynthExample(f"{split}-{i}", question, list(COLUMNS), rows, [answer], "spread"))
    return examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="keep the run (checkpoints, metrics) here instead of a temporary folder")
    parser.add_argument("--overwrite", action="store_true", help="replace the run --out already holds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        write_dataset(data, make_examples(3000, 0, "train"), "train")
        write_dataset(data, make_examples(300, 1, "test"), "test")
        out = args.out or f"{data}/run"
        config = TrainConfig.model_validate(
            {
                "data": data,
                "train_split": "train",
                "dev_split": "test",
                "batch_size": 32,
                "epochs": 6,
                "learning_rate": 3e-3,
                "eval_every": 200,
                "seed": 0,
                "threads": 2,
                "model": {
                    "steps": 2,
                    "hidden": 64,
                    "embedding": 32,
                    "dropout": 0.0,
                    "search_samples": 8,
                    "ops": ["all_rows", "greater", "less", "count", "sum", "spread"],
                },
            }
        )
        metrics = train_from_config(config, out, registry=registry, progress=False, overwrite=args.overwrite)
        model, _ = load_model(f"{out}/best.pt", registry)
        samples = load_samples(data, "test")
        result = evaluate(model, samples, lambda chunk: collate(chunk, model.vocab))
    print(f"test accuracy {100 * result['accuracy']:.1f}% ({result['correct']}/{result['total']}); training metrics {metrics}")
    for sample, prediction in list(zip(samples, result["predictions"]))[:3]:
        print(f"{sample.question.text}\n  {render(prediction.program, model.registry)}  ->  {', '.join(prediction.texts)}")


if __name__ == "__main__":
    main()
