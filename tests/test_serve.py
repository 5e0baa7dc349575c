"""The web inspector's API: answers with their steps and rows, edited programs, uploads, limits, and a server that survives bad requests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the web inspector needs the 'serve' extra")
from starlette.testclient import TestClient

from neuprog.app.cli import main
from neuprog.app.inspector import MAX_PAGE, ROW_IDS
from neuprog.app.serve import LOOPBACK, create_app
from neuprog.app.workspace import Workspace
from neuprog.learn.runner import open_model
from neuprog.tables.readers import read_table
from neuprog.tables.table import Table

EXAMPLES = Path(__file__).parent.parent / "examples"
STATIC = Path(__file__).parent.parent / "neuprog" / "app" / "static"
NORWAY = "what cities are in norway?"


@pytest.fixture(scope="module")
def model():
    return open_model()[0]


@pytest.fixture
def client(model):
    workspace = Workspace(model, [read_table(EXAMPLES / "cities.csv"), read_table(EXAMPLES / "tables" / "medals.csv")], max_upload_bytes=2000)
    return TestClient(create_app(workspace, list(LOOPBACK)), base_url="http://127.0.0.1")


def ask(client, question: str = NORWAY, table: str = "t1") -> dict:
    response = client.post("/api/ask", json={"table": table, "question": question})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_tables_are_listed_by_id_and_name_never_by_path(client):
    listing = client.get("/api/tables").json()
    assert [(t["id"], t["name"], t["rows"]) for t in listing["tables"]] == [("t1", "cities.csv", 8), ("t2", "medals.csv", 10)]
    assert listing["max_upload_bytes"] == 2000 and str(EXAMPLES) not in json.dumps(listing)


def kept_step(view: dict, number: int = 1) -> int:
    """The raw step (from 1) that the minimal program keeps as its step ``number``: where the model put it is its own choice."""
    return next(raw for raw, step in enumerate(view["steps"], start=1) if step["kept"] == number)


def test_ask_gives_the_answer_first_then_confidence_minimal_program_and_each_steps_choices_and_rows(client):
    view = ask(client)
    assert list(view)[2:5] == ["question", "status", "answer"]
    assert view["answer"] == "Oslo, Bergen, Trondheim" and view["status"] == "answered" and 0 < view["confidence"] <= 1
    assert view["program"] == 's1 = ALL_ROWS WHERE "Country" LIKE \'norway\'\ns2 = SELECT "City" FROM s1'
    first = view["steps"][kept_step(view) - 1]
    assert first["ops"][0][0] == "select" and first["columns"][0][0] == "Country" and first["columns"][0][1] > 0.9 and first["constants"][0][0] == "norway"
    assert len(first["ops"]) == 3 and all(0 <= p <= 1 for _, p in first["ops"]) and first["ops"] == sorted(first["ops"], key=lambda pair: -pair[1])
    assert first["rows"] == {"count": 3, "ids": [0, 1, 2]} and first["kept"] == 1
    answering = [step for step in view["steps"] if step["kept"] == 2]  # the step the minimal program keeps as its answer
    assert len(answering) == 1 and answering[0]["kind"] == "cells"
    dropped = [step["dropped"] for step in view["steps"] if step["kept"] is None]
    assert len(dropped) == len(view["steps"]) - 2 and all(isinstance(reason, str) and reason for reason in dropped)  # each says why


def test_an_unanswerable_question_abstains_and_says_why(client):
    view = ask(client, "asdf qwerty")
    assert view["status"] == "abstained" and view["answer"] is None and "names nothing in the table" in view["reason"]


def test_a_page_of_rows_marks_the_rows_a_step_selected_and_the_answers_cells(client):
    view = ask(client)
    page = client.get("/api/tables/t1/rows", params={"answer": view["answer_id"], "step": kept_step(view), "offset": 1, "limit": 3}).json()
    assert [(row["id"], row["cells"][0], row["selected"], row["answer"]) for row in page["rows"]] == [
        (1, "Bergen", True, [0]),
        (2, "Trondheim", True, [0]),
        (3, "Stockholm", False, []),
    ]
    assert page["total"] == 8 and page["selected_count"] == 3 and page["header"][0] == "City"
    chosen = client.get("/api/tables/t1/rows", params={"answer": view["answer_id"], "only_selected": "1"}).json()
    assert [row["cells"][0] for row in chosen["rows"]] == ["Oslo", "Bergen", "Trondheim"] and chosen["total"] == 3


def test_an_edited_program_runs_and_shows_its_answer_and_each_steps_rows(client):
    program = 's1 = ALL_ROWS WHERE "Country" LIKE \'sweden\'\ns2 = SELECT COUNT(*) FROM s1\ns3 = SELECT "City" FROM s1'
    response = client.post("/api/run", json={"table": "t1", "program": program})
    view = response.json()
    assert response.status_code == 200 and view["answer"] == "Stockholm, Gothenburg" and view["status"] == "answered"
    assert [(step["kind"], step["value"], step["rows"]["ids"]) for step in view["steps"]] == [
        ("rows", "2 rows", [3, 4]),
        ("number", "2", [3, 4]),
        ("cells", "2 cells", [3, 4]),
    ]
    assert view["minimal"] == 's1 = ALL_ROWS WHERE "Country" LIKE \'sweden\'\ns2 = SELECT "City" FROM s1'
    page = client.get("/api/tables/t1/rows", params={"answer": view["answer_id"], "step": 1}).json()
    assert [row["id"] for row in page["rows"] if row["selected"]] == [3, 4]


@pytest.mark.parametrize(
    "program, message, position",
    [
        ('s1 = ALL_ROWS WHERE "City" >', "syntax error at line 1, column 29", {"line": 1, "column": 29}),
        ("s1 = ALL_ROWS\ns2 = SELECT COUNT(*) FROM s1 WHERE )", "line 2, column", {"line": 2}),
        ("s1 = ALL_ROWS\ns2 = SELECT COUNT(*) FROM s3", "step s2: count argument 'rows' expects RowMask", {"step": 2}),
        ('s1 = SELECT SUM("Mayor") FROM ALL_ROWS', "no column 'Mayor'", {}),
    ],
)
def test_a_bad_program_gets_its_message_and_position(client, program, message, position):
    response = client.post("/api/run", json={"table": "t1", "program": program})
    assert response.status_code == 400
    error = response.json()
    assert message in error["error"] and position.items() <= error.items()


def test_an_uploaded_table_can_be_asked_about(client):
    response = client.post("/api/tables", params={"name": "towns.csv"}, content='Town,People\nLund,"94,000"\nUmeå,"89,000"\nVisby,"24,000"\n'.encode())
    assert response.status_code == 200, response.text
    table = response.json()
    assert table["name"] == "towns.csv" and table["rows"] == 3 and table["uploaded"] and table["header"] == ["Town", "People"]
    assert ask(client, "how many people live in visby?", table["id"])["answer"] == "24,000"


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("ragged.csv", b"a,b\n1\n2,3,4\n", "ragged.csv: record 2 has 1 fields"),
        ("blank.csv", b"   \n", "blank.csv: the file is empty"),
        ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "picture.csv: looks like a binary file"),
        ("latin.csv", "By\nMalmö\n".encode("latin-1"), "latin.csv: not valid utf-8"),
        ("rows.json", b"{not json", "rows.json"),
        ("header.csv", b"only,a,header\n", "header.csv"),
    ],
)
def test_a_bad_upload_gets_a_one_line_message_naming_it_and_no_temporary_path(client, name, data, message):
    response = client.post("/api/tables", params={"name": name}, content=data)
    error = response.json()["error"]
    assert response.status_code == 400 and message in error and "\n" not in error and tempfile.gettempdir() not in error


def test_an_upload_over_the_limit_is_refused_whether_or_not_it_declares_its_length(client):
    big = b"a,b\n" + b"1,2\n" * 1000
    declared = client.post("/api/tables", params={"name": "big.csv"}, content=big)
    streamed = client.post("/api/tables", params={"name": "big.csv"}, content=iter([big[:1500], big[1500:]]))
    for response in (declared, streamed):
        assert response.status_code == 413 and "over the limit of 2,000 bytes" in response.json()["error"]
    assert len(client.get("/api/tables").json()["tables"]) == 2


def test_uploads_live_in_memory_under_an_id_and_are_never_served_back_by_path(client):
    leftovers = lambda: {p.name for p in Path(tempfile.gettempdir()).glob("neuprog-upload-*")}
    before = leftovers()
    table = client.post("/api/tables", params={"name": "../../etc/passwd.csv"}, content=b"a\n1\n").json()
    assert table["id"] == "t3" and table["name"] == "passwd.csv" and leftovers() == before
    for path in ("/static/passwd.csv", "/passwd.csv", "/api/tables/passwd.csv/rows", "/api/tables/..%2F..%2Fetc%2Fpasswd.csv/rows"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2fserve.py",
        "/static/..%5c..%5cserve.py",
        "/static/app.js%00.html",
        "/static/",
        "/static/serve.py",
        "/neuprog/app/serve.py",
        "/api/tables/..%2F..%2F..%2Fetc%2Fpasswd/rows",
        "//etc/passwd",
    ],
)
def test_no_path_reaches_a_file_beyond_the_three_static_ones(client, path):
    response = client.get(path)
    assert response.status_code in (404, 405) and "error" in response.json() and "root:" not in response.text and "import" not in response.text


def test_the_page_and_its_files_come_from_the_package_and_fetch_nothing_from_elsewhere(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"] and "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").content == (STATIC / name).read_bytes()
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "url(" not in text and "@import" not in text, path.name


def test_the_server_keeps_serving_after_bad_requests(client, monkeypatch):
    bad = [
        client.post("/api/ask", content=b"{not json"),
        client.post("/api/ask", json=["a", "list"]),
        client.post("/api/ask", json={"table": "t1"}),
        client.post("/api/ask", json={"table": "t9", "question": "how many?"}),
        client.post("/api/ask", json={"table": "t1", "question": "x" * 5000}),
        client.post("/api/ask", content=b"x" * 200_000),
        client.get("/api/tables/t1/rows", params={"offset": "-1"}),
        client.get("/api/tables/t1/rows", params={"limit": str(MAX_PAGE + 1)}),
        client.get("/api/tables/t1/rows", params={"answer": "a999"}),
        client.get("/api/ask"),
        client.delete("/api/tables"),
    ]
    assert [r.status_code for r in bad] == [400, 400, 400, 404, 400, 413, 400, 400, 404, 405, 405]
    assert all(r.json()["error"] for r in bad)
    view = ask(client)
    monkeypatch.setattr("neuprog.app.workspace.run_view", lambda *args: 1 / 0)  # a bug inside a request
    failed = client.post("/api/run", json={"table": "t1", "program": "s1 = SELECT COUNT(*) FROM ALL_ROWS"})
    assert failed.status_code == 500 and failed.json()["error"] == "internal error: ZeroDivisionError: division by zero"
    monkeypatch.undo()
    assert ask(client)["answer"] == view["answer"]
    assert client.get("/api/tables/t1/rows", params={"answer": view["answer_id"]}).status_code == 200


def test_requests_addressed_to_another_host_are_refused_on_the_loopback(client):
    assert client.get("/api/tables", headers={"Host": "attacker.example"}).status_code == 400
    assert client.get("/api/tables", headers={"Host": "localhost:8000"}).status_code == 200


def test_pages_of_other_sites_cannot_make_the_server_ask_run_or_keep_anything(client):
    question = {"table": "t1", "question": NORWAY}
    for origin in ("http://attacker.example", "null", "http://127.0.0.1:9999"):
        refused = [
            client.post("/api/ask", json=question, headers={"Origin": origin}),
            client.post("/api/run", json={"table": "t1", "program": "s1 = SELECT COUNT(*) FROM ALL_ROWS"}, headers={"Origin": origin}),
            client.post("/api/tables", params={"name": "x.csv"}, content=b"a\n1\n", headers={"Origin": origin}),
        ]
        assert [r.status_code for r in refused] == [403, 403, 403] and "other sites are refused" in refused[0].json()["error"]
    assert len(client.get("/api/tables").json()["tables"]) == 2
    assert client.post("/api/ask", json=question, headers={"Origin": "http://127.0.0.1"}).status_code == 200


def test_a_100000_row_table_travels_a_page_at_a_time(model):
    rows = 100_000
    countries = np.array(["Norway", "Sweden", "Denmark", "Finland"])[np.arange(rows) % 4]
    table = Table.from_rows(["Player", "Country", "Goals"], [[f"Player {i}", countries[i], str(i % 40)] for i in range(rows)])
    client = TestClient(create_app(Workspace(model, [table])))
    start = time.perf_counter()
    response = client.post("/api/ask", json={"table": "t1", "question": "how many players are from norway?"})
    took = time.perf_counter() - start
    view = response.json()
    assert view["answer"] == "25000" and len(response.content) < 20_000
    assert all(len(step["rows"]["ids"]) <= ROW_IDS for step in view["steps"]) and view["steps"][kept_step(view) - 1]["rows"]["count"] == 25_000
    page = client.get("/api/tables/t1/rows", params={"answer": view["answer_id"], "offset": 99_990, "limit": 50})
    assert [row["id"] for row in page.json()["rows"]] == list(range(99_990, 100_000)) and len(page.content) < 5_000
    chosen = client.get("/api/tables/t1/rows", params={"answer": view["answer_id"], "step": kept_step(view), "only_selected": "1", "offset": 24_999}).json()
    assert chosen["total"] == 25_000 and [row["id"] for row in chosen["rows"]] == [99_996]
    print(f"ask on {rows:,} rows: {took * 1000:.0f} ms, {len(response.content):,} bytes (timed, not asserted: see examples/serve_benchmark.py)")


def test_serve_without_the_extra_names_it_and_exits_1(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "starlette", None)
    assert main(["serve", str(EXAMPLES / "cities.csv")]) == 1
    assert capsys.readouterr().err.strip() == "neuprog: error: the web inspector needs the 'serve' extra: pip install 'neuprog[serve]'"


def test_serve_on_a_port_in_use_says_so_and_exits_1(capsys):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        assert main(["serve", "--port", str(busy.getsockname()[1])]) == 1
    assert "cannot listen on 127.0.0.1:" in capsys.readouterr().err


def test_neuprog_serve_serves_the_tables_and_warns_when_bound_beyond_the_loopback():
    command = [sys.executable, "-m", "neuprog", "serve", str(EXAMPLES / "cities.csv"), "--host", "0.0.0.0", "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = server.stdout.readline()
        assert line.startswith("serving the inspector at http://0.0.0.0:") and "(1 table;" in line, line + server.stderr.read()
        port = int(line.split(":")[2].split("/")[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/tables", timeout=30) as response:
            assert json.loads(response.read())["tables"][0]["name"] == "cities.csv"
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert "warning: serving on 0.0.0.0, not the loopback" in err
