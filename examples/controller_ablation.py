"""Ablation of the controller options: each option alone against the baseline, on the synthetic task and WikiTableQuestions.

    python examples/controller_ablation.py --data PATH/TO/WikiTableQuestions --seed 0 --out runs/ablation

Settings: the three synthetic settings of examples/synth_benchmark.py (`1col`,
`5col`, `text`: generated here, no data needed) and, with --data, WikiTableQuestions
(`random-split-1-train` for training, all of `random-split-1-dev` for scoring).
Controllers: the baseline (GRU history, stack rule, fixed length) and each option
alone: adaptive computation time (`act`), the fast-weights history (`fast_weights`)
and the read-head memory of step results (`read_head`). Every run uses the same
seed, one thread, a fixed number of training steps (no time limit, so the numbers
do not depend on the machine's speed) and keeps its last checkpoint. Prints one
JSON line per run, and at the end a markdown table: accuracy on every test (dev)
question, mean length of the decoded programs (steps run, and steps of the
minimal program), and training examples per second.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from neuprog.lang.minimal import minimize
from neuprog.learn.runner import load_model, train_from_config
from neuprog.model.config import load_config
from neuprog.model.features import collate
from neuprog.wtq.evaluate import evaluate
from neuprog.wtq.samples import load_samples
from neuprog.wtq.synth import SynthConfig, generate, test_config, write_dataset

CONFIGS = Path(__file__).parent / "configs"
SYNTHETIC = {"1col": (1, 0), "5col": (5, 0), "text": (3, 2)}
OPTIONS = {
    "baseline": {},
    "act": {"halting": "act"},
    "fast_weights": {"history": "fast_weights"},
    "read_head": {"step_memory": "read_head"},
}


def synthetic_run(setting: str, args) -> tuple[dict, str, str]:
    """Generate a synthetic setting once; its training overrides, data folder and test split."""
    numeric, text = SYNTHETIC[setting]
    data = Path(args.out) / "data" / setting
    if not (data / "data" / "test.tsv").exists():
        synth = SynthConfig(max_columns=numeric, text_columns=text, seed=args.seed)
        write_dataset(data, generate(synth, args.synth_train, "train"), "train")
        write_dataset(data, generate(test_config(synth), args.synth_test, "test"), "test")
    overrides = {"data": str(data), "dev_split": None, "dev_limit": None, "epochs": args.synth_steps * 32 / args.synth_train}
    return overrides, str(data), "test"


def run(setting: str, option: str, args) -> dict:
    if setting == "wtq":
        config_file = CONFIGS / "wtq.json"
        overrides = {"data": args.data, "dev_split": None, "dev_limit": None, "epochs": args.wtq_epochs}
        data, split = args.data, "random-split-1-dev"
    else:
        config_file = CONFIGS / "synth.json"
        overrides, data, split = synthetic_run(setting, args)
    base = load_config(config_file, overrides | {"seed": args.seed, "threads": 1, "max_minutes": None})
    config = base.model_copy(update={"model": base.model.model_copy(update=OPTIONS[option])})
    out = Path(args.out) / setting / option
    metrics = train_from_config(config, out, progress=False)
    model, config = load_model(out / "last.pt")
    samples = load_samples(data, split, max_constants=config.model.max_constants)
    result = evaluate(model, samples, lambda chunk: collate(chunk, model.vocab), batch_size=128)
    programs = [p.program for p in result["predictions"]]
    return {
        "setting": setting,
        "controller": option,
        "accuracy": round(100 * result["accuracy"], 2),
        "questions": result["total"],
        "mean_steps": round(sum(len(p.steps) for p in programs) / len(programs), 2),
        "mean_minimal_steps": round(sum(len(minimize(p, model.registry).program.steps) for p in programs) / len(programs), 2),
        "examples_per_second": metrics.get("examples_per_second"),
        "training_steps": metrics.get("step"),
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| setting | controller | accuracy | mean program length (steps run / minimal) | training examples / s |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['setting']} | {row['controller']} | {row['accuracy']:.1f}% | {row['mean_steps']:.2f} / {row['mean_minimal_steps']:.2f} | {row['examples_per_second']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="WikiTableQuestions root; without it the WikiTableQuestions rows are skipped")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/ablation")
    parser.add_argument("--settings", nargs="+", default=[*SYNTHETIC, "wtq"], choices=[*SYNTHETIC, "wtq"])
    parser.add_argument("--controllers", nargs="+", default=list(OPTIONS), choices=list(OPTIONS))
    parser.add_argument("--synth-train", type=int, default=20000, help="synthetic training questions")
    parser.add_argument("--synth-test", type=int, default=1000, help="synthetic test questions")
    parser.add_argument("--synth-steps", type=int, default=600, help="training steps (batches of 32) per synthetic run")
    parser.add_argument("--wtq-epochs", type=float, default=2.0, help="passes over the WikiTableQuestions training questions")
    args = parser.parse_args()
    rows = []
    for setting in args.settings:
        if setting == "wtq" and not args.data:
            continue
        for option in args.controllers:
            rows.append(run(setting, option, args))
            print(json.dumps(rows[-1]), flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
