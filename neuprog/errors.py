"""Domain errors that carry a one-line message naming the culprit."""


class NeuprogError(Exception):
    """Base class: the CLI prints str(error) on one line and exits with `exit_code`."""

    exit_code = 1


class DataError(NeuprogError):
    """A table, question file or answer that cannot be read."""

    exit_code = 3


class ProgramSyntaxError(NeuprogError):
    """Program text that does not parse; the message quotes the line and column."""

    exit_code = 4


class ProgramTypeError(NeuprogError):
    """A program whose op arguments do not match the op's signature."""

    exit_code = 4


class ExecutionError(NeuprogError):
    """A well-typed program that cannot run on the given table (e.g. an unknown column)."""

    exit_code = 5


class RegistryError(NeuprogError):
    """An op declaration that is malformed or clashes with an existing op."""

    exit_code = 6


class CheckpointError(NeuprogError):
    """A checkpoint that is missing, truncated, corrupted or from an incompatible version."""

    exit_code = 7


class ConfigError(NeuprogError):
    """A configuration file with unknown keys or invalid values."""

    exit_code = 2


class UsageError(NeuprogError, ValueError):
    """An argument outside what it allows (a threshold outside [0, 1], an option for another file type)."""

    exit_code = 2


class WrongTypeError(UsageError, TypeError):
    """An argument of the wrong kind: a number where a question belongs, a list where a table belongs."""

    exit_code = 2


class RunFolderError(NeuprogError):
    """A run folder that holds another run, is in use by another process, or holds a run that does not match a resume."""

    exit_code = 10


class LimitError(NeuprogError):
    """An input over one of neuprog's size limits (a table, a model, a question); the message names the limit to raise."""

    exit_code = 11


class OutputError(NeuprogError):
    """An output path (run folder, predictions file, plot, model folder) that cannot be written."""

    exit_code = 12
