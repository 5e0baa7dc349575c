"""Score predicted answers against gold answers with the official WikiTableQuestions rule.

`normalize`, `to_value` and `answer_is_correct` follow the official evaluator (`evaluator.py`
1.0.2, as ported to Python 3) step by step, quirks included, since published accuracies are
measured with it: a verdict here is the official verdict. `examples/official_agreement.py`
checks that on real predictions and tests/fixtures keeps its verdicts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from neuprog.tables.text import strip_accents

NUMBER_TOLERANCE = 1e-6

# The official character lists, exactly: "´" is listed but never seen, since NFKD has
# already split it into a space and a combining accent; "‚", "„" and "―" are not listed.
_SINGLE_QUOTES = re.compile("[\u2018\u2019\u00b4`]")
_DOUBLE_QUOTES = re.compile("[\u201c\u201d]")
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2212]")
# Trailing citations: a bracket group not at the start, "[digits]" anywhere, or a mark.
_CITATIONS = re.compile(r"((?<!^)\[[^\]]*\]|\[\d+\]|[\u2022\u2666\u2020\u2021*#+])*$")
_REMARKS = re.compile(r"(?<!^)( \([^)]*\))*$")
_QUOTED = re.compile(r'^"([^"]*)"$')
_WHITESPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """The matching form of a value's text, by the official rule.

    Accents go, quotes and dashes become ASCII, trailing citations and parenthesised
    remarks and outer quotes go (repeatedly), then one final period goes; whitespace is
    collapsed and the text lower-cased. Only one period goes, so this is not idempotent.

    >>> normalize('  “Crème Brûlée” [3] (UK)'), normalize("1990–91*")
    ('creme brulee', '1990-91')
    >>> normalize("2006.."), normalize('"Hit" (UK).'), normalize("[3]"), normalize("(UK)")
    ('2006.', '"hit" (uk)', '', '(uk)')
    """
    text = strip_accents(text)
    text = _SINGLE_QUOTES.sub("'", text)
    text = _DOUBLE_QUOTES.sub('"', text)
    text = _DASHES.sub("-", text)
    while True:  # each removal can uncover another ("x [1] (a)"), so until nothing changes
        before = text
        text = _CITATIONS.sub("", text.strip())
        text = _REMARKS.sub("", text.strip())
        text = _QUOTED.sub(r"\1", text.strip())
        if text == before:
            break
    text = text.removesuffix(".")
    return _WHITESPACE.sub(" ", text).lower().strip()


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
    """A number; equality (and so de-duplication) looks at the amount only.

    As in the official rule, an amount within `NUMBER_TOLERANCE` of an integer is stored as
    ``int(amount)``, which truncates: 2.9999999 becomes 2, not 3. Integers stay exact.

    >>> NumberValue(2.9999999, "2.9999999").amount, NumberValue(2.5, "2.5").amount
    (2, 2.5)
    """

    amount: int | float
    normalized: str = field(compare=False)

    def __post_init__(self) -> None:
        if abs(self.amount - round(self.amount)) < NUMBER_TOLERANCE:
            object.__setattr__(self, "amount", int(self.amount))

    def matches(self, other: Value) -> bool:
        """Equal normalized text, or both numbers within `NUMBER_TOLERANCE`.

        >>> to_value("2.0").matches(to_value("2"))
        True
        """
        if self.normalized == other.normalized:
            return True
        if not isinstance(other, NumberValue):
            return False
        try:
            return abs(self.amount - other.amount) < NUMBER_TOLERANCE
        except OverflowError:
            # An integer past float range against a float (the official script stops here):
            # the two are astronomically far apart.
            return False


@dataclass(frozen=True)
class DateValue:
    """A date where None marks an unknown part (at least the month or day is known); equality looks at the parts."""

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


def _parse_number(text: str) -> int | float | None:
    # Python's own int() and float(), as the official script uses them: they also take
    # surrounding whitespace, "1_000", "+5" and non-ASCII digits.
    try:
        return int(text)
    except ValueError:
        pass
    try:
        amount = float(text)
    except ValueError:
        return None
    return amount if math.isfinite(amount) else None


def _parse_date(text: str) -> tuple[int | None, int | None, int | None] | None:
    parts = text.lower().split("-")
    if len(parts) != 3:
        return None
    try:
        year = None if parts[0] in ("xx", "xxxx") else int(parts[0])
        month = None if parts[1] == "xx" else int(parts[1])
        day = None if parts[2] == "xx" else int(parts[2])
    except ValueError:
        return None
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
    NumberValue(amount=10, normalized='10 years')
    >>> to_value("1990-xx-xx")
    NumberValue(amount=1990, normalized='1990-xx-xx')
    >>> to_value("xxxx-10-xx")
    DateValue(year=None, month=10, day=None, normalized='xxxx-10-xx')
    """
    typed_from = canon if canon else text
    amount = _parse_number(typed_from)
    if amount is not None:
        number = NumberValue(amount, normalize(text))
        # With no text at all, the official rule matches against the number's own spelling.
        return number if text else NumberValue(number.amount, str(number.amount))
    date = _parse_date(typed_from)
    if date is None:
        return StringValue(normalize(text))
    year, month, day = date
    if month is None and day is None:
        return NumberValue(year, normalize(text) if text else str(year))
    if not text:
        # The official spelling of a date without text; its unknown day prints as -1, a slip kept as is.
        spelled = "-".join("xx" if part is None else str(part) for part in (year, month)) + f"-{-1 if day is None else day}"
        return DateValue(year, month, day, spelled)
    return DateValue(year, month, day, normalize(text))


def _distinct(values: Sequence[Value]) -> list[Value]:
    # The official rule puts values in a set: of equal values ("2" and "2.0") the first one
    # seen stays, and its text is the one string matching later compares.
    kept: dict[Value, Value] = {}
    for value in values:
        kept.setdefault(value, value)
    return list(kept.values())


def answer_is_correct(
    predicted: Sequence[str],
    gold: Sequence[str],
    gold_canon: Sequence[str | None] | None = None,
) -> bool:
    """Whether a predicted answer list is right: same number of distinct values, each gold one matched.

    `gold_canon`, when given, holds one canonical string (or None) per gold item. An empty
    prediction is wrong for any real gold answer; two empty lists agree, as they do officially.

    >>> answer_is_correct(["3.0"], ["3"])
    True
    >>> answer_is_correct(["Chile", "Uruguay"], ["Uruguay", "Chile", "Venezuela"])
    False
    >>> answer_is_correct(["10"], ["10 years"]), answer_is_correct(["10"], ["10 years"], ["10.0"])
    (False, True)
    >>> answer_is_correct(["2006.."], ["2006"], ["2006.0"]), answer_is_correct(["7"], ["Season 7"], ["7.0"])
    (False, True)
    """
    canons = list(gold_canon) if gold_canon is not None else [None] * len(gold)
    if len(canons) != len(gold):
        raise ValueError(f"{len(canons)} canonical strings for {len(gold)} gold answers")
    gold_values = _distinct([to_value(text, canon) for text, canon in zip(gold, canons)])
    predicted_values = _distinct([to_value(text) for text in predicted])
    if len(gold_values) != len(predicted_values):
        return False
    return all(any(target.matches(value) for value in predicted_values) for target in gold_values)


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
