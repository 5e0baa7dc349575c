"""Pool several models' answers: each model's most probable programs vote for their answers with their probabilities.

    python examples/answer_vote.py --data PATH/TO/WikiTableQuestions MODEL_OR_CHECKPOINT [MODEL_OR_CHECKPOINT ...]

``-`` names the bundled model. Prints each model's accuracy (its most probable
program that gives an answer) and the pooled accuracy on the split, scored with
the official rule.
"""

from __future__ import annotations

import argparse
import json
import sys

import torch

from neuprog.errors import NeuprogError
from neuprog.learn.runner import open_model
from neuprog.model.ensemble import vote
from neuprog.model.features import collate
from neuprog.tables.scoring import answer_is_correct
from neuprog.wtq.samples import load_samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="model folders or checkpoints; - is the bundled model")
    parser.add_argument("--data", required=True, help="WikiTableQuestions root")
    parser.add_argument("--split", default="random-split-1-dev")
    parser.add_argument("--programs", type=int, default=8, help="most probable programs each model offers per question")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    models = [open_model(None if path == "-" else path)[0] for path in args.models]
    read = {size: load_samples(args.data, args.split, max_constants=size) for size in {model.config.max_constants for model in models}}
    samples = next(iter(read.values()))  # the same questions in the same order, whatever the constant limit
    offers: list[list] = [[] for _ in samples]  # per question, per model: its predictions, most probable first
    alone = []
    for model in models:
        correct = 0
        for start in range(0, len(samples), 64):
            chunk = read[model.config.max_constants][start : start + 64]
            for offset, (sample, found) in enumerate(zip(chunk, model.candidates(collate(chunk, model.vocab), args.programs))):
                offers[start + offset].append(found)
                answered = next((prediction for prediction in found if prediction.texts), None)
                correct += answered is not None and answer_is_correct(answered.texts, sample.answers, sample.canon)
        alone.append(round(correct / len(samples), 4))
    winners = [vote(offered)[1] for offered in offers]
    pooled = sum(bool(winner and winner.texts and answer_is_correct(winner.texts, sample.answers, sample.canon)) for winner, sample in zip(winners, samples))
    print(json.dumps({"split": args.split, "questions": len(samples), "each": alone, "pooled": round(pooled / len(samples), 4)}))


if __name__ == "__main__":
    try:
        main()
    except NeuprogError as error:  # an unreadable model or data folder: one line and neuprog's exit code
        print(f"answer_vote: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
