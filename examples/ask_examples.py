"""Ask the bundled model every question in examples/tables/questions.tsv and score it.

    python examples/ask_examples.py            # score them
    python examples/ask_examples.py --update   # and rewrite the file's last column with the verdicts

The questions were written by hand for the tables beside them, with their answers,
before the model saw them; the last column records whether the bundled model gets
each one right (a test keeps those that it does), and ``--update`` regenerates it
after the bundled model changes.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.tables.canon import canonical_forms
from neuprog.tables.scoring import answer_is_correct, format_number

TABLES = Path(__file__).parent / "tables"


def predicted_values(result) -> list[str]:
    """What the official scorer compares: the cell texts of a lookup, "yes" or "no", else the number."""
    if result.answer is None:
        return []
    if isinstance(result.value, bool):
        return [result.answer]
    return result.cells if result.aggregator == "NONE" else [format_number(result.value)]


def main() -> None:
    parser = argparse.ArgumentParser(description="Score the bundled model on the hand-written example questions.")
    parser.add_argument("--update", action="store_true", help="rewrite the bundled_model_right column of questions.tsv")
    args = parser.parse_args()
    model = NeuralProgrammer.from_pretrained()
    path = TABLES / "questions.tsv"
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream, delimiter="\t"))
    right = 0
    for row in rows:
        gold = row["answer"].split("|")
        result = model.ask(TABLES / row["table"], row["question"])
        correct = answer_is_correct(predicted_values(result), gold, canonical_forms(gold)) if result.answer else False
        right += correct
        row["bundled_model_right"] = "yes" if correct else "no"
        print(f"{'right' if correct else 'wrong'}  {row['table']:<12} {row['question']:<50} -> {result.answer}  ({result.confidence:.2f})")
    print(f"{right} of {len(rows)} right")
    if args.update:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
