"""How fast `ask` is: cold command line, warm API, and the rows-against-time curve up to 100,000 x 20.

    python examples/speed_benchmark.py [--rows 100 1000 10000 100000] [--repeat 5]

Tables are generated (seeded) with 20 columns of the kinds real tables have: ids,
names, categories, years, ISO dates, integers, decimals, "1,234" and "$1,234"
numbers, percentages, scores like "W 2-1" and blanks. Every time is a median over
``--repeat`` runs (and the three questions) on this machine; each timed `ask` gets a
freshly read table, so nothing it computes is cached from an earlier call. The
bundled model answers.
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
    return pd.DataFrame({
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
    })


def timed(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    example = Path(__file__).parent / "cities.csv"
    cold = timed(lambda: subprocess.run([sys.executable, "-m", "neuprog", "ask", str(example), "how many cities are there?"], check=True, capture_output=True), args.repeat)
    print(f"cold `neuprog ask` on examples/cities.csv, end to end: {cold:.2f} s")

    from neuprog.model import NeuralProgrammer
    from neuprog.table import Table

    model = NeuralProgrammer.from_pretrained()
    print("\n| rows x 20 columns | CSV to table | warm `model.ask` (table in memory) | rows kept | peak memory |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            path = Path(folder) / f"{rows}.csv"
            make_table(rows).to_csv(path, index=False)
            load = timed(lambda: Table.from_csv(path), max(1, args.repeat // 2))
            asks = []
            for _ in range(args.repeat if rows <= 10_000 else 1):
                for question in QUESTIONS:  # a fresh table each time: no cached matches from an earlier question
                    table = Table.from_csv(path)
                    asks.append(timed(lambda q=question: model.ask(table, q), 1))
            ask = statistics.median(asks)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"| {rows:,} | {load * 1000:.0f} ms | {ask * 1000:.0f} ms | {table.shape[0]:,} | {peak:.0f} MB |")


if __name__ == "__main__":
    main()
