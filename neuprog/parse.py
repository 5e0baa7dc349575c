"""Program text to program tree, with the LALR grammar in grammars/program.lark."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from pydantic import ValidationError

from .errors import ProgramSyntaxError, RegistryError
from .program import AllRows, ColumnRef, DateLiteral, NumberLiteral, Program, Step, StepRef, TextLiteral, check
from .registry import Op, Registry
from .values import Cells, Column, Constant, RowMask, Scalar

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SAMPLE_ARG = {RowMask: "s1", Scalar: "s1", Cells: "s1", Column: '"c"', Constant: "0"}


def grammar_text() -> str:
    """The grammar, from the installed package or, in a source checkout, from grammars/."""
    packaged = resources.files("neuprog").joinpath("grammars/program.lark")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "grammars" / "program.lark").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(grammar_text(), parser="lalr", strict=True, start=["start", "expr"], propagate_positions=True, maybe_placeholders=False)


class _Form:
    """A parsed op form: its shape (keywords, `_` per argument) and its arguments in order."""

    def __init__(self, shape: tuple[str, ...], args: list, meta) -> None:
        self.shape, self.args, self.meta = shape, args, meta


def _unquote(token: str) -> str:
    quote = token[0]
    return token[1:-1].replace(quote * 2, quote)


@v_args(meta=True)
class _Build(Transformer):
    def step_ref(self, meta, children):
        return StepRef(index=int(children[0][1:]))

    def all_rows(self, meta, children):
        return AllRows()

    def column(self, meta, children):
        return ColumnRef(name=_unquote(children[0]))

    def number(self, meta, children):
        return NumberLiteral(value=float(children[0]))

    def text(self, meta, children):
        return TextLiteral(value=_unquote(children[0]))

    def date(self, meta, children):
        return DateLiteral(value=_unquote(children[1]))

    def _form(self, meta, children) -> _Form:
        shape, args = [], []
        for child in children:
            if isinstance(child, Token):
                shape.append(child.upper())
            elif isinstance(child, _Form):  # a projection inside SELECT
                shape.extend(child.shape)
                args.extend(child.args)
            else:
                shape.append("_")
                args.append(child)
        return _Form(tuple(shape), args, meta)

    def filter(self, meta, children):
        return self._form(meta, children)

    def widen(self, meta, children):
        return self._form(meta, children)

    def query(self, meta, children):
        return self._form(meta, children)

    def project_column(self, meta, children):
        return self._form(meta, children)

    def project_function(self, meta, children):
        return self._form(meta, [children[0], Token("LPAR", "("), children[1], Token("RPAR", ")")])

    def project_star(self, meta, children):
        return self._form(meta, [children[0], Token("LPAR", "("), children[1], Token("RPAR", ")")])

    def call(self, meta, children):
        parts: list = [children[0], Token("LPAR", "(")]
        for position, arg in enumerate(children[1:]):
            if position:
                parts.append(Token("COMMA", ","))
            parts.append(arg)
        return self._form(meta, parts + [Token("RPAR", ")")])

    def binary(self, meta, children):
        return self._form(meta, children)

    def keyword(self, meta, children):
        return self._form(meta, children)

    def step(self, meta, children):
        return (children[0], children[1], meta)

    def start(self, meta, children):
        return children


def _syntax_error(text: str, error: UnexpectedInput) -> ProgramSyntaxError:
    lines = text.splitlines() or [""]
    line, column = error.line, error.column
    if isinstance(error, UnexpectedCharacters):
        found = f"unexpected character {text[error.pos_in_stream]!r}"
    elif isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        found = "unexpected end of program"
        line, column = len(lines), len(lines[-1]) + 1
    else:
        found = f"unexpected {str(error.token)!r}"
    snippet = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return ProgramSyntaxError(f"syntax error at line {line}, column {column}: {found}" + (f" in `{snippet}`" if snippet else ""))


def template_shape(op: Op) -> tuple[str, ...]:
    """The shape the grammar reads from an op's template, used to find the op again when parsing."""
    sample = op.template.format(**{p.name: _SAMPLE_ARG[p.type] for p in op.params})
    try:
        form = _Build().transform(_parser().parse(sample, start="expr"))
    except UnexpectedInput:
        raise RegistryError(f"op {op.name}: template {op.template!r} is not a form the program grammar reads") from None
    return form.shape


def parse(text: str, registry: Registry | None = None) -> Program:
    """Parse program text and type-check it against the registry.

    >>> program = parse('s1 = ALL_ROWS WHERE "Year" > 2005; s2 = SELECT COUNT(*) FROM s1')
    >>> [step.op for step in program.steps]
    ['greater', 'count']
    """
    from .ops import BUILTINS

    registry = registry or BUILTINS
    try:
        tree = _parser().parse(text, start="start")
        steps = _Build().transform(tree)
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    except VisitError as error:
        if isinstance(error.orig_exc, ValidationError):
            raise ProgramSyntaxError(f"syntax error: {error.orig_exc.errors()[0]['msg']}") from None
        raise
    program_steps = []
    for position, (name, form, meta) in enumerate(steps, start=1):
        if name != f"s{position}":
            raise ProgramSyntaxError(f"syntax error at line {name.line}, column {name.column}: step {position} must be named s{position}, not {name}")
        where = f"line {form.meta.line}, column {form.meta.column}"
        op = registry.by_shape(form.shape)
        if op is None:
            written = " ".join(form.shape)
            raise ProgramSyntaxError(f"syntax error at {where}: no op is written as `{written}` (see `neuprog ops`)")
        order = _PLACEHOLDER.findall(op.template)
        by_name = dict(zip(order, form.args))
        program_steps.append(Step(op=op.name, args=tuple(by_name[p.name] for p in op.params)))
    program = Program(steps=tuple(program_steps))
    check(program, registry)
    return program
