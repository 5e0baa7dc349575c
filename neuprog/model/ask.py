"""Answer questions about a table with a trained model: the answer first, how it was computed, the minimal program, confidence.

A result abstains (no answer, and a reason) when the question names nothing in
the table or the model's confidence is below a threshold; an answer with no
cells says so. Results read as the Hugging Face table-question-answering
pipeline's dicts, and `NeuralProgrammer` can be called like that pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from neuprog.errors import DataError, UsageError, WrongTypeError
from neuprog.lang.minimal import minimize
from neuprog.lang.outcome import outcome
from neuprog.lang.program import render
from neuprog.lang.tree import ColumnRef
from neuprog.limits import TEXT_CHARS
from neuprog.model.features import collate, make_sample
from neuprog.model.html import result_html
from neuprog.model.views import step_views
from neuprog.tables.question import grounding
from neuprog.tables.readers import read_table
from neuprog.tables.table import Table

TableLike = Any  # a file path, a Table, a pandas DataFrame or a dict of column lists
MIN_CONFIDENCE = 0.0
"""Default threshold: answer whatever the program's probability."""
MIN_GROUNDED = 1
"""Default threshold: at least one word of the question must name a column, cell, number or date of the table."""
CHUNK = 64  # questions decoded together: one forward pass each, bounded memory
KEYS = ("answer", "coordinates", "cells", "aggregator", "value", "program", "confidence", "steps", "question", "status", "reason", "how", "raw_program")
"""A result's keys: the table-QA pipeline's four, then neuprog's."""


@dataclass
class AskResult(Mapping):
    """One question's result; it reads like the Hugging Face table-question-answering pipeline's dict (``result["answer"]``).

    ``answer`` is the answer on one line: a count as an integer, a number in its
    column's style, the cells' texts (a long list summarised), or "yes" or "no". ``value``
    is the computed answer itself (the number, every cell's text, or True or False).
    ``coordinates`` and ``cells`` are the answer's cells, or the cells an aggregate read;
    ``aggregator`` is ``NONE`` for a lookup, else the op (``COUNT``, ``SUM``, ...). ``program`` is the
    minimal program (``raw_program`` every step the model ran) and ``how`` says what it
    computes in words. ``status`` is ``answered``, ``empty`` (the answer holds no
    cells), ``abstained`` or ``failed``; ``reason`` says why for the last three.
    """

    question: str
    answer: str | None
    value: float | list[str] | bool | None
    coordinates: list[tuple[int, int]]
    cells: list[str]
    aggregator: str
    program: str
    confidence: float
    steps: list[dict] = field(default_factory=list)
    status: str = "answered"
    reason: str | None = None
    how: str | None = None
    raw_program: str = ""

    @property
    def abstained(self) -> bool:
        return self.status == "abstained"

    @property
    def error(self) -> str | None:
        """Why the program failed to run, when it did."""
        return self.reason if self.status == "failed" else None

    def to_dict(self) -> dict:
        return {key: getattr(self, key) for key in KEYS}

    def __getitem__(self, key: str):
        if key not in KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self):
        return iter(KEYS)

    def __len__(self) -> int:
        return len(KEYS)

    def __str__(self) -> str:
        if self.status in ("abstained", "failed"):
            return f"no answer: {self.reason}\nits best guess was: {self.program}\nconfidence: {self.confidence:.2f}"
        first = f"(empty: {self.reason})" if self.status == "empty" else self.answer
        return f"{first}\n{self.how}\nprogram: {self.program}\nconfidence: {self.confidence:.2f}"

    def _repr_html_(self) -> str:
        """The answer, the minimal program and the table with each step's rows highlighted, for Jupyter."""
        return result_html(self, *getattr(self, "_shown", (None, [])))


