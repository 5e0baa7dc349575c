"""The `neuprog` command line: its arguments, help and exit codes; the commands themselves live beside it."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
import warnings

from neuprog.app.answers import ask_command, explain_command, run_command
from neuprog.app.serve import serve_command
from neuprog.app.workflows import calibrate_command, ensemble_command, eval_command, export_command, oracle_command, synth_command, train_command
from neuprog.app.workspace import MAX_UPLOAD_BYTES
from neuprog.errors import LimitError, NeuprogError
from neuprog.lang.ops import BUILTINS
from neuprog.limits import LIMITS
from neuprog.model.ask import MIN_CONFIDENCE, MIN_GROUNDED
from neuprog.model.ensemble import PROGRAMS
from neuprog.version import __version__
from neuprog.wtq.synth import NUMERIC_NAMES, TEXT_NAMES

EXIT_CODES = f"""exit codes: 0 ok, 1 other error, 2 usage or config error, 3 unreadable data,
4 program syntax or type error, 5 execution error, 6 registry error, 7 bad checkpoint,
8 the answer is empty (ask, explain, run), 9 the model abstained (ask, explain),
10 the run folder holds another run, is in use or does not match --resume (train),
11 an input over a size limit, 12 an output that cannot be written

ask and explain abstain, by default, when no word of the question names a column,
cell, number or date of the table (--min-grounded 1); --min-confidence (default 0)
also abstains below that program probability.

size limits, each set by an environment variable (default shown):
{"; ".join(f"{limit.variable} {limit.default:,} {limit.unit}" for limit in LIMITS)}.
NEUPROG_DEBUG=1 prints the traceback of an internal error."""


def _ops(args) -> None:
    if args.markdown:
        print("| op | arguments → result | printed as | meaning | facts |\n|---|---|---|---|---|")
    for op in BUILTINS:
        facts = ", ".join(sorted(op.facts))
        if args.markdown:
            arguments = op.signature.split(" -> ")[0][len(op.name) :]
            print(f"| `{op.name}` | `{arguments}` → {op.returns.__name__} | `{op.template}` | {op.doc} | {facts} |")
        else:
            cues = f"\n    cues: {' '.join(sorted(op.cues))}" if op.cues else ""
            print(f"{op.signature}\n    {op.template}\n    {op.doc}" + (f"\n    facts: {facts}" if facts else "") + cues)


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line too, like every other error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _Help(argparse.RawDescriptionHelpFormatter):
    """Each option's help ends with its default, where it has one worth saying."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        quiet = action.default is None or action.default is False or action.default == argparse.SUPPRESS  # flags are off unless given
        if "%(default)" not in text and not quiet and action.option_strings:
            text += " (default: %(default)s)"
        return text


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a probability from 0 to 1")
    return value


