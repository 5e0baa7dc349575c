"""How fast the web inspector answers on a big table: ask, run a program and page rows, over real HTTP.

    python examples/serve_benchmark.py [--rows 100000] [--repeat 5]

Needs the ``serve`` extra. The table is the speed benchmark's (20 columns of the
kinds real tables have, seeded), written as CSV and read once, as ``neuprog serve
TABLE.csv`` does. The inspector runs on a free port of 127.0.0.1 with the bundled
model loaded; a client in this process times each request end to end (HTTP,
JSON, the model, the interpreter) and reports medians over ``--repeat`` rounds,
and the size of each answer, which stays small however many rows the table has.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from neuprog.app.serve import serving
from neuprog.app.workspace import Workspace
from neuprog.learn.runner import open_model
from neuprog.tables.readers import read_table

QUESTIONS = ["how many players are from norway?", "what is the total salary of team a?", "who scored the most goals?"]
PROGRAM = 's1 = ALL_ROWS WHERE "Country" LIKE \'norway\'\ns2 = ALL_ROWS WHERE "Goals" > 30\ns3 = s1 AND s2\ns4 = SELECT "Name" FROM s3'


def make_table(rows: int):
    """The speed benchmark's table, so the two benchmarks measure the same data."""
    spec = importlib.util.spec_from_file_location("speed_benchmark", Path(__file__).parent / "speed_benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_table(rows)


def timed(address: str, path: str, payload: dict | None = None) -> tuple[float, int, dict]:
    """(seconds, bytes of the answer, the answer) of one request; a JSON payload makes it a POST."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(address + path, data=data, headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        body = response.read()
    return time.perf_counter() - start, len(body), json.loads(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "players.csv"
        make_table(args.rows).to_csv(path, index=False)
        size = path.stat().st_size
        start = time.perf_counter()
        model = open_model()[0]
        model.ask(read_table(Path(__file__).parent / "cities.csv"), "how many cities are there?")  # as `neuprog serve` warms up
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        table = read_table(path)
        read = time.perf_counter() - start
        data = path.read_bytes()
    print(
        f"table: {args.rows:,} rows x {table.shape[1]} columns, {size / 1e6:.1f} MB of CSV; model loaded and warmed up in {loaded:.2f} s, table read in {read:.2f} s"
    )
    timings: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}
    answers: dict[str, str] = {}
    with serving(Workspace(model, [table], max_upload_bytes=2 * len(data))) as address:
        start = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(address + "api/tables?name=players.csv", data=data)) as response:
            uploaded = json.loads(response.read())
        print(f"upload of the same CSV file: {time.perf_counter() - start:.2f} s ({uploaded['rows']:,} rows)")
        for _ in range(args.repeat):
            for number, question in enumerate(QUESTIONS, start=1):
                seconds, length, answer = timed(address, "api/ask", {"table": "t1", "question": question})
                timings.setdefault(f"ask {number}", []).append(seconds)
                sizes[f"ask {number}"] = length
                answers[f"ask {number}"] = answer["answer"] if answer["status"] == "answered" else f"({answer['status']})"
                seconds, length, _ = timed(address, f"api/tables/t1/rows?offset={args.rows // 2}&limit=50&answer={answer['answer_id']}")
                timings.setdefault("rows page", []).append(seconds)
                sizes["rows page"] = length
                seconds, length, _ = timed(address, f"api/tables/t1/rows?offset=0&limit=50&answer={answer['answer_id']}&only_selected=1")
                timings.setdefault("selected rows page", []).append(seconds)
                sizes["selected rows page"] = length
            seconds, length, _ = timed(address, "api/run", {"table": "t1", "program": PROGRAM})
            timings.setdefault("run program", []).append(seconds)
            sizes["run program"] = length
    print("| request | median | slowest | response size | answer |\n|---|---:|---:|---:|---|")
    for name, values in timings.items():
        label = f"ask: {QUESTIONS[int(name[-1]) - 1]}" if name.startswith("ask") else name
        print(f"| {label} | {statistics.median(values) * 1000:.0f} ms | {max(values) * 1000:.0f} ms | {sizes[name] / 1000:.1f} kB | {answers.get(name, '')} |")


if __name__ == "__main__":
    main()
