"""Whole columns of cells parsed at once: each distinct text once, plain numbers and ISO dates vectorised."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from neuprog.tables.cells import Date, parse_cell
from neuprog.tables.text import normalize

_ORDINAL_OF_EPOCH = date(1970, 1, 1).toordinal()
_FAST_WIDTH = 18  # longer texts (long digit runs, prose) take the general path


def _number_automaton() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A DFA for ``\\$?-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\\.[0-9]+)?%?``: the cells `parse_cell` reads as their digits.

    Returns the character-class table for ASCII, the transition table (state, class)
    and the accepting states. A table lets numpy run every text of a column in step.
    """
    classes = np.full(129, 6, dtype=np.uint8)  # 6: any other character; index 128 stands for every non-ASCII one
    classes[ord("0") : ord("9") + 1] = 0
    for cls, char in enumerate("$-,.%", start=1):
        classes[ord(char)] = cls
    END = 7  # past the end of the text
    states = "start dollar sign d1 d2 d3 d4+ comma c1 c2 c3 dot fraction percent dead".split()
    S = {name: index for index, name in enumerate(states)}
    moves = {  # state: {class character: next state}
        "start": {"$": "dollar", "-": "sign", "0": "d1"},
        "dollar": {"-": "sign", "0": "d1"},
        "sign": {"0": "d1"},
        "d1": {"0": "d2", ",": "comma", ".": "dot", "%": "percent"},
        "d2": {"0": "d3", ",": "comma", ".": "dot", "%": "percent"},
        "d3": {"0": "d4+", ",": "comma", ".": "dot", "%": "percent"},
        "d4+": {"0": "d4+", ".": "dot", "%": "percent"},
        "comma": {"0": "c1"},
        "c1": {"0": "c2"},
        "c2": {"0": "c3"},
        "c3": {",": "comma", ".": "dot", "%": "percent"},
        "dot": {"0": "fraction"},
        "fraction": {"0": "fraction", "%": "percent"},
    }
    class_of = {"0": 0, "$": 1, "-": 2, ",": 3, ".": 4, "%": 5}
    transitions = np.full((len(states), END + 1), S["dead"], dtype=np.uint8)
    for state, edges in moves.items():
        for char, target in edges.items():
            transitions[S[state], class_of[char]] = S[target]
    transitions[:, END] = np.arange(len(states))  # the end of a text keeps the state it reached
    accepting = np.zeros(len(states), dtype=bool)
    accepting[[S[name] for name in ("d1", "d2", "d3", "d4+", "c3", "fraction", "percent")]] = True
    return classes, transitions, accepting


_CLASSES, _TRANSITIONS, _ACCEPTING = _number_automaton()
_END = _TRANSITIONS.shape[1] - 1
_DIGIT, _DASH = 0, 2


@dataclass
class ParsedColumn:
    """One column's numbers, dates (day numbers), years, and the id of each cell's normalised text."""

    numbers: np.ndarray  # (R,) float64, NaN where no number
    dates: np.ndarray  # (R,) float64 day numbers, NaN where no date with a known year
    years: np.ndarray  # (R,) float64, NaN where no date with a known year
    value_ids: np.ndarray  # (R,) int64 index into `texts`, -1 for an empty cell
    texts: list[str]  # the distinct non-empty normalised texts of the column


