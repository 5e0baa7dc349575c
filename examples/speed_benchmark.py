"""How fast `ask` is: cold command line, warm API, and the rows-against-time curve up to 100,000 x 20.

    python examples/speed_benchmark.py [--rows 100 1000 10000 100000] [--repeat 5]

Tables are generated (seeded) with 20 columns of the kinds real tables have: ids,
names, categories, years, ISO dates, integers, decimals, "1,234" and "$1,234"
numbers, percentages, scores like "W 2-1" and blanks. Each size runs in a fresh
process with the bundled model loaded. Columns: reading the CSV into a `Table`; the
first `model.ask(path, question)` of the process; then medians over ``--repeat``
rounds of the three questions of `model.ask(path, question)` (the file read again
each time) and of `model.ask(table, question)` on a freshly read table, so nothing
is cached from an earlier call.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

QUESTIONS = ["how many players are from norway?", "what is the total salary of team a?", "who scored the most goals?"]


def make_table(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = [f"Name{i} Surname{i % 97}" for i in range(5000)]
    countries = ["Norway", "Sweden", "Denmark", "Finland", "Iceland", "Germany", "France", "Spain", "Italy", "Poland"]
    return pd.DataFrame(
        {
            "Id": np.arange(1, rows + 1),
            "Name": rng.choice(names, rows),
            "Country": rng.choice(countries, rows),
            "City": rng.choice([f"City {i}" for i in range(800)], rows),
            "Year": rng.integers(1950, 2024, rows),
            "Date": pd.to_datetime(rng.integers(0, 20000, rows), unit="D", origin="1970-01-01").strftime("%Y-%m-%d"),
            "Score": rng.integers(0, 100, rows),
            "Points": np.round(rng.normal(50, 20, rows), 2),
            "Population": [f"{v:,}" for v in rng.integers(1000, 10_000_000, rows)],
            "Share": [f"{v:.1f}%" for v in rng.uniform(0, 100, rows)],
            "Rank": rng.integers(1, 500, rows),
            "Team": rng.choice([f"Team {c}" for c in "ABCDEFGHIJKLMNOP"], rows),
            "Position": rng.choice(["GK", "DF", "MF", "FW"], rows),
            "Goals": rng.integers(0, 40, rows),
            "Assists": rng.integers(0, 30, rows),
            "Height": np.round(rng.normal(180, 8, rows), 1),
            "Weight": rng.integers(55, 110, rows),
            "Result": rng.choice(["W 2-1", "L 0-3", "D 1-1", "W 3-0"], rows),
            "Notes": rng.choice(["", "injured", "loan", "captain", "new signing"], rows),
            "Salary": [f"${v:,}" for v in rng.integers(10_000, 5_000_000, rows)],
        }
    )


def timed(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(rows: int, repeat: int, folder: str) -> str:
    """One row of the table, measured in this process (the caller runs each size in a fresh one)."""
    from neuprog.model.neural_programmer import NeuralProgrammer
    from neuprog.tables.table import Table

    model = NeuralProgrammer.from_pretrained()
    path = Path(folder) / f"{rows}.csv"
    make_table(rows).to_csv(path, index=False)
    first = timed(lambda: model.ask(path, QUESTIONS[0]), 1)  # nothing read or cached yet in this process
    load = timed(lambda: Table.from_csv(path), repeat)
    from_file, in_memory = [], []
    for _ in range(repeat):
        for question in QUESTIONS:  # a fresh table each time: no cached matches from an earlier question
            from_file.append(timed(lambda q=question: model.ask(path, q), 1))
            table = Table.from_csv(path)
            in_memory.append(timed(lambda q=question, t=table: model.ask(t, q), 1))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cells = [
        f"{rows:,}",
        f"{load * 1000:.0f} ms",
        f"{first * 1000:.0f} ms",
        f"{statistics.median(from_file) * 1000:.0f} ms",
        f"{statistics.median(in_memory) * 1000:.0f} ms",
        f"{table.shape[0]:,}",
        f"{peak:.0f} MB",
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # one size, in a child process
    args = parser.parse_args()
    if args.measure:
        with tempfile.TemporaryDirectory() as folder:
            print(measure(args.measure, args.repeat, folder))
        return
    example = Path(__file__).parent / "cities.csv"
    cold = timed(
        lambda: subprocess.run([sys.executable, "-m", "neuprog", "ask", str(example), "how many cities are there?"], check=True, capture_output=True),
        args.repeat,
    )
    print(f"cold `neuprog ask` on examples/cities.csv, end to end: {cold:.2f} s")
    print(
        "\n| rows x 20 columns | CSV to table | `model.ask(csv)`, first in a fresh process | `model.ask(csv)` | `model.ask(table)` | rows kept | peak memory |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for rows in args.rows:  # each size in its own process: its own peak memory, nothing warm from a smaller table
        child = [sys.executable, __file__, "--measure", str(rows), "--repeat", str(args.repeat if rows <= 10_000 else max(1, args.repeat // 2))]
        print(subprocess.run(child, check=True, capture_output=True, text=True).stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
