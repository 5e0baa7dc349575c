"""Answer questions about a table with a trained model: the answer, its program, confidence and cells."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neuprog.lang.program import render
from neuprog.lang.tree import AllRows, ColumnRef, StepRef
from neuprog.lang.values import Cells
from neuprog.model.views import step_views
from neuprog.tables.table import Table

TableLike = Any  # a CSV path, a Table or a pandas DataFrame


@dataclass
class AskResult:
    """One answered question, in the Hugging Face table-question-answering shape plus our own fields.

    ``answer``, ``coordinates``, ``cells`` and ``aggregator`` read as that pipeline's
    output: "COUNT > a, b" for an aggregation, the cell texts for a lookup.
    ``value`` is the computed answer itself (a number, or the list of cell texts).
    ``coordinates`` are (row, column) of the cells the last step read: for COUNT the
    first cell of every counted row.
    """

    question: str
    answer: str | None
    value: float | list[str] | None
    coordinates: list[tuple[int, int]]
    cells: list[str]
    aggregator: str
    program: str
    confidence: float
    steps: list[dict] = field(default_factory=list)
    abstained: bool = False
    error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        if self.abstained:
            return f"abstained: confidence {self.confidence:.2f} is below the threshold"
        shown = self.answer if self.answer is not None else f"(no answer: {self.error})"
        return f"{shown}\nprogram: {self.program}\nconfidence: {self.confidence:.2f}"


def as_table(table: TableLike, encoding: str = "utf-8") -> Table:
    """A Table from a CSV path, a pandas DataFrame or a Table.

    >>> import pandas as pd
    >>> as_table(pd.DataFrame({"a": [1, 2]})).shape
    (2, 1)
    """
    if isinstance(table, Table):
        return table
    if isinstance(table, (str, Path)):
        return Table.from_csv(table, encoding=encoding)
    if hasattr(table, "columns") and hasattr(table, "iloc"):
        return Table.from_dataframe(table)
    raise TypeError(f"a table is a CSV path, a neuprog Table or a pandas DataFrame, not {type(table).__name__}")


def ask(model, table: TableLike, questions: str | Sequence[str], min_confidence: float = 0.0, top: int = 3) -> AskResult | list[AskResult]:
    """Answer one question (a result) or a list of questions (a list of results) about ``table``."""
    single = isinstance(questions, str)
    asked = [questions] if single else list(questions)
    table = as_table(table)
    results = []
    if asked:
        samples, choices, predictions = model.predict_questions(table, asked)
        for b, (question, sample, prediction) in enumerate(zip(asked, samples, predictions)):
            steps = [view.to_dict() for view in step_views(model, choices, b, sample, top)]
            results.append(_result(model, question, table, prediction, steps, min_confidence))
    return results[0] if single else results


def _result(model, question: str, table: Table, prediction, steps: list[dict], min_confidence: float) -> AskResult:
    program = render(prediction.program, model.registry)
    abstained = prediction.confidence < min_confidence
    if prediction.answer is None or abstained:
        return AskResult(question, None, None, [], [], "NONE", program, prediction.confidence, steps, abstained, prediction.error)
    op = model.registry[prediction.program.steps[-1].op]
    if isinstance(prediction.answer, Cells):
        coordinates = [tuple(rc) for rc in prediction.answer.coordinates]
        cells = [table.cell(r, c) for r, c in coordinates]
        return AskResult(question, ", ".join(cells), cells, coordinates, cells, "NONE", program, prediction.confidence, steps)
    coordinates = _read_cells(prediction, table)
    cells = [table.cell(r, c) for r, c in coordinates]
    aggregator = op.name.upper()
    value = float(prediction.answer)
    answer = f"{aggregator} > {', '.join(cells)}" if cells else prediction.texts[0]
    return AskResult(question, answer, value, coordinates, cells, aggregator, program, prediction.confidence, steps)


def _read_cells(prediction, table: Table) -> list[tuple[int, int]]:
    """The cells the last step aggregates: its selection's rows in its column (column 0 without one)."""
    trace = prediction.trace
    rows, column = None, 0
    for arg in prediction.program.steps[-1].args:
        if isinstance(arg, AllRows):
            rows = np.ones(table.shape[0], dtype=bool)
        elif isinstance(arg, StepRef) and isinstance(trace[arg.index - 1], np.ndarray):
            rows = trace[arg.index - 1]
        elif isinstance(arg, ColumnRef):
            column = table.column_index(arg.name)
    if rows is None:
        return []
    return [(int(r), column) for r in np.flatnonzero(rows)]
