"""neuprog: differentiable program induction over tables, in the line of the Neural Programmer."""

from .errors import NeuprogError
from .interpret import interpret
from .ops import BUILTINS
from .parse import parse
from .program import Program, render
from .table import Table

__all__ = ["BUILTINS", "NeuprogError", "Program", "Table", "interpret", "parse", "render"]
__version__ = "0.1.0"
