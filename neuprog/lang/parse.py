"""Program text to a type-checked program tree, each op found by the shape of its printed form."""

from __future__ import annotations

import re

from neuprog.errors import ProgramSyntaxError, WrongTypeError
from neuprog.lang.grammar import parse_forms
from neuprog.lang.program import check, resolved
from neuprog.lang.registry import Registry
from neuprog.lang.tree import Program, Step
from neuprog.limits import TEXT_CHARS

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def parse(text: str, registry: Registry | None = None) -> Program:
    """Parse program text and type-check it against the registry.

    >>> program = parse('s1 = ALL_ROWS WHERE "Year" > 2005; s2 = SELECT COUNT(*) FROM s1')
    >>> [step.op for step in program.steps]
    ['greater', 'count']
    """
    if not isinstance(text, str):
        raise WrongTypeError(f"a program is text, not {type(text).__name__}")
    TEXT_CHARS.check(len(text), "the program")
    registry = resolved(registry)
    steps = parse_forms(text)
    program_steps = []
    for position, (name, form, _meta) in enumerate(steps, start=1):
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
