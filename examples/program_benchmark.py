"""Count the padding in the bundled model's programs and check that minimal programs are faithful.

    python examples/program_benchmark.py --data PATH/TO/WikiTableQuestions --split random-split-1-dev
    python examples/program_benchmark.py --data datasets/wtq-sample --split sample-dev

For every question of the split the bundled model (or ``--model``) decodes its raw
program and runs it exactly. The script minimises each program, counts the steps
dropped, counts the padding a second minimisation still finds in the minimal
programs (0 is the goal), and checks faithfulness: each minimal program, printed,
parsed back and interpreted, gives the identical answer.
"""

from __future__ import annotations

import argparse
import json
import math
import time

from neuprog.lang.interpret import interpret
from neuprog.lang.minimal import minimize
from neuprog.lang.parse import parse
from neuprog.lang.program import render
from neuprog.learn.runner import open_model
from neuprog.model.features import collate
from neuprog.wtq.samples import load_samples


def same(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset root in WikiTableQuestions layout")
    parser.add_argument("--split", default="random-split-1-dev", help="split to read (default: %(default)s)")
    parser.add_argument("--model", help="a model folder or checkpoint (default: the bundled model)")
    args = parser.parse_args()
    start = time.perf_counter()
    model = open_model(args.model)[0]
    samples = load_samples(args.data, args.split, max_constants=model.config.max_constants)
    counts = {"predictions": 0, "raw steps": 0, "minimal steps": 0, "padded steps": 0, "programs with padding": 0, "padded steps left": 0, "faithful": 0}
    for begin in range(0, len(samples), 128):
        chunk = samples[begin : begin + 128]
        for sample, prediction in zip(chunk, model.predict(collate(chunk, model.vocab))):
            minimal = minimize(prediction.program, model.registry)
            again = parse(render(minimal.program, model.registry), model.registry)
            counts["predictions"] += 1
            counts["raw steps"] += len(prediction.program.steps)
            counts["minimal steps"] += len(minimal.program.steps)
            counts["padded steps"] += len(minimal.dropped)
            counts["programs with padding"] += bool(minimal.dropped)
            counts["padded steps left"] += len(minimize(again, model.registry).dropped)
            counts["faithful"] += prediction.answer is not None and same(interpret(again, sample.table, model.registry), prediction.answer)
    for name, value in counts.items():
        print(f"{name:<22} {value}")
    share = counts["padded steps"] / max(counts["raw steps"], 1)
    print(f"padding was {100 * share:.1f}% of raw steps; {counts['faithful']} of {counts['predictions']} minimal programs give the identical answer")
    print(json.dumps({**{k.replace(" ", "_"): v for k, v in counts.items()}, "seconds": round(time.perf_counter() - start, 1)}))


if __name__ == "__main__":
    main()
