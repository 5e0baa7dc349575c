"""Programs checked against the registry and rendered as SQL-like text."""

from __future__ import annotations

from neuprog.errors import ProgramTypeError, WrongTypeError
from neuprog.lang.ops import BUILTINS
from neuprog.lang.registry import Registry
from neuprog.lang.tree import AllRows, Arg, ColumnRef, NumberLiteral, Program, Step, StepRef, TextLiteral
from neuprog.lang.values import ANSWER_TYPES, TYPES
from neuprog.tables.scoring import format_number

__all__ = ["Program", "Step", "check", "render", "render_arg", "render_step"]


# -- type checking ---------------------------------------------------------------------------


def resolved(registry: Registry | None) -> Registry:
    """``registry``, or the built-in ops for None; anything else is a `WrongTypeError` (never an AttributeError later).

    >>> resolved(None) is BUILTINS
    True
    """
    if registry is None:
        return BUILTINS
    if not isinstance(registry, Registry):
        raise WrongTypeError(f"a registry of ops is a neuprog.Registry (BUILTINS or a copy of it), not {type(registry).__name__}")
    return registry


def check(program: Program, registry: Registry) -> list[type]:
    """Type-check a program against the registry; returns each step's result type.

    Errors name the step, the op and the argument.
    """
    if not isinstance(program, Program):
        raise WrongTypeError(f"a program is a neuprog.Program (from parse), not {type(program).__name__}")
    registry = resolved(registry)
    results: list[type] = []
    for position, step in enumerate(program.steps, start=1):
        if step.op not in registry:
            raise ProgramTypeError(f"step s{position}: unknown op {step.op!r}")
        op = registry[step.op]
        if len(step.args) != len(op.params):
            raise ProgramTypeError(f"step s{position}: {op.signature} takes {len(op.params)} arguments, got {len(step.args)}")
        for param, arg in zip(op.params, step.args):
            where = f"step s{position}: {op.name} argument {param.name!r} expects {param.type.__name__}"
            if arg.kind not in TYPES[param.type].arguments:
                raise ProgramTypeError(f"{where}, got {render_arg(arg)}")
            if isinstance(arg, StepRef):
                if arg.index >= position:
                    raise ProgramTypeError(f"{where}, but s{arg.index} is not an earlier step")
                got = results[arg.index - 1]
                if got is not param.type:
                    raise ProgramTypeError(f"{where}, got s{arg.index} which is a {got.__name__}")
        results.append(op.returns)
    if results[-1] not in ANSWER_TYPES:
        last = program.steps[-1].op
        answers = " or ".join(t.__name__ for t in ANSWER_TYPES)
        raise ProgramTypeError(f"step s{len(results)}: a program must end with an answer ({answers}); {last} returns {results[-1].__name__}")
    return results


# -- rendering -------------------------------------------------------------------------------


def render_arg(arg: Arg) -> str:
    if isinstance(arg, StepRef):
        return f"s{arg.index}"
    if isinstance(arg, AllRows):
        return "ALL_ROWS"
    if isinstance(arg, ColumnRef):
        return '"' + arg.name.replace('"', '""') + '"'
    if isinstance(arg, NumberLiteral):
        return format_number(arg.value)
    if isinstance(arg, TextLiteral):
        return "'" + arg.value.replace("'", "''") + "'"
    return f"DATE '{arg.value}'"


def render_step(step: Step, registry: Registry) -> str:
    op = registry[step.op]
    return op.template.format(**{p.name: render_arg(a) for p, a in zip(op.params, step.args)})


def render(program: Program, registry: Registry | None = None, multiline: bool = False) -> str:
    """The program as text, one ``sN = ...`` per step, joined by ``; `` or newlines.

    >>> program = Program(steps=(Step(op="greater", args=(AllRows(), ColumnRef(name="Year"), NumberLiteral(value=2005))),
    ...                          Step(op="count", args=(StepRef(index=1),))))
    >>> print(render(program))
    s1 = ALL_ROWS WHERE "Year" > 2005; s2 = SELECT COUNT(*) FROM s1
    """
    if not isinstance(program, Program):
        raise WrongTypeError(f"render writes a neuprog.Program (from parse), not {type(program).__name__}")
    registry = resolved(registry)
    lines = [f"s{i} = {render_step(step, registry)}" for i, step in enumerate(program.steps, start=1)]
    return ("\n" if multiline else "; ").join(lines)
