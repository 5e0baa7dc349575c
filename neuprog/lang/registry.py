"""The typed operation registry: an op is declared once and everything else reads it here."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from neuprog.errors import RegistryError
from neuprog.lang.facts import FACTS
from neuprog.lang.grammar import template_shape
from neuprog.lang.values import ANSWER_TYPES, STACKED_TYPES, VALUE_TYPES, Column, Constant

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Param:
    """One typed parameter of an op."""

    name: str
    type: type


@dataclass(frozen=True)
class Op:
    """An operation: typed signature, exact semantics, soft semantics, printed template, words and facts.

    ``exact(table, *args)`` is the specification; ``soft(batch, *args)`` is its
    batched, differentiable twin and must agree with it on one-hot inputs.
    ``words`` says what the op computes in plain words (placeholders as in the
    template, plus ``{n}``: the number of rows a selection holds), and ``facts``
    names the algebraic laws it obeys (see `neuprog.lang.facts`).
    """

    name: str
    params: tuple[Param, ...]
    returns: type
    template: str
    doc: str
    exact: Callable[..., Any]
    soft: Callable[..., Any]
    facts: frozenset[str] = frozenset()
    words: str = ""
    cues: frozenset[str] = frozenset()
    """Question words that license the op in search (``search_cues``); empty: any question (see `neuprog.lang.cues`)."""

    def has(self, fact: str) -> bool:
        """Whether the op declares the algebraic fact ``fact``.

        >>> from neuprog.lang.ops import BUILTINS
        >>> BUILTINS["last"].has("idempotent"), BUILTINS["next"].has("idempotent")
        (True, False)
        """
        return fact in self.facts

    @property
    def signature(self) -> str:
        """The signature as text.

        >>> from neuprog.lang.ops import BUILTINS
        >>> BUILTINS["count"].signature
        'count(rows: RowMask) -> Scalar'
        """
        params = ", ".join(f"{p.name}: {p.type.__name__}" for p in self.params)
        return f"{self.name}({params}) -> {self.returns.__name__}"

    def count(self, value_type: type) -> int:
        """How many parameters of ``value_type`` the op takes."""
        return sum(1 for p in self.params if p.type is value_type)

    def uses(self, value_type: type) -> bool:
        return self.count(value_type) > 0

    @property
    def answers(self) -> bool:
        """Whether the op's result can be a program's answer."""
        return self.returns in ANSWER_TYPES

    # -- the step machine: stacked arguments are the most recent values of their type ---------

    def arguments(self, stacks: dict[type, list], column: Any, constant: Any) -> list:
        """The op's arguments in parameter order.

        Stacked types take the most recent values of their type, oldest first,
        from stacks whose index 0 is the newest; Column and Constant parameters
        take the step's column and constant choice. Works on refs and tensors alike.
        """
        taken = {t: list(reversed(stacks[t][: self.count(t)])) for t in STACKED_TYPES}
        heads = {Column: column, Constant: constant}
        return [taken[p.type].pop(0) if p.type in taken else heads[p.type] for p in self.params]

    @property
    def step_params(self) -> tuple[Param, ...]:
        """The parameters whose values come from earlier steps (stacked types), in parameter order.

        >>> from neuprog.lang.ops import BUILTINS
        >>> [p.name for p in BUILTINS["both"].step_params], [p.name for p in BUILTINS["greater"].step_params]
        (['first', 'second'], ['rows'])
        """
        return tuple(p for p in self.params if p.type in STACKED_TYPES)

    def arguments_read(self, values: list, column: Any, constant: Any) -> list:
        """The op's arguments in parameter order when its step parameters take ``values`` (read from memory), in order.

        Column and Constant parameters take the step's column and constant choice.
        Works on refs and tensors alike.
        """
        values = list(values)
        heads = {Column: column, Constant: constant}
        return [values.pop(0) if p.type in STACKED_TYPES else heads[p.type] for p in self.params]

    def update(self, stacks: dict[type, list], result: Any, fills: dict[type, Any]) -> dict[type, list]:
        """Stacks after this op: its result replaces the arguments of its own type and goes on top.

        Arguments of other types are read, not consumed, so ``count`` leaves the
        selection in place for a later ``print``. Works on refs and tensors alike.
        """
        updated = {}
        for t, stack in stacks.items():
            if t is self.returns:
                depth = len(stack)
                rest = stack[self.count(t) :]
                updated[t] = ([result] + rest + [fills[t]] * depth)[:depth]
            else:
                updated[t] = stack
        return updated


def _parameters(function: Callable, owner: str) -> tuple[tuple[Param, ...], type]:
    try:
        hints = typing.get_type_hints(function)
    except Exception as error:  # unresolved annotations: the op's author must see which
        raise RegistryError(f"op {owner}: cannot read the annotations of exact(): {error}") from None
    names = list(inspect.signature(function).parameters)[1:]  # the first is the table
    params = []
    for name in names:
        kind = hints.get(name)
        if kind not in VALUE_TYPES:
            raise RegistryError(f"op {owner}: parameter {name!r} must be annotated with one of {[t.__name__ for t in VALUE_TYPES]}")
        params.append(Param(name, kind))
    returns = hints.get("return")
    if returns not in STACKED_TYPES:
        allowed = ", ".join(t.__name__ for t in STACKED_TYPES)
        raise RegistryError(f"op {owner}: exact() must return one of {allowed}, not {returns!r}")
    return tuple(params), returns


class Registry:
    """An ordered set of ops, looked up by name and by the shape of their printed form.

    >>> from neuprog.lang.ops import BUILTINS
    >>> len(BUILTINS) >= 18, "greater" in BUILTINS
    (True, True)
    """

    def __init__(self, ops: typing.Iterable[Op] = ()) -> None:
        self._ops: dict[str, Op] = {}
        self._shapes: dict[tuple, Op] = {}
        for op_ in ops:
            self.register(op_)

    def register(self, op_: Op) -> Op:
        """Add an op; its name, placeholders and template are checked against the grammar."""
        if not _NAME.match(op_.name):
            raise RegistryError(f"op {op_.name!r}: names are lower_snake_case")
        if op_.name in self._ops:
            raise RegistryError(f"op {op_.name!r} is already registered")
        placeholders = _PLACEHOLDER.findall(op_.template)
        expected = [p.name for p in op_.params]
        if sorted(placeholders) != sorted(expected):
            raise RegistryError(f"op {op_.name}: template {op_.template!r} must use each of {expected} exactly once")
        for fact in sorted(op_.facts):
            if fact not in FACTS:
                raise RegistryError(f"op {op_.name}: no fact named {fact!r}; known facts: {', '.join(FACTS)}")
            if not FACTS[fact].fits(op_):
                raise RegistryError(f"op {op_.name}: fact {fact!r} needs {FACTS[fact].needs}")
        unknown = set(_PLACEHOLDER.findall(op_.words)) - set(expected) - {"n"}
        if unknown:
            raise RegistryError(f"op {op_.name}: words {op_.words!r} use {sorted(unknown)}, which are not its parameters (or n)")
        shape = template_shape(op_)
        if shape in self._shapes:
            raise RegistryError(f"op {op_.name}: template {op_.template!r} reads the same as op {self._shapes[shape].name!r}")
        self._ops[op_.name] = op_
        self._shapes[shape] = op_
        return op_

    def op(
        self, template: str | None = None, name: str | None = None, facts: typing.Iterable[str] = (), words: str | None = None, cues: typing.Iterable[str] = ()
    ) -> Callable[[type], Op]:
        """Class decorator declaring an op from ``exact`` and ``soft`` functions and a docstring.

        The op is named after the class unless ``name`` is given (so a class need not
        shadow a Python builtin such as ``sum``). The default template is the call
        form ``NAME(arg, ...)``; the default words are the template. ``facts`` name
        the algebraic laws the op obeys (`neuprog.lang.facts.FACTS`); ``cues`` are the
        question words that license it in search (`neuprog.lang.cues`).
        """

        def declare(spec: type) -> Op:
            exact, soft = getattr(spec, "exact", None), getattr(spec, "soft", None)
            if exact is None or soft is None:
                raise RegistryError(f"op {spec.__name__}: declare both exact() and soft()")
            op_name = name or spec.__name__
            params, returns = _parameters(exact, op_name)
            text = template or f"{op_name.upper()}(" + ", ".join("{%s}" % p.name for p in params) + ")"
            doc = inspect.cleandoc(spec.__doc__ or "").split("\n")[0]
            if not doc:
                raise RegistryError(f"op {op_name}: give it a one-line docstring")
            return self.register(Op(op_name, params, returns, text, doc, exact, soft, frozenset(facts), words or text, frozenset(cues)))

        return declare

    def by_shape(self, shape: tuple) -> Op | None:
        return self._shapes.get(shape)

    def copy(self) -> Registry:
        """A new registry with the same ops, to extend without touching this one."""
        return Registry(self._ops.values())

    def subset(self, names: typing.Iterable[str]) -> Registry:
        """A registry of only the named ops, in this registry's order (unknown names are an error)."""
        wanted = set(names)
        for name in wanted:
            self[name]
        return Registry(op_ for op_ in self if op_.name in wanted)

    def __getitem__(self, name: str) -> Op:
        try:
            return self._ops[name]
        except KeyError:
            raise RegistryError(f"no op named {name!r}; known ops: {', '.join(self._ops)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._ops

    def __iter__(self) -> Iterator[Op]:
        return iter(self._ops.values())

    def __len__(self) -> int:
        return len(self._ops)

    @property
    def names(self) -> list[str]:
        return list(self._ops)

    def read_arity(self) -> int:
        """Memory reads a step may make: the most step parameters any op takes (at least 1).

        >>> from neuprog.lang.ops import BUILTINS
        >>> BUILTINS.read_arity()
        2
        """
        return max([1] + [len(op_.step_params) for op_ in self])

    def stack_depth(self) -> int:
        """Stack depth the step machine needs: the most same-typed arguments any op takes."""
        return max([2] + [op_.count(t) for op_ in self for t in STACKED_TYPES])
