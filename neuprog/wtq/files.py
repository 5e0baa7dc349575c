"""Read WikiTableQuestions-format question files and tables."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from neuprog.errors import DataError
from neuprog.inputs import read_bytes
from neuprog.tables.table import Table

RELEASE_URL = "https://github.com/ppasupat/WikiTableQuestions/releases/download/v1.0.2/WikiTableQuestions-1.0.2.compact.zip"
QUESTION_COLUMNS = ("id", "utterance", "context", "targetValue")

_SPLIT_NAME = re.compile(r"[\w-][\w.-]*")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPED = {"n": "\n", "p": "|", "\\": "\\"}
_ESCAPED = {"\\": "\\\\", "\n": "\\n", "|": "\\p"}
# A field is one line inside a tab-separated file, so other line and column breaks become spaces.
_UNWRITABLE_WHITESPACE = re.compile(r"[\t\r\v\f\x1c-\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class Example:
    """One question with its table and gold answers.

    `answer_canon` holds the tagged files' `targetCanon` items, one per answer, when the
    file has that column (only `tagged/data/*.tagged`); it is empty otherwise.
    """

    id: str
    question: str
    table_path: str
    answers: tuple[str, ...]
    answer_canon: tuple[str, ...] = ()


def unescape(field: str) -> str:
    r"""Undo the WTQ TSV escapes: `\n` is a newline, `\p` a pipe and `\\` a backslash.

    Unknown escapes are kept as written, since they carry no special meaning.

    >>> unescape(r"a\pb\nc\\d\x")
    'a|b\nc\\d\\x'
    """
    return _ESCAPE.sub(lambda match: _UNESCAPED.get(match[1], match[0]), field)


def escape(field: str) -> str:
    r"""Apply the WTQ TSV escapes, the inverse of `unescape`; tabs and other breaks become spaces.

    >>> escape("a|b\nc\\d\te")
    'a\\pb\\nc\\\\d e'
    """
    field = _UNWRITABLE_WHITESPACE.sub(" ", field)
    return "".join(_ESCAPED.get(char, char) for char in field)


def split_list(field: str) -> tuple[str, ...]:
    r"""Split a `|`-joined list field and unescape each item; an empty field is an empty list.

    >>> split_list(r"Siim Ennemuist|a\pb|c\\")
    ('Siim Ennemuist', 'a|b', 'c\\')
    >>> split_list("")
    ()
    """
    if field == "":
        return ()
    # Real pipes inside values are always written `\p`, so every literal `|` separates items.
    return tuple(unescape(item) for item in field.split("|"))


def _read_lines(path: Path) -> Iterator[tuple[int, str]]:
    data = read_bytes(path, "question")
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(f"{path}:{number}: not valid UTF-8") from None
        yield number, line.removesuffix("\r")


def read_questions(path: str | os.PathLike[str]) -> list[Example]:
    r"""Read a question TSV (or a tagged question file) whose header names the columns.

    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "questions.tsv"
    ...     _ = path.write_text("id\tutterance\tcontext\ttargetValue\n"
    ...                         "nt-9\twho?\tcsv/203-csv/116.csv\tSiim Ennemuist|Andri\\pAganits\n")
    ...     [example] = read_questions(path)
    >>> example.id, example.table_path, example.answers
    ('nt-9', 'csv/203-csv/116.csv', ('Siim Ennemuist', 'Andri|Aganits'))
    """
    path = Path(path)
    lines = _read_lines(path)
    header_number, header_line = next(lines)
    header = header_line.split("\t")
    missing = [name for name in QUESTION_COLUMNS if name not in header]
    if missing:
        raise DataError(f"{path}:{header_number}: header lacks column(s) {', '.join(missing)}")
    position = {name: header.index(name) for name in header}
    canon_at = position.get("targetCanon")
    examples = []
    for number, line in lines:
        if line == "":
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise DataError(f"{path}:{number}: {len(fields)} tab-separated fields, header has {len(header)}")
        example = Example(
            id=unescape(fields[position["id"]]),
            question=unescape(fields[position["utterance"]]),
            table_path=unescape(fields[position["context"]]),
            answers=split_list(fields[position["targetValue"]]),
            answer_canon=split_list(fields[canon_at]) if canon_at is not None else (),
        )
        if not example.id or not example.table_path:
            raise DataError(f"{path}:{number}: empty id or context field")
        if example.answer_canon and len(example.answer_canon) != len(example.answers):
            counts = f"{len(example.answer_canon)} targetCanon items for {len(example.answers)} answers"
            raise DataError(f"{path}:{number}: {counts}")
        examples.append(example)
    return examples


def load_split(root: str | os.PathLike[str], name: str) -> list[Example]:
    """Read the question file `root/data/{name}.tsv`, e.g. `random-split-1-dev`.

    >>> sample = Path(__file__).parents[2] / "datasets" / "wtq-sample"
    >>> len(load_split(sample, "sample-train"))
    40
    """
    if not isinstance(name, str) or not _SPLIT_NAME.fullmatch(name):
        raise DataError(f"{name!r}: a split is named by a file under data/ without .tsv (letters, digits, '.', '-', '_')")
    path = Path(root) / "data" / f"{name}.tsv"
    if not path.is_file():
        raise DataError(f"{path}: no such question file (is {root} a WikiTableQuestions folder?)")
    return read_questions(path)


def resolve_table(root: str | os.PathLike[str], example: Example) -> Path:
    """The table file of an example, checked to exist under the data root.

    >>> sample = Path(__file__).parents[2] / "datasets" / "wtq-sample"
    >>> resolve_table(sample, load_split(sample, "sample-dev")[0]).name
    '515.csv'
    """
    relative = Path(example.table_path)
    if relative.is_absolute() or ".." in relative.parts:
        raise DataError(f"{example.table_path}: the table of example {example.id} must lie inside the data folder {root}")
    path = Path(root) / relative
    if not path.is_file():
        raise DataError(f"{path}: table of example {example.id} not found")
    return path


def read_table(path: str | os.PathLike[str]) -> Table:
    """A WikiTableQuestions table: a comma-separated file read by the one CSV rule `Table.from_csv` uses."""
    return Table.from_csv(path, delimiter=",")


def iter_tables(root: str | os.PathLike[str], examples: Iterable[Example]) -> Iterator[tuple[Example, Table]]:
    """Pair each example with its table, reading each table once.

    Examples that share a table get the same `Table` object.

    >>> sample = Path(__file__).parents[2] / "datasets" / "wtq-sample"
    >>> pairs = list(iter_tables(sample, load_split(sample, "sample-dev")))
    >>> pairs[2][1] is pairs[3][1]
    True
    """
    cache: dict[str, Table] = {}
    for example in examples:
        if example.table_path not in cache:
            cache[example.table_path] = read_table(resolve_table(root, example))
        yield example, cache[example.table_path]


def download(dest: str | os.PathLike[str], url: str = RELEASE_URL, timeout: float = 60.0) -> Path:
    """Fetch the WikiTableQuestions release zip and unpack it so that `dest` is the data root.

    Both the download and the unpacked folder go through temporary names next to `dest`,
    so an interrupted call leaves no half-written data root behind. Nothing is fetched
    when `dest/data` already exists.
    """
    dest = Path(dest)
    if (dest / "data").is_dir():
        return dest
    if dest.exists():
        raise DataError(f"{dest}: exists but is not a WikiTableQuestions folder; remove it or pick another")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}-", dir=dest.parent) as scratch:
        archive = Path(scratch) / "release.zip"
        _fetch(url, archive, timeout)
        unpacked = Path(scratch) / "unpacked"
        try:
            with zipfile.ZipFile(archive) as bundle:
                bundle.extractall(unpacked)
        except (zipfile.BadZipFile, OSError) as error:
            raise DataError(f"{url}: downloaded file is not a readable zip ({error})") from None
        root = _data_root_in(unpacked)
        if root is None:
            raise DataError(f"{url}: the zip has no data/ folder; is this a WikiTableQuestions release?")
        os.replace(root, dest)
    return dest


def _fetch(url: str, target: Path, timeout: float) -> None:
    partial = target.with_suffix(".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, partial.open("wb") as sink:
            shutil.copyfileobj(response, sink)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise DataError(f"{url}: download failed ({reason}); without a network, copy the release by hand") from None
    partial.rename(target)


def _data_root_in(folder: Path) -> Path | None:
    # The release zip wraps everything in one top folder (WikiTableQuestions/); accept a flat zip too.
    if (folder / "data").is_dir():
        return folder
    children = [child for child in folder.iterdir() if child.is_dir()]
    if len(children) == 1 and (children[0] / "data").is_dir():
        return children[0]
    return None


def format_prediction_line(example_id: str, values: Sequence[str]) -> str:
    r"""One line of the official evaluator's prediction file: the id, then each value, tab-separated.

    >>> format_prediction_line("nt-9", ["Siim Ennemuist", "a|b"])
    'nt-9\tSiim Ennemuist\ta\\pb'
    """
    return "\t".join([escape(example_id), *(escape(value) for value in values)])
