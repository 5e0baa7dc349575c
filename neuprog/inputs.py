"""Files neuprog reads, checked before reading: regular files only, within a size limit, errors that say what is wrong."""

from __future__ import annotations

import errno
import os
import stat
import zipfile
from pathlib import Path
from typing import IO

from neuprog.errors import DataError, LimitError, NeuprogError, WrongTypeError
from neuprog.limits import FILE_BYTES, Limit

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_file(path: str | os.PathLike[str], what: str = "file", limit: Limit = FILE_BYTES, error: type[NeuprogError] = DataError) -> int:
    """The size of the regular file ``path``; anything else, or a file over ``limit``, raises ``error`` naming it.

    Nothing is opened: directories, pipes, devices and sockets are refused from
    their metadata, and a symbolic link loop is called one.

    >>> check_file("/dev/zero", "table")
    Traceback (most recent call last):
    neuprog.errors.DataError: /dev/zero: is a character device, not a table file (neuprog reads regular files only)
    """
    if not isinstance(path, (str, os.PathLike)):
        raise WrongTypeError(f"a {what} path is a string or a Path, not {type(path).__name__}")
    try:
        info = os.stat(path)
    except OSError as failure:
        raise error(f"{path}: {_reason(path, failure)}") from None
    except ValueError:  # a NUL character inside the path
        raise error(f"{path!r}: not a valid path") from None
    _check_kind(path, info.st_mode, what, error)
    limit.check(info.st_size, str(path))
    return info.st_size


def read_bytes(path: str | os.PathLike[str], what: str = "file", limit: Limit = FILE_BYTES, error: type[NeuprogError] = DataError) -> bytes:
    """The bytes of the regular file ``path``, refused (see `check_file`) before anything is read.

    The file is opened without blocking and checked again through its descriptor, so
    a file swapped for a pipe in between is refused too; a file that grows past the
    limit while it is read (or reports no size, like those in /proc) is cut off at
    the limit and refused.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
    ...     _ = handle.write(b"a,b\\n1,2\\n"); handle.flush()
    ...     read_bytes(handle.name, "table")
    b'a,b\\n1,2\\n'
    """
    check_file(path, what, limit, error)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as failure:
        raise error(f"{path}: {_reason(path, failure)}") from None
    with os.fdopen(descriptor, "rb") as stream:
        _check_kind(path, os.fstat(descriptor).st_mode, what, error)
        return read_stream(stream, str(path), limit, error)


def read_stream(stream: IO[bytes], name: str, limit: Limit = FILE_BYTES, error: type[NeuprogError] = DataError) -> bytes:
    """At most ``limit`` bytes of an open binary stream (stdin, say); one more byte means it is over the limit."""
    bound = limit.value()
    try:
        data = stream.read(bound + 1)
    except OSError as failure:
        raise error(f"{name}: cannot read ({failure.strerror or failure})") from None
    if len(data) > bound:
        raise LimitError(f"{name}: more than {bound / 10**6:g} MB, over the limit (raise it with {limit.variable}=...)")
    return data


def check_archive(
    source: str | os.PathLike[str] | IO[bytes], name: str, limit: Limit, error: type[NeuprogError] = DataError, broken: str = "not a readable zip archive"
) -> None:
    """Refuse a zip archive (an .xlsx book, a checkpoint) whose members expand to more than ``limit``, before any is expanded.

    The sizes come from the archive's directory; readers allocate what it declares
    and stop there, so a member cannot expand beyond it. ``broken`` says what an
    archive without a readable directory is.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as failure:
        raise error(f"{name}: {broken} ({str(failure).splitlines()[0] if str(failure) else type(failure).__name__})") from None
    bound = limit.value()
    if expanded > bound:
        raise LimitError(f"{name}: expands to {expanded:,} bytes, over the limit of {bound / 10**6:g} MB (raise it with {limit.variable}=...)")


def _check_kind(path, mode: int, what: str, error: type[NeuprogError]) -> None:
    for test, kind in _KINDS:
        if test(mode):
            raise error(f"{path}: is {kind}, not a {what} file (neuprog reads regular files only)")
    if not stat.S_ISREG(mode):
        raise error(f"{path}: not a regular file, so not a {what} file")


def _reason(path, failure: OSError) -> str:
    """Why ``path`` cannot be opened, in words: a missing file, a broken link, a link loop, no permission."""
    if failure.errno == errno.ENOENT:
        return "a broken symbolic link (its target does not exist)" if Path(path).is_symlink() else "no such file"
    if failure.errno == errno.ELOOP:
        return "a symbolic link loop (the links point at each other)"
    if failure.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (the file is not readable)"
    if failure.errno == errno.ENOTDIR:
        return "no such file (a part of the path is not a folder)"
    if failure.errno == errno.ENAMETOOLONG:
        return "the path is too long"
    return f"cannot read ({failure.strerror or failure})"
