"""Files written atomically: a temporary file beside the target, renamed onto it only when complete."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(target: str | Path, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside ``target``: renamed onto it when the block succeeds, removed when it fails.

    So a crash never leaves half a file at ``target``. ``mode`` sets the permissions
    first (the temporary file is private to its owner, as mkstemp makes it).
    """
    target = Path(target)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
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
