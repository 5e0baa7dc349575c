"""The README stays true: its op table is the registry's, and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from neuprog.app.cli import build_parser
from neuprog.lang.ops import BUILTINS

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_op_table_lists_every_builtin_with_its_template_and_doc():
    for op in BUILTINS:
        row = f"| `{op.name}` |"
        assert row in README, f"README lacks a row for {op.name}"
        line = next(line for line in README.splitlines() if line.startswith(row))
        assert f"`{op.template}`" in line and op.doc in line, f"README row for {op.name} is stale"


def test_readme_neuprog_commands_are_real_subcommands():
    known = set(build_parser()._subparsers._group_actions[0].choices)
    used = set(re.findall(r"^neuprog (\w+)", README, flags=re.MULTILINE))
    assert used and used <= known, used - known


def test_readme_has_one_install_and_one_test_command():
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)
    assert blocks[0].strip().startswith("pip install") and blocks[1].strip() == "python -m pytest -q"
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert ci.strip().splitlines()[-1] == "python -m pytest -q"