def _whole(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``."""

    def whole(text: str) -> int:
        if not text.strip().lstrip("-").isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low:,} to {high:,}")
        return int(text)

    return whole


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 10_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size in megabytes above 0 (at most 10000)")
    return value


def _table_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("table", help="the table: CSV or TSV, or Parquet, Excel (.xlsx), JSON, SQLite by suffix")
    command.add_argument("--encoding", default="utf-8", help="text encoding of a CSV, TSV, JSON or questions file")
    command.add_argument("--sheet", metavar="NAME", help="Excel: the sheet to read, by name or 0-based position (default: the first)")
    command.add_argument("--table", dest="table_name", metavar="NAME", help="SQLite: the table to read (default: the only one)")


def _asks(command: argparse.ArgumentParser, question: str = "the question") -> argparse.ArgumentParser:
    """The arguments of a command that puts a question to a model: table, question, model, thresholds."""
    _table_arguments(command)
    command.add_argument("question", nargs="?", help=question)
    command.add_argument("--model", help="a model folder or a training checkpoint (default: the bundled model)")
    command.add_argument("--min-confidence", type=_probability, default=MIN_CONFIDENCE, help="abstain (exit 9) when the program's probability is lower")
    command.add_argument(
        "--min-grounded",
        type=_whole(0, 1_000_000),
        default=MIN_GROUNDED,
        help="abstain (exit 9) when fewer words of the question name a column, cell, number or date of the table; 0 never does",
    )
    return command


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="neuprog", description="Differentiable program induction over tables.", epilog=EXIT_CODES, formatter_class=_Help)
    parser.add_argument("--version", action="version", version=f"neuprog {__version__}", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", help="what to do; neuprog COMMAND --help lists its arguments")
    command = lambda name, text: commands.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".", epilog=EXIT_CODES, formatter_class=_Help)

    ops = command("ops", "list the registered ops: signature, printed form, meaning and algebraic facts")
    ops.add_argument("--markdown", action="store_true", help="print them as the table in the README")
    ops.set_defaults(handler=_ops)

    run = command("run", "run a program on a table and print its answer (exit 8 when it is empty)")
    _table_arguments(run)
    run.add_argument("program", nargs="?", help="program text; '-' or leaving it out (with no --file) reads it from stdin")
    run.add_argument("--file", help="read the program from this file ('-': stdin)")
    run.add_argument("--json", action="store_true", help="one JSON object: answer, coordinates, cells, aggregator, value, program, how, status, reason")
    run.set_defaults(handler=run_command)

    ask = _asks(command("ask", "answer a question about a table: the answer, how it was computed, the program, the confidence"))
    ask.add_argument("--questions", help="answer every question in this file, one per line, in one process ('-': stdin); with --json, JSON Lines in and out")
    ask.add_argument(
        "--json",
        action="store_true",
        help="JSON out: answer, coordinates, cells, aggregator, value, program, confidence, steps, status, reason, how, raw_program",
    )
    ask.set_defaults(handler=ask_command)

    explain = _asks(command("explain", "show how the model answers: the answer, the minimal program and, with --raw, every step it ran"))
    explain.add_argument("--raw", action="store_true", help="also show the model's raw steps with their top ops, columns and constants")
    explain.add_argument("--top", type=_whole(1, 100), default=3, help="how many ops, columns and constants --raw shows per step")
    explain.add_argument("--plot", help="also draw the per-step attention to this image file (needs the 'plot' extra)")
    explain.set_defaults(handler=explain_command)

    serve = command("serve", "serve the web inspector: ask about tables in a browser, see each step's choices and rows, edit and rerun programs")
    serve.add_argument(
        "tables", nargs="*", metavar="TABLE", help="tables to offer (CSV, TSV, Parquet, Excel, JSON, SQLite by suffix); more can be uploaded in the page"
    )
    serve.add_argument("--model", help="a model folder or a training checkpoint (default: the bundled model)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on; anything but the loopback lets other machines in (with a warning)")
    serve.add_argument("--port", type=_whole(0, 65535), default=8000, help="port to listen on (0: any free port)")
    serve.add_argument("--max-upload-mb", type=_megabytes, default=MAX_UPLOAD_BYTES / 1_000_000, help="largest table the page may upload, in megabytes")
    serve.add_argument("--encoding", default="utf-8", help="text encoding of the CSV, TSV and JSON tables given")
    serve.set_defaults(handler=serve_command)

    export = command("export", "write a training checkpoint (or a model folder) as a model folder: safetensors + JSON")
    export.add_argument("checkpoint", help="a training checkpoint (.pt) or a model folder")
    export.add_argument("out", help="the folder to write")
    export.set_defaults(handler=export_command)

    ensemble = command("ensemble", "join trained models into one ensemble folder, calibrated on the questions their configs held out")
    ensemble.add_argument("out", help="the folder to write")
    ensemble.add_argument("models", nargs="+", metavar="model", help="training checkpoints (.pt) or model folders sharing data and holdout_seed")
    ensemble.add_argument("--data", help="dataset root (default: the one the members were trained on)")
    ensemble.add_argument("--programs", type=_whole(1, 1000), default=PROGRAMS, help="most probable programs each member offers per question")
    ensemble.add_argument("--quiet", action="store_true", help="no progress bar")
    ensemble.set_defaults(handler=ensemble_command)

    train = command("train", "train a model on WikiTableQuestions-layout data")
    train.add_argument("--config", help="JSON file with a TrainConfig (default: the config's own defaults)")
    train.add_argument("--data", help="dataset root (overrides the config)")
    train.add_argument("--out", required=True, help="directory for checkpoints and metrics.jsonl")
    train.add_argument("--resume", action="store_true", help="continue the run in OUT from its last.pt (same config and ops)")
    train.add_argument("--overwrite", action="store_true", help="replace the run OUT holds (its best.pt, last.pt and metrics.jsonl)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--device", default="auto", help="auto (a GPU when there is one), cpu or cuda; under torchrun each process takes its LOCAL_RANK's GPU")
    train.set_defaults(handler=train_command)

    evaluate = command("eval", "score a model on a split with the official rule")
    evaluate.add_argument("checkpoint", nargs="?", help="a training checkpoint (.pt) or a model folder (default: the bundled model)")
    evaluate.add_argument("--data", required=True, help="dataset root in WikiTableQuestions layout")
    evaluate.add_argument("--split", required=True, help="split name, e.g. random-split-1-dev (reads data/SPLIT.tsv)")
    evaluate.add_argument("--predictions", help="write id<TAB>values lines here")
    evaluate.add_argument("--batch-size", type=_whole(1, 100_000), default=128, help="questions decoded together")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bar")
    evaluate.add_argument("--device", default="auto", help="auto (a GPU when there is one), cpu or cuda")
    evaluate.add_argument(
        "--report",
        action="store_true",
        help="also print accuracy by answer type, question kind and confidence, and the spurious-program probes (order-free questions on shuffled rows, A-or-B questions with the options swapped)",
    )
    evaluate.add_argument("--raw-gold", action="store_true", help="type gold answers from their raw text, not their canonical forms")
    evaluate.set_defaults(handler=eval_command)

    calibrate = command("calibrate", "fit a model's confidence calibration on questions it never trained on")
    calibrate.add_argument("model", help="a training checkpoint (.pt) or a model folder, rewritten in place unless --out")
    calibrate.add_argument("--data", help="dataset root (default for a checkpoint: the one it was trained on)")
    calibrate.add_argument(
        "--split", help="fit on this question file under --data (none may be in the model's training split); default: the questions its config held out"
    )
    calibrate.add_argument("--out", help="with a model folder: write the calibrated model to this folder instead")
    calibrate.add_argument("--quiet", action="store_true", help="no progress bar")
    calibrate.set_defaults(handler=calibrate_command)

    oracle = command("oracle", "share of questions some program of T steps answers correctly")
    oracle.add_argument("--data", required=True, help="dataset root in WikiTableQuestions layout")
    oracle.add_argument("--split", required=True, help="split name, e.g. random-split-1-dev")
    oracle.add_argument("--steps", type=_whole(1, 12), default=4, help="program length T (the model's steps)")
    oracle.add_argument("--ops", help="comma-separated op names (default: every registered op)")
    oracle.add_argument("--limit", type=_whole(1, 10**9), help="only the first this-many questions (default: all)")
    oracle.add_argument("--max-states", type=_whole(1, 10_000_000), default=20000, help="distinct machine states kept per step")
    oracle.add_argument("--programs", help="write id<TAB>program lines for the covered questions here")
    oracle.add_argument("--quiet", action="store_true", help="no progress bar")
    oracle.set_defaults(handler=oracle_command)

    synth = command("synth", "generate the Neural Programmer synthetic task")
    synth.add_argument("--out", required=True, help="folder to write the data to (WikiTableQuestions layout)")
    synth.add_argument("--columns", type=_whole(1, len(NUMERIC_NAMES)), default=5, help="most numeric columns")
    synth.add_argument("--text-columns", type=_whole(0, len(TEXT_NAMES)), default=2, help="text columns")
    synth.add_argument("--train", type=_whole(0, 10_000_000), default=50000, help="training questions")
    synth.add_argument("--test", type=_whole(0, 10_000_000), default=2000, help="test questions")
    synth.add_argument("--no-variation", action="store_true", help="no synonyms")
    synth.add_argument("--seed", type=_whole(0, 2**31 - 2), default=0, help="random seed")
    synth.set_defaults(handler=synth_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    if getattr(sys.stdout, "errors", None) == "strict" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")  # text undecodable on the way in (surrogates) is printed escaped, not a crash
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminated) if threading.current_thread() is threading.main_thread() else None
    try:
        with warnings.catch_warnings():
            if not os.environ.get("NEUPROG_DEBUG"):
                warnings.simplefilter("ignore")  # library warnings are not the user's business; errors say what matters
            return args.handler(args) or 0
    except NeuprogError as error:
        _say(f"error: {error}")
        return error.exit_code
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except MemoryError:
        _say("error: out of memory; a smaller table, batch or model needs less")
        return LimitError.exit_code
    except Exception as error:  # a bug: one line for the user, the traceback with NEUPROG_DEBUG=1
        if os.environ.get("NEUPROG_DEBUG"):
            traceback.print_exc()
        _say(f"internal error: {type(error).__name__}: {error} (a bug in neuprog; NEUPROG_DEBUG=1 shows the traceback)")
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _say(message: str) -> None:
    """One line on stderr, however many lines the message holds, and not unboundedly long."""
    line = " ".join(message.split("\n")).replace("\r", " ")
    print(f"neuprog: {line[:2000]}{'...' if len(line) > 2000 else ''}", file=sys.stderr)


def _terminated(signum, frame) -> None:
    """SIGTERM ends the command as an exception would, so locks and temporary files are cleaned up."""
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
