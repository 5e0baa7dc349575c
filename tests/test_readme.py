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


def test_readme_architecture_names_every_subpackage_and_module():
    section = README.split("## Architecture", 1)[1]
    package = Path(__file__).parent.parent / "neuprog"
    for path in package.rglob("*.py"):
        if path.stem in ("__init__", "__main__"):
            continue
        where = path.parent.name if path.parent != package else "neuprog"
        assert re.search(rf"\b{path.stem}\b", section), f"README's architecture section does not mention {where}/{path.name}"
    for folder in (p.parent for p in package.rglob("__init__.py") if p.parent != package):
        assert f"**`{folder.name}/`**" in section, f"README's architecture section has no paragraph on {folder.name}/"


def test_readme_python_examples_import_what_they_use():
    for block in re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL):
        imports = "\n".join(line for line in block.splitlines() if line.startswith(("import ", "from ")))
        exec(compile(imports, "README", "exec"), {})
