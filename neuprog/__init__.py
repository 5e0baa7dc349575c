"""neuprog: differentiable program induction over tables, in the line of the Neural Programmer.

The public face: ask questions with `NeuralProgrammer`, read tables with `Table`,
and write, read and run programs with `parse`, `render` and `interpret` over a
`Registry` of ops (`BUILTINS` holds the built-in ones; the value types are what
an op's annotations may name).

>>> import neuprog
>>> table = neuprog.Table.from_rows(["City", "Population"], [["Oslo", "709037"], ["Bergen", "291940"]])
>>> neuprog.interpret(neuprog.parse('s1 = ALL_ROWS WHERE "Population" > 500000; s2 = SELECT COUNT(*) FROM s1'), table)
1.0
"""

from neuprog.errors import NeuprogError
from neuprog.lang.interpret import interpret
from neuprog.lang.ops import BUILTINS
from neuprog.lang.parse import parse
from neuprog.lang.program import render
from neuprog.lang.registry import Registry
from neuprog.lang.tree import Program
from neuprog.lang.values import Cells, Column, Constant, RowMask, Scalar, Truth
from neuprog.model import NeuralProgrammer
from neuprog.tables.table import Table
from neuprog.version import __version__

__all__ = [
    "BUILTINS",
    "Cells",
    "Column",
    "Constant",
    "NeuprogError",
    "NeuralProgrammer",
    "Program",
    "Registry",
    "RowMask",
    "Scalar",
    "Table",
    "Truth",
    "__version__",
    "interpret",
    "parse",
    "render",
]
