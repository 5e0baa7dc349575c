"""Output paths checked before the work starts, so that a long run never fails at its end for want of a writable place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from neuprog.atomic import replacing
from neuprog.errors import OutputError, WrongTypeError


def check_output_file(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` as a Path, once a file can be created beside it; a folder, a missing folder or no permission raise `OutputError`.

    >>> check_output_file("/nonexistent/p.tsv", "predictions file")
    Traceback (most recent call last):
    neuprog.errors.OutputError: /nonexistent/p.tsv: cannot write the predictions file: there is no folder /nonexistent
    """
    path = _as_path(path, what)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; the {what} is a file")
    if path.exists() and not path.is_file():  # a device or pipe (/dev/null, /dev/stdout) is written into, never replaced
        if not os.access(path, os.W_OK):
            raise OutputError(f"{path}: cannot write the {what} into it (not writable)")
        return path
    path = path.resolve() if path.is_symlink() else path
    if not path.parent.is_dir():
        reason = f"{path.parent} is a file, not a folder" if path.parent.exists() else f"there is no folder {path.parent}"
        raise OutputError(f"{path}: cannot write the {what}: {reason}")
    _probe(path.parent, path, what)
    return path


def check_output_folder(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` as a Path, once it is a folder (or can become one) in which files can be created.

    Nothing is left behind: a missing folder is not made here, only its nearest
    existing parent is tried.

    >>> import tempfile, pathlib
    >>> check_output_folder(pathlib.Path(tempfile.mkdtemp()) / "new" / "run", "run folder").name
    'run'
    """
    path = _as_path(path, what)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: is not a folder, so it cannot be the {what}")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{path}: cannot make the {what}: {existing} is a file, not a folder")
    _probe(existing, path, what)
    return path


def _as_path(path, what: str) -> Path:
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise WrongTypeError(f"the {what} is a path, not {path!r}")
    return Path(path)


def _probe(folder: Path, target: Path, what: str) -> None:
    """Create and remove a file in ``folder``: the one sure test that it can be written (permissions, read-only disks, quotas)."""
    try:
        handle, name = tempfile.mkstemp(prefix=".neuprog-probe-", dir=folder)
    except OSError as failure:
        raise OutputError(f"{target}: cannot write the {what} in {folder} ({failure.strerror or failure})") from None
    os.close(handle)
    os.unlink(name)


@contextmanager
def writing(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Where to write the output file ``path``: a temporary file renamed onto it (see `replacing`), or the path itself when it is a device or pipe.

    A symbolic link is followed, so the file it points to is replaced, not the link;
    ``/dev/null`` or ``/dev/stdout`` is written into, never replaced by a file.
    """
    path = Path(path)
    if path.exists() and not path.is_file() and not path.is_dir():
        yield path
        return
    with replacing(path.resolve() if path.is_symlink() else path, mode=0o644) as temporary:
        yield temporary
