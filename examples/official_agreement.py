"""How often neuprog's scorer and the official WikiTableQuestions evaluator give the same verdict.

    python examples/official_agreement.py --data path/to/WikiTableQuestions \
        [--cache predictions.json] [--write tests/fixtures/official_verdicts.tsv.gz]

Imports the official evaluator (`evaluator3.py`, evaluator.py 1.0.2 ported to Python 3)
from the data folder, reads `tagged/data/pristine-seen-tables.tagged` the way the
evaluator does (gold items with their `targetCanon`), predicts every question with the
bundled model, and adds a few perturbed predictions per question (trailing periods,
citations, units, separators, date spellings...). For each (question, prediction) pair it
compares `neuprog.tables.scoring.answer_is_correct` with the official
`check_denotation(to_value_list(gold, canon), to_value_list(prediction))` and prints the
disagreements. `--write` saves every pair with its official verdict as the test fixture.
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import importlib.util
import json
import random
import sys
from pathlib import Path

from neuprog.model.features import collate, make_sample
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.tables.scoring import answer_is_correct
from neuprog.wtq.files import iter_tables, read_questions

TAGGED = Path("tagged", "data", "pristine-seen-tables.tagged")
PER_QUESTION = 5  # perturbations drawn per question, which keeps the fixture small
ATTRIBUTION = (
    "# Gold answers (targetValue, targetCanon) from WikiTableQuestions 1.0.2, Panupong Pasupat and Percy Liang,\n"
    "# ACL 2015, https://github.com/ppasupat/WikiTableQuestions, licensed CC BY-SA 4.0\n"
    "# (https://creativecommons.org/licenses/by-sa/4.0/); this file, derived from them, is under the same license.\n"
    "# Predictions: neuprog's bundled model, and perturbations of the gold. Written by examples/official_agreement.py.\n"
)


def load_evaluator(root: Path):
    """The official evaluator module, imported from the data folder (never copied into neuprog)."""
    spec = importlib.util.spec_from_file_location("wtq_official_evaluator", root / "evaluator3.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_gold(evaluator, path: Path) -> list[dict]:
    """Questions as the evaluator's own `main` reads them (codecs reader, its TSV unescaping)."""
    questions = []
    with codecs.open(str(path), "r", "utf8") as lines:
        header = lines.readline().rstrip("\n").split("\t")
        for line in lines:
            fields = dict(zip(header, line.rstrip("\n").split("\t")))
            gold = evaluator.tsv_unescape_list(fields["targetValue"])
            canon = evaluator.tsv_unescape_list(fields["targetCanon"])
            questions.append({"id": fields["id"], "gold": gold, "canon": canon})
    return questions


def predict(root: Path, path: Path, cache: Path | None) -> dict[str, list[str]]:
    """The bundled model's predicted texts per question id, read from `cache` when it exists."""
    if cache is not None and cache.is_file():
        return json.loads(cache.read_text(encoding="utf-8"))
    model = NeuralProgrammer.from_pretrained()
    samples = []
    for example, table in iter_tables(root, read_questions(path)):
        samples.append(make_sample(example.id, example.question, table, example.answers, model.config.max_constants, example.answer_canon))
    texts = {}
    for start in range(0, len(samples), 128):
        chunk = samples[start : start + 128]
        for sample, prediction in zip(chunk, model.predict(collate(chunk, model.vocab))):
            texts[sample.id] = list(prediction.texts)
        print(f"predicted {start + len(chunk)}/{len(samples)}", file=sys.stderr)
    if cache is not None:
        cache.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    return texts


def _number(canon: str) -> float | None:
    try:
        return float(canon)
    except ValueError:
        return None


