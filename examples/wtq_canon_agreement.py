"""How often our canonical forms type a gold answer as the tagged files' `targetCanon` does.

    python examples/wtq_canon_agreement.py --data path/to/WikiTableQuestions

Reads `tagged/data/*.tagged` (questions with `targetCanon`) and counts the questions
whose every gold item gets the same type and value from `neuprog.tables.canon` as from the
official canonical form.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from neuprog.tables.canon import canonical_forms
from neuprog.tables.scoring import to_value
from neuprog.wtq.files import read_questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the WikiTableQuestions root")
    parser.add_argument("--show", type=int, default=10, help="print this many disagreements")
    args = parser.parse_args()
    for path in sorted(Path(args.data, "tagged", "data").glob("*.tagged")):
        examples = read_questions(path)
        disagreements = []
        for example in examples:
            official = [to_value(raw, canon) for raw, canon in zip(example.answers, example.answer_canon)]
            ours = [to_value(raw, canon) for raw, canon in zip(example.answers, canonical_forms(example.answers))]
            if official != ours:
                disagreements.append((example.answers, example.answer_canon))
        agree = len(examples) - len(disagreements)
        print(f"{path.name}: {agree}/{len(examples)} questions typed alike ({100 * agree / len(examples):.2f}%)")
        for answers, canon in disagreements[: args.show]:
            print(f"  {' | '.join(answers)!r}: official {' | '.join(canon)!r}")


if __name__ == "__main__":
    main()