def as_table(table: TableLike, encoding: str = "utf-8") -> Table:
    """A Table from a file path (CSV, TSV, Parquet, Excel, JSON, SQLite), a DataFrame, a dict of column lists or a Table.

    >>> import pandas as pd
    >>> as_table(pd.DataFrame({"a": [1, 2]})).shape, as_table({"City": ["Oslo", "Bergen"], "Year": [1, 2]}).shape
    ((2, 1), (2, 2))
    """
    if isinstance(table, Table):
        return table
    if isinstance(table, (str, Path)):
        return read_table(table, encoding=encoding)
    if hasattr(table, "columns") and hasattr(table, "iloc"):
        return Table.from_dataframe(table)
    if isinstance(table, Mapping):
        return Table.from_dataframe(pd.DataFrame(_columns(table)), name="dict")
    raise WrongTypeError(
        f"a table is a file path (CSV, Parquet, Excel, JSON, SQLite), a DataFrame, a dict of column lists or a Table, not {type(table).__name__}"
    )


def _columns(table: Mapping) -> dict:
    """A dict of column lists, checked: every value a list of cells, all of one length."""
    if not table:
        raise DataError("the table has no columns")
    columns = {}
    for name, values in table.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            raise DataError(f"column {name!r} is a {type(values).__name__}, not a list of cells")
        columns[name] = list(values)
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise DataError("columns differ in length: " + ", ".join(f"{name!r} has {n}" for name, n in list(lengths.items())[:6]))
    return columns


def _questions(questions) -> list[str]:
    """The questions asked, checked: text, each within the length limit."""
    if isinstance(questions, str):
        asked = [questions]
    elif isinstance(questions, (list, tuple)) or (isinstance(questions, Iterable) and not isinstance(questions, (bytes, Mapping))):
        asked = list(questions)
    else:
        raise WrongTypeError(f"a question is a string, or a list of strings, not {type(questions).__name__}")
    for number, question in enumerate(asked, start=1):
        name = "the question" if isinstance(questions, str) else f"question {number}"
        if not isinstance(question, str):
            raise WrongTypeError(f"{name} is a {type(question).__name__}, not a string")
        TEXT_CHARS.check(len(question), name)
    return asked


def check_thresholds(min_confidence: float, min_grounded: int) -> None:
    """Thresholds outside their range are errors, not silent choices.

    >>> check_thresholds(0.5, 1)
    >>> check_thresholds(2, 1)
    Traceback (most recent call last):
    neuprog.errors.UsageError: min_confidence must be a number from 0 to 1, not 2
    """
    if isinstance(min_confidence, bool) or not isinstance(min_confidence, (int, float)) or not 0.0 <= min_confidence <= 1.0:
        raise UsageError(f"min_confidence must be a number from 0 to 1, not {min_confidence!r}")
    if isinstance(min_grounded, bool) or not isinstance(min_grounded, int) or min_grounded < 0:
        raise UsageError(f"min_grounded must be a whole number of words, 0 or more, not {min_grounded!r}")


def predict_questions(model, table: Table, questions: Sequence[str]) -> tuple[list, Any, list]:
    """Read questions against one table, then predict each one with ``model``: samples, the controller's choices, predictions."""
    samples = [make_sample(f"q{i}", question, table, max_constants=model.config.max_constants) for i, question in enumerate(questions)]
    choices, predictions = model.predict(collate(samples, model.vocab), with_choices=True)
    return samples, choices, predictions


def ask(
    model, table: TableLike, questions: str | Sequence[str], min_confidence: float = MIN_CONFIDENCE, min_grounded: int = MIN_GROUNDED, top: int = 3
) -> AskResult | list[AskResult]:
    """Answer one question (a result) or a list of questions (a list of results) about ``table``."""
    check_thresholds(min_confidence, min_grounded)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise UsageError(f"top must be a whole number above 0, not {top!r}")
    single = isinstance(questions, str)
    asked = _questions(questions)
    table = as_table(table)
    if not table.shape[0]:
        raise DataError(f"{table.name}: the table has no rows, so there is nothing to answer from")
    results = []
    for begin in range(0, len(asked), CHUNK):
        samples, choices, predictions = model.predict_questions(table, asked[begin : begin + CHUNK])
        for b, (sample, prediction) in enumerate(zip(samples, predictions)):
            steps = [view.to_dict() for view in step_views(model, choices, b, sample, prediction.program, top)]
            results.append(_result(model, sample, table, prediction, steps, min_confidence, min_grounded))
    return results[0] if single else results


