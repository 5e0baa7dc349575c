"""The `neuprog` command line: ops, run, ask, explain, train, eval, synth."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import DataError, NeuprogError

EXIT_CODES = """exit codes: 0 ok, 1 other error, 2 usage or config error, 3 unreadable data,
4 program syntax or type error, 5 execution error, 6 registry error, 7 bad checkpoint"""


def _ops(args) -> None:
    from .ops import BUILTINS

    if args.markdown:
        print("| op | arguments → result | printed as | meaning |\n|---|---|---|---|")
    for op in BUILTINS:
        if args.markdown:
            arguments = op.signature.split(" -> ")[0][len(op.name) :]
            print(f"| `{op.name}` | `{arguments}` → {op.returns.__name__} | `{op.template}` | {op.doc} |")
        else:
            print(f"{op.signature}\n    {op.template}\n    {op.doc}")


def _table(path: str, encoding: str):
    from .table import Table

    return Table.from_csv(path, encoding=encoding)


def _run(args) -> None:
    from .interpret import answer_texts, interpret
    from .parse import parse

    table = _table(args.table, args.encoding)
    program = parse(args.program)
    answer = interpret(program, table)
    print("\n".join(answer_texts(answer, table)))


def _question(text: str) -> str:
    if not text.strip():
        raise DataError("the question is empty")
    return text


def _explain(args) -> None:
    from .explain import explain_text
    from .runner import load_model

    model, _ = load_model(args.checkpoint)
    table = _table(args.table, args.encoding)
    print(explain_text(model, table, _question(args.question), top=args.top))


def _train(args) -> None:
    from .config import load_config, parse_config
    from .runner import train_from_config

    overrides = {}
    if args.data:
        overrides["data"] = args.data
    config = load_config(args.config, overrides) if args.config else parse_config(overrides, "command line")
    metrics = train_from_config(config, args.out, resume=args.resume, progress=not args.quiet)
    print(json.dumps(metrics))


def _eval(args) -> None:
    from .data import collate, load_samples
    from .evaluate import evaluate
    from .runner import load_model
    from .scoring import format_prediction_line

    model, config = load_model(args.checkpoint)
    samples = load_samples(args.data, args.split, max_constants=config.model.max_constants, progress=not args.quiet)
    result = evaluate(model, samples, lambda chunk: collate(chunk, model.vocab), batch_size=args.batch_size, typed_gold=not args.raw_gold)
    if args.predictions:
        lines = [format_prediction_line(s.id, p.texts) for s, p in zip(samples, result["predictions"])]
        Path(args.predictions).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(json.dumps({"split": args.split, "accuracy": round(result["accuracy"], 4), "correct": result["correct"], "total": result["total"]}))


def _synth(args) -> None:
    from .synth import SynthConfig, generate, test_config, write_dataset

    config = SynthConfig(max_columns=args.columns, text_columns=args.text_columns, variation=not args.no_variation, seed=args.seed)
    write_dataset(args.out, generate(config, args.train, "train"), "train")
    write_dataset(args.out, generate(test_config(config).model_copy(update={"seed": args.seed + 1}), args.test, "test"), "test")
    print(f"wrote {args.train} training and {args.test} test questions to {args.out}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuprog", description="Differentiable program induction over tables.", epilog=EXIT_CODES)
    commands = parser.add_subparsers(dest="command", required=True)

    ops = commands.add_parser("ops", help="list the registered ops")
    ops.add_argument("--markdown", action="store_true", help="as the table in the README")
    ops.set_defaults(handler=_ops)

    run = commands.add_parser("run", help="run program text on a CSV table and print the answer")
    run.add_argument("table")
    run.add_argument("program")
    run.add_argument("--encoding", default="utf-8")
    run.set_defaults(handler=_run)

    explain = commands.add_parser("explain", help="show a trained model's per-step choices, program and answer")
    explain.add_argument("checkpoint")
    explain.add_argument("table")
    explain.add_argument("question")
    explain.add_argument("--top", type=int, default=3)
    explain.add_argument("--encoding", default="utf-8")
    explain.set_defaults(handler=_explain)

    train = commands.add_parser("train", help="train a model on WikiTableQuestions-layout data")
    train.add_argument("--config", help="JSON file with a TrainConfig")
    train.add_argument("--data", help="dataset root (overrides the config)")
    train.add_argument("--out", required=True, help="directory for checkpoints and metrics.jsonl")
    train.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    train.add_argument("--quiet", action="store_true")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("eval", help="score a checkpoint on a split with the official rule")
    evaluate.add_argument("checkpoint")
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--split", required=True)
    evaluate.add_argument("--predictions", help="write id<TAB>values lines here")
    evaluate.add_argument("--batch-size", type=int, default=128)
    evaluate.add_argument("--quiet", action="store_true")
    evaluate.add_argument("--raw-gold", action="store_true", help="type gold answers from their raw text, not their canonical forms")
    evaluate.set_defaults(handler=_eval)

    synth = commands.add_parser("synth", help="generate the Neural Programmer synthetic task")
    synth.add_argument("--out", required=True)
    synth.add_argument("--columns", type=int, default=5, help="most numeric columns")
    synth.add_argument("--text-columns", type=int, default=2)
    synth.add_argument("--train", type=int, default=50000)
    synth.add_argument("--test", type=int, default=2000)
    synth.add_argument("--no-variation", action="store_true", help="no synonyms")
    synth.add_argument("--seed", type=int, default=0)
    synth.set_defaults(handler=_synth)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except NeuprogError as error:
        print(f"neuprog: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("neuprog: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # never a traceback for the user; the message still names what failed
        print(f"neuprog: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
