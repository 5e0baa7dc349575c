"""Draw one question's per-step attention (ops, columns, constants) and selected rows as heatmaps."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from neuprog.app.inspector import selections_after
from neuprog.errors import NeuprogError, UsageError
from neuprog.lang.minimal import minimize
from neuprog.lang.program import render
from neuprog.lang.values import Column, Constant
from neuprog.model.views import program_ops
from neuprog.outputs import check_output_file, writing
from neuprog.tables.table import Table

FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "tif", "tiff", "webp", "eps", "ps")
"""Image formats a plot is written in, chosen by the file's suffix (none: PNG)."""
MAX_ROWS = 40  # rows drawn in the selection panel; longer tables are cut, and the title says so


def explanation_arrays(model, table: Table, question: str) -> dict:
    """The numbers behind the plot: (O, T) ops, (C, T) columns, (K, T) constants, (R, T) selected rows.

    Columns and constants are those of the op the predicted program runs at each step; a step whose op takes
    no column (or constant) has a zero column there.
    """
    [sample], choices, [prediction] = model.predict_questions(table, [question])
    ops = choices.ops[0, : len(prediction.program.steps)]  # (T, O) up to where the program ends
    chosen = program_ops(model.registry, prediction.program)  # (T,) the ops the program runs
    columns, constants = choices.given(chosen.view(1, 1, -1))  # (1, 1, T, C), (1, 1, T, K)
    chosen_ops = [model.registry[model.registry.names[o]] for o in chosen.tolist()]
    uses_column = np.array([op.uses(Column) for op in chosen_ops], dtype=float)  # (T,)
    uses_constant = np.array([op.uses(Constant) for op in chosen_ops], dtype=float)  # (T,)
    R, C = table.shape
    K = len(sample.question.constants)
    selected = np.zeros((R, ops.shape[0]))
    for t, rows in enumerate(selections_after(prediction.trace, R)):
        selected[:, t] = rows
    return {
        "ops": ops.T.numpy(),
        "op_names": model.registry.names,
        "columns": columns[0, 0, :, :C].T.numpy() * uses_column,
        "column_names": table.header,
        "constants": constants[0, 0, :, :K].T.numpy() * uses_constant,
        "constant_names": [c.text for c in sample.question.constants],
        "rows": selected,
        "prediction": prediction,
    }


def check_plot_path(path: str | Path) -> Path:
    """Refuse, before any work, a plot path in an unknown format, in a folder that cannot be written, or without matplotlib.

    >>> check_plot_path("attention.bmp")
    Traceback (most recent call last):
    neuprog.errors.UsageError: attention.bmp: a plot is written as png, pdf, svg, svgz, jpg, jpeg, tif, tiff, webp, eps or ps (by its suffix)
    """
    path = Path(path)
    if (path.suffix.lstrip(".").lower() or "png") not in FORMATS:
        raise UsageError(f"{path}: a plot is written as {', '.join(FORMATS[:-1])} or {FORMATS[-1]} (by its suffix)")
    if importlib.util.find_spec("matplotlib") is None:
        raise NeuprogError("plotting needs matplotlib: pip install 'neuprog[plot]'")
    return check_output_file(path, "plot")


def plot_explanation(model, table: Table, question: str, path: str | Path) -> Path:
    """Write a PNG (or any format matplotlib knows from the suffix) of the explanation."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise NeuprogError("plotting needs matplotlib: pip install 'neuprog[plot]'") from None

    data = explanation_arrays(model, table, question)
    panels = [
        ("op", data["ops"], data["op_names"]),
        ("column of the op", data["columns"], data["column_names"]),
        ("constant of the op", data["constants"], data["constant_names"] or ["(none)"]),
        ("rows selected after the step", data["rows"][:MAX_ROWS], [f"{r}: {table.cell(r, 0)}" for r in range(min(MAX_ROWS, table.shape[0]))]),
    ]
    heights = [max(2, len(labels)) for _, _, labels in panels]
    figure, axes = plt.subplots(1, 4, figsize=(16, 2 + 0.22 * max(heights)), gridspec_kw={"width_ratios": [1, 1, 1, 1]})
    T = data["ops"].shape[1]
    for axis, (title, values, labels) in zip(axes, panels):
        shown = values if values.size else np.zeros((1, T))
        axis.imshow(shown, aspect="auto", cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
        axis.set_title(title, fontsize=10)
        axis.set_xticks(range(T), [f"step {t + 1}" for t in range(T)], fontsize=8)
        axis.set_yticks(range(len(labels)), [label[:28] for label in labels], fontsize=7)
    if table.shape[0] > MAX_ROWS:
        axes[3].set_title(f"rows selected (first {MAX_ROWS} of {table.shape[0]})", fontsize=10)
    prediction = data["prediction"]
    answer = ", ".join(prediction.texts) if prediction.texts else "(none)"
    minimal = render(minimize(prediction.program, model.registry).program, model.registry)  # the panels show every raw step
    figure.suptitle(f"{question}\n{minimal}\nanswer: {answer}   confidence: {prediction.confidence:.2f}", fontsize=9)
    figure.tight_layout()
    path = Path(path)
    try:
        with writing(path) as target:
            figure.savefig(target, dpi=120, format=path.suffix.lstrip(".").lower() or "png")
    except (OSError, ValueError) as error:
        raise NeuprogError(f"{path}: cannot write the plot ({str(error).splitlines()[0]})") from None
    finally:
        plt.close(figure)
    return path
