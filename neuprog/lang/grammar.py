"""The program grammar: text to op forms (keywords and arguments), with errors that say what was expected."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from pydantic import ValidationError

from neuprog.errors import ProgramSyntaxError, RegistryError
from neuprog.lang.tree import AllRows, ColumnRef, DateLiteral, NumberLiteral, StepRef, TextLiteral
from neuprog.lang.values import TYPES

# What each terminal of program.lark looks like, for "expected ..." in syntax errors.
_EXPECTED = {
    "STEP": "a step name like s1",
    "NAME": "an op name",
    "NUMBER": "a number",
    "COLUMN": 'a "column"',
    "STRING": "a 'phrase'",
    "DATE": "DATE",
    "ALL_ROWS": "ALL_ROWS",
    "WHERE": "WHERE",
    "SELECT": "SELECT",
    "FROM": "FROM",
    "STAR": "*",
    "COMPARE": "a comparison (> < >= <= = != LIKE NOT LIKE)",
    "BINOP": "- + / AND OR",
    "EQUAL": "=",
    "LPAR": "(",
    "RPAR": ")",
    "COMMA": ",",
    "_SEP": "; or a new line",
}


def parse_forms(text: str) -> list:
    """Program text to ``(step name token, form, meta)`` triples; raises `ProgramSyntaxError`."""
    try:
        return _Build().transform(_parser().parse(text, start="start"))
    except UnexpectedInput as error:
        raise syntax_error(text, error) from None
    except VisitError as error:  # a literal the tree refuses, e.g. a number beyond float range or 2004-02-30
        if not isinstance(error.orig_exc, ValidationError):
            raise
        meta = getattr(error.obj, "meta", None)
        where = f" at line {meta.line}, column {meta.column}" if meta is not None and not meta.empty else ""
        raise ProgramSyntaxError(f"syntax error{where}: {error.orig_exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None


def grammar_text() -> str:
    """The LALR grammar of program text, shipped beside this module."""
    return resources.files("neuprog.lang").joinpath("program.lark").read_text(encoding="utf-8")


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
                shape.append(" ".join(child.upper().split()))  # NOT  LIKE is NOT LIKE
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


def syntax_error(text: str, error: UnexpectedInput) -> ProgramSyntaxError:
    """The one-line error for a parse failure: where, what was found, and what the grammar expected there."""
    lines = text.splitlines() or [""]
    line, column = error.line, error.column
    expected: set[str] = set()
    if isinstance(error, UnexpectedCharacters):
        found = f"unexpected character {text[error.pos_in_stream]!r}"
        expected = _accepted_after(text[: error.pos_in_stream])
    elif isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        found = "unexpected end of program"
        line, column = len(lines), len(lines[-1]) + 1
        expected = set(getattr(error, "accepts", None) or error.expected or ())
    else:
        found = f"unexpected {str(error.token)!r}"
        expected = set(error.accepts or error.expected or ())
    snippet = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    wanted = sorted({_EXPECTED.get(name, name) for name in expected if name != "$END"})
    return ProgramSyntaxError(
        f"syntax error at line {line}, column {column}: {found}"
        + (f" (expected {' or '.join(wanted)})" if wanted else "")
        + (f" in `{snippet}`" if snippet else "")
    )


def _accepted_after(prefix: str) -> set[str]:
    """The terminals the parser accepts after ``prefix``: exact, where the lexer's own list merges LALR states."""
    try:
        interactive = _parser().parse_interactive(prefix, start="start")
        interactive.exhaust_lexer()
        return set(interactive.accepts())
    except UnexpectedInput:
        return set()


def template_shape(op) -> tuple[str, ...]:
    """The shape the grammar reads from an op's template, used to find the op again when parsing."""
    sample = op.template.format(**{p.name: TYPES[p.type].sample for p in op.params})
    try:
        form = _Build().transform(_parser().parse(sample, start="expr"))
    except UnexpectedInput:
        raise RegistryError(f"op {op.name}: template {op.template!r} is not a form the program grammar reads") from None
    return form.shape
