"""The `neuprog` command line: ops, run, ask, explain, export, train, eval, oracle, synth."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from neuprog.app.explain import explain_text
from neuprog.app.plot import plot_explanation
from neuprog.errors import ConfigError, DataError, NeuprogError
from neuprog.lang.interpret import answer_texts, interpret
from neuprog.lang.ops import BUILTINS
from neuprog.lang.parse import parse
from neuprog.lang.program import render
from neuprog.learn.calibrate import calibrate_checkpoints
from neuprog.learn.checkpoint import load_checkpoint
from neuprog.learn.runner import held_out, load_model, placement, train_from_config
from neuprog.model.config import load_config, parse_config
from neuprog.model.features import collate
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.tables.table import Table
from neuprog.wtq import probes
from neuprog.wtq.evaluate import breakdown, evaluate, markdown
from neuprog.wtq.files import format_prediction_line
from neuprog.wtq.oracle import coverage_report
from neuprog.wtq.samples import load_samples
from neuprog.wtq.synth import SynthConfig, generate, test_config, write_dataset

EXIT_CODES = """exit codes: 0 ok, 1 other error, 2 usage or config error, 3 unreadable data,
4 program syntax or type error, 5 execution error, 6 registry error, 7 bad checkpoint"""


def _ops(args) -> None:

    if args.markdown:
        print("| op | arguments → result | printed as | meaning |\n|---|---|---|---|")
    for op in BUILTINS:
        if args.markdown:
            arguments = op.signature.split(" -> ")[0][len(op.name) :]
            print(f"| `{op.name}` | `{arguments}` → {op.returns.__name__} | `{op.template}` | {op.doc} |")
        else:
            print(f"{op.signature}\n    {op.template}\n    {op.doc}")


def _table(path: str, encoding: str):

    return Table.from_csv(path, encoding=encoding)


def _run(args) -> None:

    table = _table(args.table, args.encoding)
    program = parse(args.program)
    answer = interpret(program, table)
    print("\n".join(answer_texts(answer, table)))


def _question(text: str) -> str:
    if not text.strip():
        raise DataError("the question is empty")
    return text


def _model(path: str | None):
    """The bundled model, a model folder, or a training checkpoint (.pt)."""

    if path and Path(path).is_file():
        return load_model(path)[0]
    return NeuralProgrammer.from_pretrained(path)


def _ask(args) -> None:
    table = _table(args.table, args.encoding)
    question = _question(args.question)
    result = _model(args.model).ask(table, question, min_confidence=args.min_confidence)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    elif result.abstained:
        print(f"no answer: the model's confidence {result.confidence:.2f} is below --min-confidence {args.min_confidence}")
        print(f"its best guess was: {result.program}")
    else:
        print(result)


def _explain(args) -> None:

    model = _model(args.model)
    table = _table(args.table, args.encoding)
    question = _question(args.question)
    print(explain_text(model, table, question, top=args.top))
    if args.plot:
        plot_explanation(model, table, question, args.plot)
        print(f"plot: {args.plot}")


def _export(args) -> None:

    model, _ = load_model(args.checkpoint)
    metrics = json.loads(load_checkpoint(args.checkpoint).get("metrics", "{}"))
    folder = model.save_pretrained(args.out, metrics)
    print(f"wrote {folder}")


def _train(args) -> None:

    overrides = {}
    if args.data:
        overrides["data"] = args.data
    config = load_config(args.config, overrides) if args.config else parse_config(overrides, "command line")
    metrics = train_from_config(config, args.out, resume=args.resume, progress=not args.quiet, device=args.device)
    if os.environ.get("RANK", "0") == "0":  # under torchrun, rank 0 reports
        print(json.dumps(metrics))


def _eval(args) -> None:

    model, config = load_model(args.checkpoint)
    model.to(placement(args.device))
    samples = load_samples(args.data, args.split, max_constants=config.model.max_constants, progress=not args.quiet)
    result = evaluate(model, samples, lambda chunk: collate(chunk, model.vocab), batch_size=args.batch_size, typed_gold=not args.raw_gold)
    if args.predictions:
        lines = [format_prediction_line(s.id, p.texts) for s, p in zip(samples, result["predictions"])]
        Path(args.predictions).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(json.dumps({"split": args.split, "accuracy": round(result["accuracy"], 4), "correct": result["correct"], "total": result["total"]}))
    if args.report:
        print(markdown(breakdown(samples, result)))
        print(probes.markdown(probes.probe(model, samples, result["is_correct"], lambda chunk: collate(chunk, model.vocab), args.batch_size)))


def _calibrate(args) -> None:
    model, config = load_model(args.checkpoint)
    if args.data:
        config = config.model_copy(update={"data": args.data})
    if not config.calibration_holdout:
        raise ConfigError(f"{args.checkpoint}: its config holds out no questions for calibration (calibration_holdout is 0)")
    samples = load_samples(config.data, config.train_split, config.train_limit, config.model.max_constants, progress=not args.quiet)
    report = calibrate_checkpoints(model, held_out(samples, config)[1], [args.checkpoint])
    print(json.dumps({"checkpoint": args.checkpoint, **report}))


def _oracle(args) -> None:

    registry = BUILTINS.subset(args.ops.split(",")) if args.ops else BUILTINS
    samples = load_samples(args.data, args.split, limit=args.limit, progress=not args.quiet)
    report = coverage_report(registry, samples, args.steps, args.max_states, progress=not args.quiet)
    programs = report.pop("programs")
    if args.programs:
        lines = [f"{s.id}\t{render(programs[s.id])}" for s in samples if s.id in programs]
        Path(args.programs).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(json.dumps({"split": args.split, "steps": args.steps, **report}))


def _synth(args) -> None:

    config = SynthConfig(max_columns=args.columns, text_columns=args.text_columns, variation=not args.no_variation, seed=args.seed)
    write_dataset(args.out, generate(config, args.train, "train"), "train")
    write_dataset(args.out, generate(test_config(config).model_copy(update={"seed": args.seed + 1}), args.test, "test"), "test")
    print(f"wrote {args.train} training and {args.test} test questions to {args.out}")


def _asks(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The arguments of a command that puts a question to a model: table, question, --model, --encoding."""
    command.add_argument("table")
    command.add_argument("question")
    command.add_argument("--model", help="a model folder or a training checkpoint (default: the bundled model)")
    command.add_argument("--encoding", default="utf-8")
    return command


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

    ask = _asks(commands.add_parser("ask", help="answer a question about a CSV table (bundled model unless --model)"))
    ask.add_argument("--json", action="store_true", help="one JSON object: answer, coordinates, cells, aggregator, value, program, confidence, steps")
    ask.add_argument("--min-confidence", type=float, default=0.0, help="abstain when the program's probability is lower")
    ask.set_defaults(handler=_ask)

    explain = _asks(commands.add_parser("explain", help="show the model's per-step choices, program and answer"))
    explain.add_argument("--top", type=int, default=3)
    explain.add_argument("--plot", help="also draw the per-step attention to this image file (needs the 'plot' extra)")
    explain.set_defaults(handler=_explain)

    export = commands.add_parser("export", help="write a training checkpoint as a model folder (safetensors + JSON)")
    export.add_argument("checkpoint")
    export.add_argument("out")
    export.set_defaults(handler=_export)

    train = commands.add_parser("train", help="train a model on WikiTableQuestions-layout data")
    train.add_argument("--config", help="JSON file with a TrainConfig")
    train.add_argument("--data", help="dataset root (overrides the config)")
    train.add_argument("--out", required=True, help="directory for checkpoints and metrics.jsonl")
    train.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    train.add_argument("--quiet", action="store_true")
    train.add_argument("--device", default="auto", help="auto (a GPU when there is one), cpu or cuda; under torchrun each process takes its LOCAL_RANK's GPU")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("eval", help="score a checkpoint on a split with the official rule")
    evaluate.add_argument("checkpoint")
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--split", required=True)
    evaluate.add_argument("--predictions", help="write id<TAB>values lines here")
    evaluate.add_argument("--batch-size", type=int, default=128)
    evaluate.add_argument("--quiet", action="store_true")
    evaluate.add_argument("--device", default="auto", help="auto (a GPU when there is one), cpu or cuda")
    evaluate.add_argument(
        "--report",
        action="store_true",
        help="also print accuracy by answer type, question kind and confidence, and the spurious-program probes (order-free questions on shuffled rows, A-or-B questions with the options swapped)",
    )
    evaluate.add_argument("--raw-gold", action="store_true", help="type gold answers from their raw text, not their canonical forms")
    evaluate.set_defaults(handler=_eval)

    calibrate = commands.add_parser("calibrate", help="fit a checkpoint's confidence calibration on the training questions its config held out")
    calibrate.add_argument("checkpoint", help="a training checkpoint (.pt), rewritten in place")
    calibrate.add_argument("--data", help="dataset root (default: the one the checkpoint was trained on)")
    calibrate.add_argument("--quiet", action="store_true", help="no progress bar")
    calibrate.set_defaults(handler=_calibrate)

    oracle = commands.add_parser("oracle", help="share of questions some program of T steps answers correctly")
    oracle.add_argument("--data", required=True)
    oracle.add_argument("--split", required=True)
    oracle.add_argument("--steps", type=int, default=4, help="program length T (the model's steps)")
    oracle.add_argument("--ops", help="comma-separated op names (default: every registered op)")
    oracle.add_argument("--limit", type=int, help="only the first this-many questions")
    oracle.add_argument("--max-states", type=int, default=20000, help="distinct machine states kept per step")
    oracle.add_argument("--programs", help="write id<TAB>program lines for the covered questions here")
    oracle.add_argument("--quiet", action="store_true")
    oracle.set_defaults(handler=_oracle)

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
