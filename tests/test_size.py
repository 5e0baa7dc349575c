"""Modules stay small and say what they are for; the package keeps within a line budget."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "neuprog"
MODULE_LIMIT = 300  # code lines: the style guide's "about 300 lines at most"
PACKAGE_LIMIT = 7100  # code lines; about 4,600 before the inspector, run-folder safety and controller options; 6,500 before search options and cues; 6,550 before the chosen-history controller, column profile and candidates; 6,700 before ensembles (model, folder format, command); 6,900 before word dropout; 6,950 before number ranges; 6,975 before yes-or-no answers (the Truth type and EXISTS); 7,025 before snapshots and answer misfits


def code_lines(source: str) -> int:
    """Lines holding code: not blank, not only a comment, not inside a docstring."""
    docstring_lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            docstring_lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstring_lines)


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_in_every_subpackage_opens_with_a_one_line_docstring_and_stays_small():
    assert len(modules()) > 30 and any(path.parent != PACKAGE for path in modules())
    for path in modules():
        source = path.read_text(encoding="utf-8")
        docstring = ast.get_docstring(ast.parse(source))
        name = path.relative_to(ROOT)
        assert docstring, f"{name} has no module docstring"
        assert len(docstring.splitlines()[0]) > 10, f"{name}: the docstring's first line should say what the module is for"
        assert code_lines(source) <= MODULE_LIMIT, f"{name} has {code_lines(source)} code lines, over {MODULE_LIMIT}; split it"


def test_package_stays_within_its_line_budget():
    total = sum(code_lines(path.read_text(encoding="utf-8")) for path in modules())
    assert total <= PACKAGE_LIMIT, f"neuprog/ has {total} code lines, over the budget of {PACKAGE_LIMIT}"


def test_code_lines_ignore_blank_comment_and_docstring_lines_but_count_code():
    assert code_lines('"""Doc."""\n\n# a comment\n\ndef f():\n    """Doc."""\n    return 1\n') == 2
    assert code_lines("x = [\n    1,\n]\n") == 3


def test_ruff_finds_nothing_to_fix_and_nothing_to_reformat():
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run([sys.executable, "-m", "ruff", *command, "neuprog", "tests", "examples"], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, f"ruff {' '.join(command)}:\n{done.stdout}{done.stderr}"
