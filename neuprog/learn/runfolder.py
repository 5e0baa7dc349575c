"""Run folders kept safe: one process at a time (a lock file), no run replaced unless asked, only neuprog's own files deleted."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from neuprog.atomic import leftovers
from neuprog.errors import CheckpointError, ConfigError, NeuprogError, OutputError, RunFolderError, UsageError, WrongTypeError
from neuprog.inputs import read_bytes
from neuprog.learn.train import SNAPSHOTS
from neuprog.model.config import TrainConfig, parse_config
from neuprog.model.folder import check_names

LOCK = ".neuprog.lock"
"""The lock file: JSON with the pid and host of the process that holds the folder."""
RUN_FILES = ("best.pt", "last.pt", "metrics.jsonl")
"""What a training writes; a folder holding any of them holds a run."""
FREE_ON_RESUME = frozenset({"data", "max_minutes", "threads"})
"""Config fields a resumed run may change: where the data lies, the time limit and the thread count."""
TRAINING_STATE = ("optimizer", "step", "best", "seen")
"""What ``last.pt`` holds beyond a model's weights, so that training can continue."""


@contextmanager
def run_folder(path: str | os.PathLike[str], resume: bool = False, overwrite: bool = False) -> Iterator[Path]:
    """Hold the folder ``path`` for one training, and let go of it on every exit.

    The folder is made if missing and locked. It may hold a run only with
    ``resume`` (which needs its ``last.pt``) or ``overwrite`` (which deletes the
    run's files first). Temporary files a killed save left behind are removed. When
    the block fails, folders made here and still empty are removed again.

    >>> import tempfile
    >>> with run_folder(Path(tempfile.mkdtemp()) / "run") as folder:
    ...     (folder / LOCK).exists()
    True
    """
    if resume and overwrite:
        raise UsageError("--resume continues the run in the folder and --overwrite replaces it: give one of them")
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise WrongTypeError(f"the run folder is a path, not {path!r}")
    folder = Path(path)
    created = _make(folder)
    done = False
    try:
        with holding(folder):
            held = [name for name in RUN_FILES if (folder / name).exists()] + [f"{SNAPSHOTS}/{kept.name}" for kept in _snapshots(folder)]
            if resume and not (folder / "last.pt").is_file():
                found = f"it holds only {', '.join(held)}" if held else "it holds no run"
                raise RunFolderError(f"{folder}: nothing to resume, {found} (last.pt is what --resume continues from)")
            if held and not resume and not overwrite:
                raise RunFolderError(f"{folder}: already holds a run ({', '.join(held)}); --resume continues it, --overwrite replaces it")
            for leftover in leftovers(folder, RUN_FILES) + _snapshots(folder, half_written=True):
                leftover.unlink(missing_ok=True)
            for name in RUN_FILES if overwrite else ():
                (folder / name).unlink(missing_ok=True)
            for kept in _snapshots(folder) if overwrite else ():
                kept.unlink()
            yield folder
            done = True
    finally:
        if not done:
            _remove_empty(created)


