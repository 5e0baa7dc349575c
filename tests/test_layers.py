"""The package's imports run one way: no loops, no import from a higher layer, no hidden imports inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "neuprog"

# Lowest first. A module may import its own layer and those below it, never one above.
LAYERS = ("", "tables", "lang", "model", "wtq", "learn", "app")
TOP = len(LAYERS)  # neuprog/__init__.py and __main__.py: the public face and the entry point
LAZY_ALLOWED = {
    "matplotlib",
    "pyarrow",
    "starlette",
    "uvicorn",
}  # optional extras, imported only when a plot, a Parquet table or the web inspector is asked for


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str, package: str) -> int:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("__init__", "__main__"):
        return TOP
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else 0


def imports_of(path: Path, root: Path, modules: set[str]) -> tuple[set[str], list[str]]:
    """The package modules ``path`` imports at its top level, and its imports nested in functions or classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = root.name
    here = module_name(path, root)
    top_level = {id(node) for node in tree.body}
    targets: set[str] = set()
    nested: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[: len(here.split(".")) - node.level + (1 if path.name == "__init__.py" else 0)]
                base = ".".join(anchor + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "__future__":
                continue
            if id(node) not in top_level:
                nested.append(f"{here}:{node.lineno} imports {name}")
            if name.split(".")[0] == package:
                targets.add(name)
    return targets, nested


def check_layers(root: Path) -> list[str]:
    """Every violation of the import rules in the package at ``root``, as readable lines."""
    paths = sorted(root.rglob("*.py"))
    modules = {module_name(p, root) for p in paths}
    graph: dict[str, set[str]] = {}
    problems: list[str] = []
    for path in paths:
        here = module_name(path, root)
        targets, nested = imports_of(path, root, modules)
        graph[here] = {t for t in targets if t in modules and t != here}
        problems += [line for line in nested if line.split(" imports ")[1].split(".")[0] not in LAZY_ALLOWED]
        for target in graph[here]:
            if layer_of(target, root.name) > layer_of(here, root.name):
                problems.append(f"{here} imports {target} from a higher layer")
    problems += [" -> ".join(loop) + " is an import loop" for loop in _loops(graph)]
    return problems


def _loops(graph: dict[str, set[str]]) -> list[list[str]]:
    loops, state = [], {}  # state: 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                loops.append(path[path.index(target) :] + [node, target] if target in path else [node, target])
            elif target not in state:
                visit(target, path + [node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return loops


def test_the_package_imports_run_one_way_without_loops_or_nested_imports():
    assert check_layers(PACKAGE) == []


def test_every_subpackage_is_a_known_layer():
    subpackages = {p.parent.name for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE}
    assert subpackages <= set(LAYERS), f"{sorted(subpackages - set(LAYERS))} must be given a place in LAYERS"


def test_the_checker_catches_a_loop_an_upward_import_and_a_nested_import(tmp_path):
    root = tmp_path / "neuprog"
    for folder in ("tables", "app"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text('"""x."""\n')
    (root / "__init__.py").write_text('"""x."""\n')
    (root / "tables" / "a.py").write_text("from neuprog.tables.b import x\nfrom neuprog.app.cli import main\n")
    (root / "tables" / "b.py").write_text("from neuprog.tables import a\n\ndef f():\n    from neuprog.tables import a\n")
    (root / "app" / "cli.py").write_text("import json\n")
    problems = check_layers(root)
    assert any("neuprog.tables.a imports neuprog.app.cli from a higher layer" in p for p in problems)
    assert any("import loop" in p and "neuprog.tables.a" in p and "neuprog.tables.b" in p for p in problems)
    assert any(p.startswith("neuprog.tables.b:4 imports") for p in problems)