def _result(model, sample, table: Table, prediction, steps: list[dict], min_confidence: float, min_grounded: int) -> AskResult:
    registry = model.registry
    minimal = minimize(prediction.program, registry)
    shared = {
        "program": render(minimal.program, registry),
        "confidence": prediction.confidence,
        "steps": steps,
        "raw_program": render(prediction.program, registry),
    }
    if prediction.answer is None:
        return AskResult(sample.question.text, None, None, [], [], "NONE", **shared, status="failed", reason=f"the program failed: {prediction.error}")
    trace = [result for result, kept in zip(prediction.trace, minimal.kept) if kept is not None]
    done = outcome(minimal.program, table, registry, trace)
    reason = _abstain(sample, table, prediction.confidence, min_confidence, min_grounded)
    if reason:
        result = AskResult(sample.question.text, None, None, [], [], "NONE", **shared, status="abstained", reason=reason, how=done.how)
    else:
        status = "empty" if done.empty else "answered"
        result = AskResult(
            sample.question.text,
            done.answer,
            done.value,
            done.coordinates,
            done.cells,
            done.aggregator,
            **shared,
            status=status,
            reason=done.empty,
            how=done.how,
        )
    columns = [table.column_index(arg.name) for step in minimal.program.steps for arg in step.args if isinstance(arg, ColumnRef)]
    lines = render(minimal.program, registry, multiline=True).splitlines()
    result._shown = (table, done.selections, columns, lines)  # for the notebook view; not part of the result's data
    return result


def _abstain(sample, table: Table, confidence: float, min_confidence: float, min_grounded: int) -> str | None:
    """Why the result should abstain, or None: the question names too little of the table, or the model is unsure."""
    words = grounding(sample.question, table)
    if len(words.grounded) < min_grounded:
        if words.grounded:
            return f"only {len(words.grounded)} word(s) of the question name something in the table ({', '.join(words.grounded)}); at least {min_grounded} required"
        if words.unmatched:
            return "the question names nothing in the table: no column, cell, number or date matches " + ", ".join(repr(w) for w in words.unmatched[:6])
        return "the question names nothing in the table (it has no words beyond ones like 'what' and 'how many')"
    if confidence < min_confidence:
        return f"the model's confidence {confidence:.2f} is below the minimum {min_confidence:g}"
    return None


def pipeline(model, *args, table: TableLike = None, query: str | Sequence[str] | None = None, **options) -> dict | list[dict]:
    """The Hugging Face table-question-answering call: ``(table=..., query=...)``, ``(table, query)``, a {table, query} dict or a list of them.

    A single question gives one dict; a list of questions, or of {table, query}
    pairs, gives a list of dicts (see `AskResult` for the keys). ``options`` are
    `ask`'s thresholds; the pipeline's own ``sequential``, ``padding`` and
    ``truncation`` are accepted and change nothing (every table is read whole).
    """
    options = {key: value for key, value in options.items() if key not in ("sequential", "padding", "truncation")}
    if len(args) == 2 and table is None and query is None:
        table, query = args
    elif len(args) == 1 and table is None and query is None:
        pairs = args[0]
        if isinstance(pairs, Mapping):
            return pipeline(model, table=pairs.get("table"), query=pairs.get("query"), **options)
        if isinstance(pairs, (list, tuple)) and all(isinstance(pair, Mapping) for pair in pairs):
            return [pipeline(model, table=pair.get("table"), query=pair.get("query"), **options) for pair in pairs]
        raise UsageError("call the model with table=... and query=..., a {'table', 'query'} dict, or a list of them")
    elif args:
        raise UsageError("call the model with table=... and query=... (or positionally: table, query)")
    if table is None or query is None:
        raise UsageError("both a table and a query are needed")
    results = ask(model, table, query, **options)
    return results.to_dict() if isinstance(results, AskResult) else [result.to_dict() for result in results]