def parse_column(cells: Sequence[str]) -> ParsedColumn:
    """Parse a column; the result equals parsing every cell with `parse_cell` and `normalize`.

    >>> column = parse_column(["1,200", "2004", "May 5, 2004", "", "Oslo", "Oslo"])
    >>> column.numbers.tolist()[:2], column.years.tolist()[1:3], column.value_ids.tolist()
    ([1200.0, 2004.0], [2004.0, 2004.0], [0, 1, 2, -1, 3, 3])
    """
    codes, distinct = pd.factorize(np.asarray(cells, dtype=object).reshape(-1), use_na_sentinel=False)
    strings = np.asarray(distinct, dtype=object)
    U = len(strings)
    numbers, dates, years = np.full(U, math.nan), np.full(U, math.nan), np.full(U, math.nan)
    texts = np.empty(U, dtype=object)
    general = np.ones(U, dtype=bool)
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=U)
    short = np.flatnonzero(lengths <= _FAST_WIDTH)
    if len(short):
        _parse_fast(strings[short], lengths[short], short, numbers, dates, years, texts, general)
    for u in np.flatnonzero(general):
        text = strings[u]
        cell = parse_cell(text)
        if cell.number is not None and math.isfinite(cell.number):
            numbers[u] = cell.number
        if cell.date is not None and cell.date.year is not None:
            years[u] = cell.date.year
            key = cell.date.key()
            if key is not None:
                dates[u] = key
        texts[u] = normalize(text)
    numbers[~np.isfinite(numbers)] = math.nan
    distinct_texts, text_ids = _distinct_texts(texts)
    return ParsedColumn(numbers[codes], dates[codes], years[codes], text_ids[codes], distinct_texts)


def _parse_fast(strings, lengths, index, numbers, dates, years, texts, general) -> None:
    """Fill the entries at ``index`` whose texts are plain numbers or ISO dates; mark them not ``general``.

    Numbers with "$" or "%" read as their bare number, never as a year; "$5%" is left
    to the general path, as are ISO dates that do not exist ("2004-02-30").
    """
    width = int(lengths.max()) or 1
    wide = np.array(strings.tolist(), dtype=f"U{width}")
    points = wide.view(np.uint32).reshape(len(wide), width)  # (N, width) code points, 0 past the end
    classes = _CLASSES[np.minimum(points, len(_CLASSES) - 1)]  # (N, width) uint8
    classes[np.arange(width) >= lengths[:, None]] = _END  # a NUL inside a text stays a character
    state = np.zeros(len(wide), dtype=np.uint8)
    for position in range(width):
        state = _TRANSITIONS[state, classes[:, position]]
    first = points[:, 0]
    last = points[np.arange(len(wide)), np.maximum(lengths - 1, 0)]
    money, percent = first == ord("$"), last == ord("%")
    number = _ACCEPTING[state] & ~(money & percent)
    if number.any():
        bare = np.strings.lstrip(np.strings.rstrip(wide[number], "%"), "$")  # at most one of each: the automaton allows no more
        values = np.strings.replace(bare, ",", "").astype(np.float64)
        target = index[number]
        numbers[target], texts[target], general[target] = values, bare.astype(object), False
        four_digits = (lengths[number] == 4) & (classes[number][:, :4] == _DIGIT).all(axis=1)
        year = four_digits & (values >= 1000) & (values < 2100)  # what "1[0-9]{3}|20[0-9]{2}" accepts
        if year.any():
            years[target[year]] = values[year]
            dates[target[year]] = [Date(int(y), None, None).key() for y in values[year]]
    if width < 10:
        return
    digits, dashes = classes[:, :10] == _DIGIT, classes[:, :10] == _DASH
    iso = (lengths == 10) & digits[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(axis=1) & dashes[:, 4] & dashes[:, 7]
    if iso.any():
        parsed = pd.to_datetime(pd.Series(wide[iso].astype(object)), format="%Y-%m-%d", errors="coerce")
        ok = np.asarray(parsed.notna() & (parsed.dt.year >= 1), dtype=bool)  # "2004-02-30", "0000-01-01": general path
        good, target = parsed[ok], index[iso][ok]
        if not len(target):
            return
        dates[target] = (good.to_numpy().astype("datetime64[D]").astype(np.int64) + _ORDINAL_OF_EPOCH).astype(float)
        years[target] = good.dt.year.to_numpy(dtype=float)
        texts[target] = wide[iso][ok].astype(object)  # normalize keeps an ISO date as one token
        general[target] = False


def _distinct_texts(texts: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Ids of normalised texts in order of first appearance, -1 for the empty text."""
    codes, distinct = pd.factorize(texts, use_na_sentinel=False)
    ids = codes.astype(np.int64)
    empty = np.flatnonzero(np.asarray(distinct, dtype=object) == "")
    if len(empty):
        ids[codes == empty[0]] = -1
        ids[codes > empty[0]] -= 1
    return [text for text in distinct if text], ids
