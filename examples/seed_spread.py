"""Measure how much the seed moves the bundled recipe: for each seed, its two models trained side by side, joined, and scored on dev.

    python examples/seed_spread.py --data PATH/TO/WikiTableQuestions --minutes 18 --out runs/spread
    python examples/seed_spread.py --data PATH/TO/WikiTableQuestions --minutes 57 --same-holdout --out runs/spread-full

Seed ``s`` trains copies of the configs with ``max_minutes`` (the learning
rate then decays on time) and ``s`` added to each config's own ``seed`` and
``holdout_seed`` (so a pair of one config with seeds 0 and 1 and one holdout
seed is spread with ``--seeds 0 2 4``; ``--same-holdout`` leaves the holdout
seeds as they are, so every seed's models hold out the same questions and share
a vocabulary), one torch thread each, at the same
time; ``neuprog ensemble`` joins the pair and ``neuprog eval`` scores it on
every question of the split. Prints one JSON line per seed, then the mean and
the sample standard deviation of the accuracies.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from neuprog.model.config import TrainConfig

CONFIGS = Path(__file__).parent / "configs"
RECIPE = (CONFIGS / "wtq-chosen-profile-stems-ranges-exists.json", CONFIGS / "wtq-profile-wd30-stems-ranges-exists.json")


def neuprog(*args: str) -> list[str]:
    return [sys.executable, "-m", "neuprog", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="WikiTableQuestions root")
    parser.add_argument("--out", type=Path, required=True, help="folder for the runs, ensembles and configs")
    parser.add_argument("--minutes", type=float, default=18.0, help="training cap of each model")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--configs", type=Path, nargs="+", default=list(RECIPE), help="the configs trained side by side")
    parser.add_argument("--split", default="random-split-1-dev")
    parser.add_argument("--same-holdout", action="store_true", help="keep each config's holdout seed whatever the seed")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    accuracies = []
    for seed in args.seeds:
        runs, training = [], []
        for path in args.configs:
            written = json.loads(path.read_text())
            own = TrainConfig.model_validate(written)
            config = {
                **written,
                "seed": own.seed + seed,
                "holdout_seed": own.held_out_by + (0 if args.same_holdout else seed),
                "max_minutes": args.minutes,
                "threads": 1,
            }
            run = args.out / f"{path.stem}-s{config['seed']}"
            copied = args.out / f"{run.name}.json"
            copied.write_text(json.dumps(config, indent=2))
            runs.append(run)
            training.append(subprocess.Popen(neuprog("train", "--config", str(copied), "--data", args.data, "--out", str(run), "--quiet", "--overwrite")))
        failed = [run.name for run, process in zip(runs, training) if process.wait()]  # wait for every run, so none is left behind
        if failed:
            sys.exit(f"seed {seed}: training {', '.join(failed)} failed")
        ensemble = args.out / f"ensemble-s{seed}"
        subprocess.run(neuprog("ensemble", str(ensemble), *(str(run / "last.pt") for run in runs), "--quiet"), check=True, stdout=subprocess.DEVNULL)
        scored = subprocess.run(neuprog("eval", str(ensemble), "--data", args.data, "--split", args.split), check=True, capture_output=True, text=True)
        result = json.loads(scored.stdout.strip().splitlines()[-1])
        accuracies.append(100 * result["accuracy"])
        print(json.dumps({"seed": seed, "ensemble": str(ensemble), **result}), flush=True)
    spread = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
    print(json.dumps({"seeds": args.seeds, "minutes": args.minutes, "mean": round(statistics.mean(accuracies), 2), "sd": round(spread, 2)}))


if __name__ == "__main__":
    main()
