"""The ask, explain and run commands: one question or a file of them, text or JSON, exit codes that say answered, empty or abstained."""

from __future__ import annotations

import io
import json
import sys

from neuprog.app.explain import explain_text
from neuprog.app.plot import check_plot_path, plot_explanation
from neuprog.errors import DataError, UsageError
from neuprog.inputs import read_bytes, read_stream
from neuprog.lang.interpret import answer_texts, interpret
from neuprog.lang.ops import BUILTINS
from neuprog.lang.outcome import outcome
from neuprog.lang.parse import parse
from neuprog.lang.program import render
from neuprog.learn.runner import open_model
from neuprog.model.ask import ask
from neuprog.tables.readers import read_table

EXIT_CODES = {"answered": 0, "empty": 8, "abstained": 9, "failed": 5}
"""A result's status -> the exit code of ``ask`` and ``explain``."""


def json_line(value) -> str:
    r"""One line of JSON that is valid UTF-8: characters as they are, unless some cannot be encoded (lone surrogates), then escaped.

    >>> json_line({"answer": "Tromsø"}), json_line({"question": "caf\udce9"})
    ('{"answer": "Tromsø"}', '{"question": "caf\\udce9"}')
    """
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True)
    return text


def table_of(args):
    return read_table(args.table, args.encoding, args.sheet, args.table_name)


def _question(text: str | None) -> str:
    if text is None:
        raise UsageError("give a question, or --questions FILE with one question per line")
    if not text.strip():
        raise DataError("the question is empty")
    return text


def _thresholds(args) -> dict:
    return {"min_confidence": args.min_confidence, "min_grounded": args.min_grounded}


def ask_command(args) -> int:
    if args.questions is not None:
        if args.question is not None:
            raise UsageError("give one question or --questions FILE, not both")
        return _ask_many(args)
    question = _question(args.question)
    result = open_model(args.model)[0].ask(table_of(args), question, **_thresholds(args))
    if args.json:
        print(json_line(result.to_dict()))
        if result.status in ("abstained", "failed"):
            print(f"no answer: {result.reason}", file=sys.stderr)
    elif result.status in ("abstained", "failed"):
        print(result, file=sys.stderr)
    else:
        print(result)
    return EXIT_CODES[result.status]


def _ask_many(args) -> int:
    """Every question of a file (or stdin) in one process: blocks of text, or with --json one JSON object per line."""
    text = _decoded(_stdin_bytes() if args.questions == "-" else read_bytes(args.questions, "questions"), args.questions, args.encoding)
    items = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    asked = [_json_question(args.questions, n, line) if args.json else (line.strip(), None) for n, line in items]
    results = open_model(args.model)[0].ask(table_of(args), [question for question, _ in asked], **_thresholds(args)) if asked else []
    for (question, ident), result in zip(asked, results):
        if args.json:
            print(json_line(({"id": ident} if ident is not None else {}) | result.to_dict()))
        else:
            print(f"question: {question}\n{result}\n")
    return 0


def _stdin_bytes() -> bytes:
    return read_stream(sys.stdin.buffer if hasattr(sys.stdin, "buffer") else io.BytesIO(sys.stdin.read().encode("utf-8")), "stdin")


def _decoded(data: bytes, name: str, encoding: str = "utf-8") -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise DataError(f"{name}: not valid {encoding} (byte {error.start})") from None
    except LookupError:
        raise DataError(f"{name}: unknown encoding {encoding!r}") from None


def _json_question(name: str, number: int, line: str) -> tuple[str, object]:
    """A JSON Lines question: a string, or an object with "question" (or "query") and an optional "id" echoed back."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise DataError(f"{name}, line {number}: not JSON ({error.msg})") from None
    except RecursionError:
        raise DataError(f"{name}, line {number}: JSON nested too deeply") from None
    question = item if isinstance(item, str) else item.get("question", item.get("query")) if isinstance(item, dict) else None
    if not isinstance(question, str) or not question.strip():
        raise DataError(f'{name}, line {number}: needs a question, as a JSON string or an object with "question"')
    return question, item.get("id") if isinstance(item, dict) else None


def explain_command(args) -> int:
    if args.plot:
        check_plot_path(args.plot)
    model = open_model(args.model)[0]
    table = table_of(args)
    question = _question(args.question)
    result = ask(model, table, question, top=args.top, **_thresholds(args))
    print(explain_text(model, table, result, raw=args.raw))
    if result.status in ("abstained", "failed"):
        print(f"no answer: {result.reason}", file=sys.stderr)
    if args.plot:
        plot_explanation(model, table, question, args.plot)
        print(f"plot: {args.plot}")
    return EXIT_CODES[result.status]


def run_command(args) -> int:
    """Run program text given as an argument, in a file (--file) or on stdin, and print its answer."""
    if args.program is not None and args.file is not None:
        raise UsageError("give the program as an argument or with --file, not both")
    source = args.file if args.file is not None else args.program if args.program is not None else "-"
    if source == "-" and args.file is None and args.program is None and sys.stdin.isatty():
        raise UsageError("give a program, --file FILE, or pipe one on stdin")
    if source == "-":
        text = _decoded(_stdin_bytes(), "stdin")
    elif args.file is None:
        text = args.program
    else:
        text = _decoded(read_bytes(args.file, "program"), args.file)
    program = parse(text)
    table = table_of(args)
    trace: list = []
    answer = interpret(program, table, BUILTINS, trace)
    done = outcome(program, table, BUILTINS, trace)
    status = "empty" if done.empty else "answered"
    if args.json:
        keys = {"answer": done.answer, "coordinates": done.coordinates, "cells": done.cells, "aggregator": done.aggregator, "value": done.value}
        print(json_line(keys | {"program": render(program), "how": done.how, "status": status, "reason": done.empty}))
    elif done.empty:
        print(f"(empty: {done.empty})")
    else:
        print("\n".join(answer_texts(answer, table)))
    return EXIT_CODES[status]
