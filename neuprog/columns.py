"""Whole columns of cells parsed at once: each distinct text once, plain numbers and ISO dates vectorised."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Sequence

import numpy as np
import pandas as pd

from .cells import Date, parse_cell
from .text import normalize

# Cells that `parse_cell` reads as exactly their digits; a test holds the two paths equal.
_FAST = re.compile(
    r"(?P<money>\$)?(?P<number>-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)(?P<percent>%)?"
    r"|(?P<iso>[0-9]{4}-[0-9]{2}-[0-9]{2})"
)
_YEAR = re.compile(r"1[0-9]{3}|20[0-9]{2}")
_ORDINAL_OF_EPOCH = date(1970, 1, 1).toordinal()


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
    codes, distinct = pd.factorize(pd.Series(cells, dtype=object), use_na_sentinel=False)
    U = len(distinct)
    numbers, dates, years = np.full(U, math.nan), np.full(U, math.nan), np.full(U, math.nan)
    texts = np.empty(U, dtype=object)
    strings = list(distinct)
    fast_numbers, fast_years, fast_dates, general = [], [], [], []
    for u, text in enumerate(strings):
        match = _FAST.fullmatch(text) if len(text) <= 18 else None  # longer digit runs: general path
        if match is None or (match["money"] and match["percent"]):
            general.append(u)
        elif match["number"]:
            bare = match["number"]
            fast_numbers.append((u, bare))
            if not (match["money"] or match["percent"]) and _YEAR.fullmatch(bare):
                fast_years.append(u)
        else:
            fast_dates.append(u)
    if fast_numbers:  # "$1,234" and "12.5%" read as their bare number, never as a year
        index, bare = zip(*fast_numbers)
        numbers[list(index)] = [float(b.replace(",", "")) for b in bare]
        texts[list(index)] = bare
    if fast_years:
        years[fast_years] = numbers[fast_years]
        dates[fast_years] = [Date(int(y), None, None).key() for y in numbers[fast_years]]
    if fast_dates:
        parsed = pd.to_datetime(pd.Series([strings[u] for u in fast_dates], dtype=object), format="%Y-%m-%d", errors="coerce")
        ok = np.array(parsed.notna() & (parsed.dt.year >= 1), dtype=bool)  # "2004-02-30", "0000-01-01": general path
        good, index = parsed[ok], np.array(fast_dates)[ok]
        general.extend(np.array(fast_dates)[~ok].tolist())
        dates[index] = (good.to_numpy().astype("datetime64[D]").astype(np.int64) + _ORDINAL_OF_EPOCH).astype(float)
        years[index] = good.dt.year.to_numpy(dtype=float)
        texts[index] = [strings[u].replace("-", " ") for u in index]  # what normalize makes of them
    for u in general:
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


def _distinct_texts(texts: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Ids of normalised texts in order of first appearance, -1 for the empty text."""
    ids = np.full(len(texts), -1, dtype=np.int64)
    index: dict[str, int] = {}
    for u, text in enumerate(texts):
        if text:
            ids[u] = index.setdefault(text, len(index))
    return list(index), ids
