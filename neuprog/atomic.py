"""Files written atomically: a temporary file beside the target, renamed onto it only when complete."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SUFFIX = ".partial"
"""The end of every temporary name `replacing` makes: ``.best.pt.k3x9q0ab.partial``."""


@contextmanager
def replacing(target: str | Path, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside ``target``: renamed onto it when the block succeeds, removed when it fails.

    So a crash never leaves half a file at ``target``. ``mode`` sets the permissions
    first (the temporary file is private to its owner, as mkstemp makes it).
    """
    target = Path(target)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=SUFFIX, dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def leftovers(folder: str | Path, targets: tuple[str, ...]) -> list[Path]:
    """Temporary files `replacing` made for ``targets`` in ``folder`` and a killed process left behind; nothing else.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in (".last.pt.k3x9q0ab.partial", ".last.pt.mine", "last.pt"):
    ...     _ = (folder / name).write_text("x")
    >>> [path.name for path in leftovers(folder, ("last.pt",))]
    ['.last.pt.k3x9q0ab.partial']
    """
    names = "|".join(re.escape(target) for target in targets)
    pattern = re.compile(rf"\.(?:{names})\.[a-z0-9_]{{8}}{re.escape(SUFFIX)}")
    return sorted(path for path in Path(folder).iterdir() if pattern.fullmatch(path.name) and path.is_file() and not path.is_symlink())
