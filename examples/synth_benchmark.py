"""Benchmark on the Neural Programmer (ICLR 2016) synthetic task: generate, train, score the whole test set.

    python examples/synth_benchmark.py --setting text --out runs/bench

Settings follow the paper: `1col` (1 numeric column), `5col` (up to 5 numeric
columns, 5 at test), `text` (up to 3 numeric + 2 text columns, 3 + 2 at test).
Prints one JSON line with test accuracy, training minutes and examples/second.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from neuprog.learn.runner import load_model, train_from_config
from neuprog.model.config import load_config
from neuprog.model.features import collate
from neuprog.wtq.evaluate import evaluate
from neuprog.wtq.samples import load_samples
from neuprog.wtq.synth import SynthConfig, generate, test_config, write_dataset

SETTINGS = {"1col": (1, 0), "5col": (5, 0), "text": (3, 2)}
PUBLISHED = {"1col": 100.0, "5col": 99.11, "text": 98.03}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setting", choices=sorted(SETTINGS), default="text")
    parser.add_argument("--out", default="runs/bench")
    parser.add_argument("--config", default=str(Path(__file__).parent / "configs" / "synth.json"))
    parser.add_argument("--train", type=int, default=50000)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--overwrite", action="store_true", help="replace the run OUT/SETTING/run already holds")
    args = parser.parse_args()
    numeric, text = SETTINGS[args.setting]
    out = Path(args.out) / args.setting
    data = out / "data"
    synth = SynthConfig(max_columns=numeric, text_columns=text, seed=0)
    write_dataset(data, generate(synth, args.train, "train"), "train")
    write_dataset(data, generate(test_config(synth), args.test, "test"), "test")
    config = load_config(args.config, {"data": str(data), "max_minutes": args.minutes})
    started = time.perf_counter()
    metrics = train_from_config(config, out / "run", overwrite=args.overwrite)
    minutes = (time.perf_counter() - started) / 60
    model, config = load_model(out / "run" / "best.pt")
    samples = load_samples(data, "test", max_constants=config.model.max_constants)
    result = evaluate(model, samples, lambda chunk: collate(chunk, model.vocab), batch_size=128)
    print(
        json.dumps(
            {
                "setting": args.setting,
                "test_accuracy": round(100 * result["accuracy"], 2),
                "test_questions": result["total"],
                "neural_programmer": PUBLISHED[args.setting],
                "train_minutes": round(minutes, 1),
                "examples_per_second": metrics.get("examples_per_second"),
                "steps": metrics.get("step"),
            }
        )
    )


if __name__ == "__main__":
    main()