def perturbations(gold: list[str], canon: list[str], predicted: list[str]) -> dict[str, list[str]]:
    """Odd spellings of the gold answer (and of the prediction), named; the official rule accepts some."""
    first, number = gold[0], _number(canon[0])
    found = {
        "gold": gold,
        "gold.": [g + "." for g in gold],
        "gold..": [g + ".." for g in gold],
        "gold (remark)": [g + " (remark)" for g in gold],
        "(gold)": [f"({g})" for g in gold],
        "gold[1]": [g + "[1]" for g in gold],
        "gold [a]": [g + " [a]" for g in gold],
        "[a]gold": ["[a]" + first],
        "gold*": [g + "*" for g in gold],
        '"gold"': [f'"{g}"' for g in gold],
        "\u201cgold\u201d": [f"\u201c{g}\u201d" for g in gold],
        "GOLD": [g.upper() for g in gold],
        "gold spaced": [f"  {g.replace(' ', '   ')} " for g in gold],
        "gold dashes": [g.replace("-", "\u2013") for g in gold],
        "gold undashed": [g.replace("\u2013", "-").replace("\u2014", "-") for g in gold],
        "gold bar": [g.replace("-", "\u2015") for g in gold],
        "gold quotes": [g.replace("'", "\u2019") for g in gold],
        "gold acute": [g.replace("'", "\u00b4") for g in gold],
        "gold accented": [g.replace("e", "\u00e9") for g in gold],
        "canon": canon,
        "canon.": [c + "." for c in canon],
        "canon km": [c + " km" for c in canon],
        "model.": [p + "." for p in predicted],
        "model (remark)": [p + " (remark)" for p in predicted],
        "model twice": predicted + predicted,
    }
    if len(gold) > 1:
        found |= {"gold reversed": gold[::-1], "gold less one": gold[:-1], "gold plus one": [*gold, "Other"]}
    found["gold repeated"] = [*gold, first.lower()]
    if number is not None:
        whole = round(number)
        found |= {
            "number": [repr(number)],
            "number-1e-7": [repr(number - 1e-7)],
            "number+1e-7": [repr(number + 1e-7)],
            "number+1e-5": [repr(number + 1e-5)],
            "number+1": [repr(number + 1)],
            "number,": [f"{whole:,}"],
            "number_": [f"{whole:_}"],
            "+number": [f"+{whole}"],
            "\u2212number": [f"\u2212{abs(whole)}"],
            " number ": [f" {whole} "],
            "number%": [f"{whole}%"],
            "number year": [f"{whole}-xx-xx"],
            "number units": [f"{whole} units"],
        }
    dates = [c for c in canon if c.count("-") == 2]
    if dates:
        year, month, day = dates[0].split("-")
        found |= {
            "date xx": [f"xx-{month}-{day}"],
            "date XX": [f"XX-{month}-{day}".upper()],
            "date unpadded": [f"{year}-{month.lstrip('0') or month}-{day.lstrip('0') or day}"],
            "date padded": [f"0{year}-0{month}-0{day}"],
            "date spaced": [f"{year}- {month}-{day}"],
            "date year only": [f"{year}-xx-xx"],
            "date slashed": [f"{month}/{day}/{year}"],
        }
    return found


def rows_for(question: dict, predicted: list[str]) -> list[tuple[str, list[str]]]:
    """The model's prediction and `PER_QUESTION` perturbations drawn for this question, without repeats."""
    pool = perturbations(question["gold"], question["canon"], predicted)
    names = sorted(pool)
    random.Random(question["id"]).shuffle(names)
    rows, seen = [("model", predicted)], {json.dumps(predicted)}
    for name in names:
        key = json.dumps(pool[name])
        if key not in seen and len(rows) <= PER_QUESTION:
            rows.append((name, pool[name]))
            seen.add(key)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="the WikiTableQuestions root (holds evaluator3.py)")
    parser.add_argument("--cache", type=Path, help="JSON of the model's predictions: read if it exists, else written")
    parser.add_argument("--write", type=Path, help="write the fixture (id, kind, official verdict, gold, canon, prediction) here")
    parser.add_argument("--show", type=int, default=10, help="print this many disagreements")
    args = parser.parse_args()
    evaluator = load_evaluator(args.data)
    questions = read_gold(evaluator, args.data / TAGGED)
    predictions = predict(args.data, args.data / TAGGED, args.cache)
    lines, disagreements, counts, model_right = [], [], {"model": [0, 0], "perturbed": [0, 0]}, 0
    for question in questions:
        target = evaluator.to_value_list(question["gold"], question["canon"])
        for kind, predicted in rows_for(question, predictions[question["id"]]):
            official = evaluator.check_denotation(target, evaluator.to_value_list(predicted))
            ours = answer_is_correct(predicted, question["gold"], question["canon"])
            model_right += kind == "model" and official
            tally = counts["model" if kind == "model" else "perturbed"]
            tally[0] += 1
            if ours != official:
                tally[1] += 1
                disagreements.append((question["id"], kind, question["gold"], question["canon"], predicted, official))
            fields = [question["id"], kind, str(official)] + [json.dumps(x, ensure_ascii=False) for x in (question["gold"], question["canon"], predicted)]
            lines.append("\t".join(fields))
    print(f"{len(questions)} questions; the bundled model is right on {model_right} by the official rule")
    for name, (total, disagree) in counts.items():
        print(f"{name} predictions: neuprog disagrees with the official verdict on {disagree} of {total}")
    for example_id, kind, gold, canon, predicted, official in disagreements[: args.show]:
        print(f"  {example_id} {kind}: gold {gold} canon {canon} predicted {predicted}: official {official}")
    if args.write:
        header = "\t".join(["id", "kind", "official", "targetValue", "targetCanon", "prediction"])
        text = (ATTRIBUTION + header + "\n" + "\n".join(lines) + "\n").encode("utf-8")
        # No timestamp or name in the gzip header, so the same data gives the same bytes.
        args.write.write_bytes(gzip.compress(text, mtime=0) if args.write.suffix == ".gz" else text)
        print(f"wrote {len(lines)} rows to {args.write}")


if __name__ == "__main__":
    main()
