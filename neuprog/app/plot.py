"""Draw one question's per-step attention (ops, columns, constants) and selected rows as heatmaps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuprog.atomic import replacing
from neuprog.errors import NeuprogError
from neuprog.lang.minimal import minimize
from neuprog.lang.program import render
from neuprog.lang.values import Column, Constant
from neuprog.tables.table import Table

MAX_ROWS = 40  # rows drawn in the selection panel; longer tables are cut, and the title says so


def explanation_arrays(model, table: Table, question: str) -> dict:
    """The numbers behind the plot: (O, T) ops, (C, T) columns, (K, T) constants, (R, T) selected rows.

    Columns and constants are those of each step's argmax op; a step whose op takes
    no column (or constant) has a zero column there.
    """
    [sample], choices, [prediction] = model.predict_questions(table, [question])
    ops = choices.ops[0, : len(prediction.program.steps)]  # (T, O) up to where the program ends
    chosen = ops.argmax(-1)  # (T,)
    columns, constants = choices.given(chosen.view(1, 1, -1))  # (1, 1, T, C), (1, 1, T, K)
    chosen_ops = [model.registry[model.registry.names[o]] for o in chosen.tolist()]
    uses_column = np.array([op.uses(Column) for op in chosen_ops], dtype=float)  # (T,)
    uses_constant = np.array([op.uses(Constant) for op in chosen_ops], dtype=float)  # (T,)
    R, C = table.shape
    K = len(sample.question.constants)
    selected = np.zeros((R, ops.shape[0]))
    current = np.ones(R, dtype=bool)
    for t, result in enumerate(prediction.trace):
        if isinstance(result, np.ndarray):
            current = result
        selected[:, t] = current
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
        with replacing(path, mode=0o644) as temporary:
            figure.savefig(temporary, dpi=120, format=path.suffix.lstrip(".").lower() or "png")
    except (OSError, ValueError) as error:
        raise NeuprogError(f"{path}: cannot write the plot ({str(error).splitlines()[0]})") from None
    finally:
        plt.close(figure)
    return path
