"""The ask, explain and run commands: one question or a file of them, text or JSON, exit codes that say answered, empty or abstained."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from neuprog.app.explain import explain_text
from neuprog.app.plot import plot_explanation
from neuprog.errors import DataError, UsageError
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
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        if result.status in ("abstained", "failed"):
            print(f"no answer: {result.reason}", file=sys.stderr)
    elif result.status in ("abstained", "failed"):
        print(result, file=sys.stderr)
    else:
        print(result)
    return EXIT_CODES[result.status]


def _ask_many(args) -> int:
    """Every question of a file (or stdin) in one process: blocks of text, or with --json one JSON object per line."""
    source = sys.stdin if args.questions == "-" else None
    try:
        text = source.read() if source else Path(args.questions).read_text(encoding=args.encoding)
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{args.questions}: cannot read the questions ({error})") from None
    items = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    asked = [_json_question(args.questions, n, line) if args.json else (line.strip(), None) for n, line in items]
    results = open_model(args.model)[0].ask(table_of(args), [question for question, _ in asked], **_thresholds(args)) if asked else []
    for (question, ident), result in zip(asked, results):
        if args.json:
            print(json.dumps(({"id": ident} if ident is not None else {}) | result.to_dict(), ensure_ascii=False))
        else:
            print(f"question: {question}\n{result}\n")
    return 0


def _json_question(name: str, number: int, line: str) -> tuple[str, object]:
    """A JSON Lines question: a string, or an object with "question" (or "query") and an optional "id" echoed back."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise DataError(f"{name}, line {number}: not JSON ({error.msg})") from None
    question = item if isinstance(item, str) else item.get("question", item.get("query")) if isinstance(item, dict) else None
    if not isinstance(question, str) or not question.strip():
        raise DataError(f'{name}, line {number}: needs a question, as a JSON string or an object with "question"')
    return question, item.get("id") if isinstance(item, dict) else None


def explain_command(args) -> int:
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
        text = sys.stdin.read()
    elif args.file is None:
        text = args.program
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise DataError(f"{args.file}: cannot read the program ({error})") from None
    program = parse(text)
    table = table_of(args)
    trace: list = []
    answer = interpret(program, table, BUILTINS, trace)
    done = outcome(program, table, BUILTINS, trace)
    status = "empty" if done.empty else "answered"
    if args.json:
        keys = {"answer": done.answer, "coordinates": done.coordinates, "cells": done.cells, "aggregator": done.aggregator, "value": done.value}
        print(json.dumps(keys | {"program": render(program), "how": done.how, "status": status, "reason": done.empty}, ensure_ascii=False))
    elif done.empty:
        print(f"(empty: {done.empty})")
    else:
        print("\n".join(answer_texts(answer, table)))
    return EXIT_CODES[status]
