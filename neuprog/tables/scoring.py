"""Score predicted answers against gold answers with the official WikiTableQuestions rule."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

NUMBER_TOLERANCE = 1e-6

_TO_ASCII = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u00b4`", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)
_WHITESPACE = re.compile(r"\s+")
# Each pattern needs some text before the part it removes, so a value is never erased entirely.
_TRAILING_NOTE = re.compile(r"(?<=.)\s*(?:\[[^\]]*\]|[*\u2020\u2021#+\u2022\u2666])$", re.DOTALL)
_TRAILING_REMARK = re.compile(r"(?<=.) \([^)]*\)$", re.DOTALL)
_SURROUNDING_QUOTES = re.compile(r'^"([^"]*)"$', re.DOTALL)
# Python's float() also takes "1_000", " 5", "inf" and non-ASCII digits; the rule means plain numerals.
_NUMERAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_DATE = re.compile(r"(\d{1,4}|xx|xxxx)-(\d{1,2}|xx)-(\d{1,2}|xx)", re.ASCII)


def normalize(text: str) -> str:
    """The matching form of a value's text: ASCII punctuation, no accents or trailing notes, lower case.

    The steps repeat until nothing changes, so normalizing twice gives the same text.

    >>> normalize('  “Crème Brûlée” [3] (UK).')
    'creme brulee'
    >>> normalize("1990–91*")
    '1990-91'
    """
    for _ in range(20):
        step = _normalize_once(text)
        if step == text:
            break
        text = step
    return text


def _normalize_once(text: str) -> str:
    text = text.translate(_TO_ASCII)
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if unicodedata.category(char) != "Mn")
    text = _WHITESPACE.sub(" ", text).strip()
    while True:
        before = text
        text = _TRAILING_NOTE.sub("", text).strip()
        text = _TRAILING_REMARK.sub("", text).strip()
        text = _SURROUNDING_QUOTES.sub(r"\1", text).strip()
        if text == before:
            break
    text = text.removesuffix(".")
    return _WHITESPACE.sub(" ", text).strip().lower()


@dataclass(frozen=True)
class StringValue:
    """A value compared only through its normalized text."""

    normalized: str

    def matches(self, other: Value) -> bool:
        """Whether the two values count as the same answer.

        >>> StringValue("paris").matches(to_value("Paris (France)"))
        True
        """
        return self.normalized == other.normalized


@dataclass(frozen=True)
class NumberValue:
    """A number; equality (and so de-duplication) looks at the amount only."""

    amount: float
    normalized: str = field(compare=False)

    def matches(self, other: Value) -> bool:
        """Equal normalized text, or both numbers within `NUMBER_TOLERANCE`.

        >>> to_value("2.0").matches(to_value("2"))
        True
        """
        if self.normalized == other.normalized:
            return True
        return isinstance(other, NumberValue) and abs(self.amount - other.amount) < NUMBER_TOLERANCE


@dataclass(frozen=True)
class DateValue:
    """A `yyyy-mm-dd` date where None marks an unknown part; equality looks at the parts only."""

    year: int | None
    month: int | None
    day: int | None
    normalized: str = field(compare=False)

    def matches(self, other: Value) -> bool:
        """Equal normalized text, or both dates with the same parts, unknown ones included.

        >>> to_value("xxxx-10-xx").matches(to_value("xx-10-xx"))
        True
        >>> to_value("xxxx-10-xx").matches(to_value("2001-10-xx"))
        False
        """
        if self.normalized == other.normalized:
            return True
        return isinstance(other, DateValue) and self == other


Value = StringValue | NumberValue | DateValue


def _parse_number(text: str) -> float | None:
    text = text.strip()
    if not _NUMERAL.fullmatch(text):
        return None
    amount = float(text)
    if not math.isfinite(amount):
        return None
    # Near-integers count as integers, so "2" and "2.0000001" are one value when de-duplicating.
    nearest = round(amount)
    return float(nearest) if abs(amount - nearest) < NUMBER_TOLERANCE else amount


def _parse_date(text: str) -> tuple[int | None, int | None, int | None] | None:
    parsed = _DATE.fullmatch(text.strip())
    if parsed is None:
        return None
    year, month, day = (None if part.startswith("x") else int(part) for part in parsed.groups())
    if year is None and month is None and day is None:
        return None
    if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        return None
    return year, month, day


def to_value(text: str, canon: str | None = None) -> Value:
    """Type a raw answer string as a number, date or string.

    The type comes from `canon` when given (the tagged files' `targetCanon`), else from
    `text` itself; the normalized text for string matching always comes from `text`.
    A date with only a year known is the number of that year.

    >>> to_value("10 years")
    StringValue(normalized='10 years')
    >>> to_value("10 years", canon="10.0")
    NumberValue(amount=10.0, normalized='10 years')
    >>> to_value("1990-xx-xx")
    NumberValue(amount=1990.0, normalized='1990-xx-xx')
    >>> to_value("xxxx-10-xx")
    DateValue(year=None, month=10, day=None, normalized='xxxx-10-xx')
    """
    normalized = normalize(text)
    typed_from = canon if canon else text
    amount = _parse_number(typed_from)
    if amount is not None:
        return NumberValue(amount, normalized)
    date = _parse_date(typed_from)
    if date is None:
        return StringValue(normalized)
    year, month, day = date
    if year is not None and month is None and day is None:
        return NumberValue(float(year), normalized)
    return DateValue(year, month, day, normalized)


def _distinct(values: Sequence[Value]) -> list[list[Value]]:
    # Equal values ("2" and "2.0") may still differ in text; keeping every spelling in the
    # group, rather than the first one seen, makes the result independent of order.
    groups: dict[Value, list[Value]] = {}
    for value in values:
        groups.setdefault(value, []).append(value)
    return list(groups.values())


def answer_is_correct(
    predicted: Sequence[str],
    gold: Sequence[str],
    gold_canon: Sequence[str | None] | None = None,
) -> bool:
    """Whether a predicted answer list is right: same number of distinct values, each gold one matched.

    `gold_canon`, when given, holds one canonical string (or None) per gold item.

    >>> answer_is_correct(["3.0"], ["3"])
    True
    >>> answer_is_correct(["Chile", "Uruguay"], ["Uruguay", "Chile", "Venezuela"])
    False
    >>> answer_is_correct(["10"], ["10 years"]), answer_is_correct(["10"], ["10 years"], ["10.0"])
    (False, True)
    """
    if not predicted:
        return False
    canons = list(gold_canon) if gold_canon is not None else [None] * len(gold)
    if len(canons) != len(gold):
        raise ValueError(f"{len(canons)} canonical strings for {len(gold)} gold answers")
    predicted_groups = _distinct([to_value(text) for text in predicted])
    gold_groups = _distinct([to_value(text, canon) for text, canon in zip(gold, canons)])
    if len(predicted_groups) != len(gold_groups):
        return False
    predicted_values = [value for group in predicted_groups for value in group]
    return all(any(gold_value.matches(value) for gold_value in group for value in predicted_values) for group in gold_groups)


def format_number(x: float) -> str:
    """Shortest text that reads back as `x`, without a trailing `.0` or, in normal ranges, an exponent.

    >>> format_number(3.0), format_number(2.5), format_number(-0.0), format_number(1e-7), format_number(1e20)
    ('3', '2.5', '0', '0.0000001', '1e+20')
    """
    if not math.isfinite(x):
        return repr(float(x))
    if x == 0:
        return "0"
    if not 1e-7 <= abs(x) < 1e16:
        return repr(float(x))
    text = format(Decimal(repr(float(x))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
