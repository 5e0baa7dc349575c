"""Ask the bundled model every question in examples/tables/questions.tsv and score it.

    python examples/ask_examples.py

The questions were written by hand for the tables beside them, with their answers,
before the model saw them; the last column records whether the bundled model gets
each one right (a test keeps those that it does).
"""

from __future__ import annotations

import csv
from pathlib import Path

from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.tables.canon import canonical_forms
from neuprog.tables.scoring import answer_is_correct, format_number

TABLES = Path(__file__).parent / "tables"


def predicted_values(result) -> list[str]:
    """What the official scorer compares: the cell texts of a lookup, else the number."""
    if result.answer is None:
        return []
    return result.cells if result.aggregator == "NONE" else [format_number(result.value)]


def main() -> None:
    model = NeuralProgrammer.from_pretrained()
    with open(TABLES / "questions.tsv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream, delimiter="\t"))
    right = 0
    for row in rows:
        gold = row["answer"].split("|")
        result = model.ask(TABLES / row["table"], row["question"])
        correct = answer_is_correct(predicted_values(result), gold, canonical_forms(gold)) if result.answer else False
        right += correct
        print(f"{'right' if correct else 'wrong'}  {row['table']:<12} {row['question']:<50} -> {result.answer}  ({result.confidence:.2f})")
    print(f"{right} of {len(rows)} right")


if __name__ == "__main__":
    main()