@contextmanager
def holding(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the lock of an existing folder while the block runs; another process holding it is an error naming that process.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with holding(folder):  # doctest: +ELLIPSIS
    ...     with holding(folder):
    ...         pass
    Traceback (most recent call last):
    neuprog.errors.RunFolderError: ...: in use by process ... on ... (...; delete it if no training runs there)
    """
    folder = Path(folder)
    _lock(folder)
    try:
        yield folder
    finally:
        _unlock(folder)


def check_resume(state: dict, config: TrainConfig, ops: list[str], where: str | os.PathLike[str]) -> None:
    """Refuse to resume from ``state`` (a ``last.pt``) with a config or op set other than the run's, naming the first difference."""
    missing = [key for key in TRAINING_STATE if key not in state]
    if missing:
        raise CheckpointError(f"{where}: training cannot resume from it: it lacks {', '.join(missing)} (best.pt holds weights only)")
    check_names(state.get("vocab"), state.get("ops"), where)
    try:
        saved = parse_config(json.loads(state["config"]), str(where))
    except (KeyError, TypeError, json.JSONDecodeError, ConfigError) as error:
        raise CheckpointError(f"{where}: its config cannot be read ({error})") from None
    before, now = _flat(saved.model_dump(mode="json")), _flat(config.model_dump(mode="json"))
    for key in sorted(set(before) | set(now)):
        if key.split(".")[0] not in FREE_ON_RESUME and before.get(key) != now.get(key):
            raise RunFolderError(f"{where}: --resume with another config: {key} is {before.get(key)!r} in the run, {now.get(key)!r} now")
    if list(state.get("ops", ())) != list(ops):
        raise RunFolderError(f"{where}: --resume with other ops: the run has {', '.join(state.get('ops', ()))}; now {', '.join(ops)}")


def _snapshots(folder: Path, half_written: bool = False) -> list[Path]:
    """The snapshot weights a training kept in ``folder`` (or, ``half_written``, the temporary files a killed save of one left behind)."""
    kept = folder / SNAPSHOTS
    if not kept.is_dir():
        return []
    if not half_written:
        return sorted(kept.glob("at-*.pt"))
    meant = {path.name[1:].split(".pt.")[0] + ".pt" for path in kept.glob(".at-*.pt.*")}  # the snapshot each temporary file was for
    return leftovers(kept, tuple(sorted(meant)))


def _flat(values: dict, prefix: str = "") -> dict:
    """A nested dict as one level with dotted keys: {"model": {"ops": [...]}} -> {"model.ops": [...]}."""
    flat = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _make(folder: Path) -> list[Path]:
    """Make ``folder`` and its missing parents; the ones made, deepest first."""
    missing, probe = [], folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file, not a run folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as failure:
        raise OutputError(f"{folder}: cannot make the run folder ({failure.strerror or failure})") from None
    return missing


def _remove_empty(created: list[Path]) -> None:
    for path in created:
        try:
            path.rmdir()
        except OSError:  # not empty (a run wrote something), or already gone
            return


def _lock(folder: Path) -> None:
    """Take the folder's lock file, or say who holds it; a lock whose process is gone is stale and taken over."""
    lock = folder / LOCK
    for _ in range(3):
        try:
            descriptor = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            holder = _holder(lock)
            if holder is not None and _stale(holder):
                _break(lock, holder)
                continue
            who = f"process {holder['pid']} on {holder['host']}" if holder else "another process"
            raise RunFolderError(f"{folder}: in use by {who} ({lock}; delete it if no training runs there)") from None
        except OSError as failure:
            raise OutputError(f"{folder}: cannot write in the run folder ({failure.strerror or failure})") from None
        with os.fdopen(descriptor, "w") as stream:
            stream.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
        return
    raise RunFolderError(f"{folder}: in use (its lock keeps changing hands)")


def _holder(lock: Path) -> dict | None:
    """The pid and host in a lock file, or None while it is being written (or is not a lock neuprog wrote)."""
    try:
        holder = json.loads(read_bytes(lock, "lock"))
    except (NeuprogError, ValueError, RecursionError):
        return None
    ok = isinstance(holder, dict) and isinstance(holder.get("pid"), int) and isinstance(holder.get("host"), str)
    return holder if ok else None


def _stale(holder: dict) -> bool:
    """Whether the lock's process is gone: only decidable on its own host."""
    return holder["host"] == socket.gethostname() and holder["pid"] != os.getpid() and not _alive(holder["pid"])


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OverflowError:
        return False
    try:  # a zombie (killed, not yet reaped) runs no more
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _break(lock: Path, stale: dict) -> None:
    """Remove a stale lock, unless another process broke it and took the folder in between."""
    if _holder(lock) == stale:
        lock.unlink(missing_ok=True)


def _unlock(folder: Path) -> None:
    lock = folder / LOCK
    holder = _holder(lock)
    if holder is not None and holder["pid"] == os.getpid() and holder["host"] == socket.gethostname():
        lock.unlink(missing_ok=True)
