"""The wheel carries everything `ask` and `serve` need: grammar, bundled model and the inspector's page are package data."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_a_wheel_installed_outside_the_repo_answers_a_question(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("neuprog-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"neuprog/lang/program.lark", "neuprog/pretrained/wtq/ensemble.json", "neuprog/pretrained/wtq/MODEL_CARD.md"} <= names
    assert any(name.startswith("neuprog/pretrained/wtq/") and name.endswith("/model.safetensors") for name in names)  # its members' weights
    assert {f"neuprog/app/static/{page}" for page in ("index.html", "app.js", "style.css")} <= names  # the inspector's page
    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    table = tmp_path / "medals.csv"
    table.write_bytes((ROOT / "examples" / "tables" / "medals.csv").read_bytes())
    environment = {**os.environ, "PYTHONPATH": str(site)}  # the wheel's copy comes before the editable checkout
    script = "import neuprog, sys; from neuprog.app.cli import main; print(neuprog.__file__); sys.exit(main(sys.argv[1:]))"
    asked = subprocess.run(
        [sys.executable, "-c", script, "ask", str(table), "how many gold medals did canada win?"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=environment,
        check=False,
    )
    assert asked.returncode == 0, asked.stderr[-2000:]
    where, *answer = asked.stdout.splitlines()
    assert Path(where).is_relative_to(site)
    assert answer[0] == "11" and answer[2].startswith("program: ")
