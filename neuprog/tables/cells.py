"""Parse numbers and dates out of table-cell and question text."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date as _calendar_date
from functools import lru_cache


@dataclass(frozen=True)
class Date:
    """A calendar date whose parts may be unknown, e.g. "May 5" has no year.

    >>> Date(2004, 5, None).iso()
    '2004-05-xx'
    """

    year: int | None
    month: int | None
    day: int | None

    def key(self) -> float | None:
        """A sortable number (the proleptic ordinal); None when the year is unknown.

        >>> Date(2004, 5, 5).key() < Date(2004, 5, 6).key()
        True
        >>> Date(None, 5, 5).key() is None
        True
        """
        if self.year is None:
            return None
        return float(_calendar_date(self.year, self.month or 1, self.day or 1).toordinal())

    def iso(self) -> str:
        """'yyyy-mm-dd' with x's for the unknown parts.

        >>> Date(None, 5, None).iso()
        'xxxx-05-xx'
        """
        year = "xxxx" if self.year is None else f"{self.year:04d}"
        month = "xx" if self.month is None else f"{self.month:02d}"
        day = "xx" if self.day is None else f"{self.day:02d}"
        return f"{year}-{month}-{day}"


@dataclass(frozen=True)
class ParsedCell:
    """What a cell holds: its main number, a calendar date, and the second number of a score or range."""

    number: float | None
    date: Date | None
    number2: float | None


_EMPTY = ParsedCell(None, None, None)

# Every dash and minus becomes "-", every odd space " ", invisible marks vanish, so regexes stay simple.
_NORMALIZE = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
        **dict.fromkeys("\u00a0\u2002\u2003\u2007\u2009\u200a\u202f\u3000", " "),
        **dict.fromkeys("\u200b\u200e\u200f\ufeff", None),
    }
)
_FOOTNOTE_REFERENCE = re.compile(r"\[[^\[\]]{0,24}\]", re.A)
_FOOTNOTE_MARKS = "*†‡§¶"
_HAS_DIGIT = re.compile(r"[0-9]").search

_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:tember|t)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
_MONTH_NAMES = "january february march april may june july august september october november december".split()
_MONTH_NUMBERS = {name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_MONTH_WORD = re.compile(_MONTH, re.I | re.A)
_ORDINAL_SUFFIX = r"(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_MONTH_FIRST_DATE = re.compile(
    rf"{_WEEKDAY}{_MONTH},?\s*(?:(\d{{1,2}}){_ORDINAL_SUFFIX}(?!\d)"
    rf"(?:,?\s+(\d{{4}})(?!\d))?|(\d{{4}})(?!\d))",
    re.I | re.A,
)
_DAY_FIRST_DATE = re.compile(rf"(\d{{1,2}}){_ORDINAL_SUFFIX}\s+(?:of\s+)?{_MONTH}(?:,?\s+(\d{{4}})(?!\d))?", re.I | re.A)
_YEAR_FIRST_DATE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)", re.A)
# Slashes and dashes are read month-first (English Wikipedia), dots day-first (European).
_YEAR_LAST_DATE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?!\d)", re.A)
_MONTH_SLASH_YEAR = re.compile(r"(\d{1,2})/(\d{4})", re.A)
# "May 31 - June 13, 1983": the year at the end of a range belongs to its start too.
_RANGE_END_YEAR = re.compile(rf"\s*-\s*(?:{_MONTH}\s*)?\d{{1,2}}{_ORDINAL_SUFFIX}(?:\s+{_MONTH})?,?\s+(\d{{4}})(?!\d)", re.I | re.A)

_LEADING_NUMBER = re.compile(
    r"""(?:[~≈\#]\s?|ca?\.\s?)?              # 'about' and rank marks
    (?P<sign>-|\+\s?)?
    (?P<currency>[A-Z]{0,3}\$|[€£¥₹₩₽]|Rs\.?\s?)?
    (?P<sign_after_currency>[-+])?
    (?P<mantissa>
        \d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?
      | \d{1,3}(?:\ \d{3})+(?:\.\d+)?(?![\d,.])   # '10 000' thousands grouped by spaces
      | \d+(?:\.\d+)?(?:[eE][-+]?\d+)?
      | \.\d+
    )""",
    re.X | re.A,
)
_SCALE = re.compile(r"\s?(?:(thousand|million|billion|trillion)|(k|m|mn|b|bn))(?![a-z])", re.I | re.A)
_SCALE_EXPONENTS = {"thousand": 3, "k": 3, "million": 6, "m": 6, "mn": 6, "billion": 9, "b": 9, "bn": 9, "trillion": 12}
_SECOND_NUMBER = re.compile(r"\s*[-/]\s*(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?(?![\d,.]?\d)", re.A)
_CLOCK = re.compile(r"([-+])?(\d+):([0-5]\d)(?::([0-5]\d))?(\.\d+)?(?![\d:])(?:\s?([ap])\.?m\b\.?)?", re.I | re.A)
_COLON_SCORE = re.compile(r"(\d+):(\d)(?!\d)", re.A)
_RESULT_MARKS = ("W ", "L ", "D ", "T ")

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_WORDS = {word: value for value, word in enumerate(_UNITS)}
_NUMBER_WORDS.update({word: 20 + 10 * index for index, word in enumerate(_TENS)})
_NUMBER_WORDS.update(hundred=100, thousand=1000, million=10**6, billion=10**9)
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fifth": 5, "eighth": 8, "ninth": 9, "twelfth": 12}
_ORDINAL_WORDS.update({f"{word}th": value for word, value in _NUMBER_WORDS.items() if 4 <= value <= 19 and value not in (5, 8, 9, 12)})
_ORDINAL_WORDS.update({f"{word[:-1]}ieth": 20 + 10 * index for index, word in enumerate(_TENS)})
_ORDINAL_WORDS.update(hundredth=100, thousandth=1000)
_NUMERIC_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)\.?", re.A)


def parse_number(text: str) -> float | None:
    """The main number of the text, None when there is none (or it would be a guess).

    >>> parse_number("$3.2 million"), parse_number("−5"), parse_number("2:31.4")
    (3200000.0, -5.0, 151.4)
    >>> parse_number("Route 66 Highway") is None
    True
    """
    return parse_cell(text).number


def parse_date(text: str) -> Date | None:
    """The calendar date the text starts with, or a year standing alone.

    >>> parse_date("Sept. 3, 1999"), parse_date("1990-91")
    (Date(year=1999, month=9, day=3), Date(year=1990, month=None, day=None))
    """
    return parse_cell(text).date


def is_month(word: str) -> bool:
    """Whether ``word`` is a month name or its abbreviation.

    >>> is_month("Sept"), is_month("may"), is_month("mayor")
    (True, True, False)
    """
    return _MONTH_WORD.fullmatch(word) is not None


def parse_ordinal(word: str) -> int | None:
    """The value of an ordinal like "3rd", "third" or "twenty-first"; None for anything else.

    >>> parse_ordinal("3rd"), parse_ordinal("twentieth"), parse_ordinal("last")
    (3, 20, None)
    """
    word = word.strip().lower().translate(_NORMALIZE)
    numeric = _NUMERIC_ORDINAL.fullmatch(word)
    if numeric:
        return int(numeric.group(1))
    return _ORDINAL_WORDS.get(word) or _tens_and_unit(word, _ORDINAL_WORDS)


def _tens_and_unit(words: str, unit_values: dict[str, int]) -> int | None:
    tens, _, unit = words.replace(" ", "-").partition("-")
    if tens in _TENS and 0 < unit_values.get(unit, 10) < 10:  # "twenty-one", "twenty first"
        return _NUMBER_WORDS[tens] + unit_values[unit]
    return None


@lru_cache(maxsize=1 << 18)
def parse_cell(text: str) -> ParsedCell:
    """Number, date and second number of one cell; the one call table code makes.

    >>> parse_cell("3–1")
    ParsedCell(number=3.0, date=None, number2=1.0)
    >>> parse_cell("2004")
    ParsedCell(number=2004.0, date=Date(year=2004, month=None, day=None), number2=None)
    >>> parse_cell("May 5, 2004")
    ParsedCell(number=None, date=Date(year=2004, month=5, day=5), number2=None)
    >>> parse_cell("9" * 400)  # beyond float range: text, as whole columns read it
    ParsedCell(number=None, date=None, number2=None)
    """
    cell = _parse(text)
    if (cell.number is not None and not math.isfinite(cell.number)) or (cell.number2 is not None and not math.isfinite(cell.number2)):
        return ParsedCell(None, cell.date, None)
    return cell


def _parse(text: str) -> ParsedCell:
    cleaned = _clean(text)
    if not cleaned:
        return _EMPTY
    if cleaned.isdecimal() and cleaned.isascii():  # most cells are plain integers
        return ParsedCell(float(cleaned), _year_alone(cleaned), None)
    if not _HAS_DIGIT(cleaned):
        # Only a capitalised "May" is the month; in lower-cased question text it is a verb.
        if cleaned[0].isupper() and cleaned.lower() in _MONTH_NAMES:
            return ParsedCell(None, Date(None, _MONTH_NUMBERS[cleaned[:3].lower()], None), None)
        return _number_from_words(cleaned)
    date = _parse_calendar_date(cleaned)
    if date is not None:
        return ParsedCell(None, date, None)
    if cleaned.startswith(_RESULT_MARKS):  # "W 10-5": the score of a won/lost game
        score = _parse_leading_number(cleaned[2:].lstrip())
        return score if score.number2 is not None else _EMPTY
    return _parse_leading_number(cleaned)


def _clean(text: str) -> str:
    cleaned = text.translate(_NORMALIZE).strip()
    if "[" in cleaned:
        cleaned = _FOOTNOTE_REFERENCE.sub("", cleaned).strip()
    return cleaned.rstrip(_FOOTNOTE_MARKS).rstrip()


def _year_alone(digits: str) -> Date | None:
    if len(digits) == 4 and digits.isdecimal() and "1000" <= digits <= "2099":
        return Date(int(digits), None, None)
    return None


def _number_from_words(text: str) -> ParsedCell:
    if len(text) > 20:
        return _EMPTY
    words = text.lower()
    value = _NUMBER_WORDS[words] if words in _NUMBER_WORDS else _tens_and_unit(words, _NUMBER_WORDS)
    return _EMPTY if value is None else ParsedCell(float(value), None, None)


def _make_date(year: str | None, month: int, day: str | None) -> Date | None:
    year_value = int(year) if year else None
    day_value = int(day) if day else None
    if year_value == 0:  # there is no year 0; "0000-01-01" is a placeholder, not a date
        return None
    try:  # a leap year stands in for an unknown one, so that "February 29" is allowed
        _calendar_date(year_value or 2000, month, day_value or 1)
    except ValueError:
        return None
    return Date(year_value, month, day_value)


def _parse_calendar_date(text: str) -> Date | None:
    if text[0].isalpha():
        match = _MONTH_FIRST_DATE.match(text)
        if not match:
            return None
        month_name, day, year, year_only = match.groups()
        year = year or year_only or _range_end_year(text, match.end(), day)
        return _make_date(year, _MONTH_NUMBERS[month_name[:3].lower()], day)
    if not text[0].isdecimal():
        return None
    match = _DAY_FIRST_DATE.match(text)
    if match:
        day, month_name, year = match.groups()
        year = year or _range_end_year(text, match.end(), day)
        return _make_date(year, _MONTH_NUMBERS[month_name[:3].lower()], day)
    match = _YEAR_FIRST_DATE.match(text)
    if match:
        year, _, month, day = match.groups()
        return _make_date(year, int(month), day)
    match = _YEAR_LAST_DATE.match(text)
    if match and (len(match.group(4)) == 4 or match.group(2) == "/"):
        first, separator, second, year = match.groups()
        month, day = (second, first) if separator == "." or int(first) > 12 else (first, second)
        # Which century "11/26/85" means is a guess, so its year stays unknown.
        return _make_date(year if len(year) == 4 else None, int(month), day)
    match = _MONTH_SLASH_YEAR.fullmatch(text)
    if match and 1 <= int(match.group(1)) <= 12:
        return Date(int(match.group(2)), int(match.group(1)), None)
    return None


def _range_end_year(text: str, position: int, day: str | None) -> str | None:
    if day is None:
        return None
    match = _RANGE_END_YEAR.match(text, position)
    return match.group(match.lastindex) if match else None


def _parse_leading_number(text: str) -> ParsedCell:
    if ":" in text:
        clock = _CLOCK.match(text)
        if clock:
            return _parse_clock(clock, text)
    match = _LEADING_NUMBER.match(text)
    if not match:
        return _EMPTY
    written = match.group("mantissa")
    mantissa = written.replace(",", "").replace(" ", "")
    signed = (match.group("sign") or "") + (match.group("sign_after_currency") or "")
    negative = "-" in signed
    has_currency = match.group("currency") is not None
    value = float(mantissa)
    if not math.isfinite(value):
        return _EMPTY
    rest = text[match.end() :]
    fraction = 0.0
    if rest and mantissa.isdecimal() and 0 < unicodedata.numeric(rest[0], 0) < 1:  # "2½"
        fraction = unicodedata.numeric(rest[0])
        rest = rest[1:]
    scale = _SCALE.match(rest) if rest else None
    if scale and (scale.group(1) or has_currency):  # a bare "m" is metres, not millions
        exponent = _SCALE_EXPONENTS[(scale.group(1) or scale.group(2)).lower()]
        # Scaling in the decimal string keeps "$3.2 million" exactly 3200000.0.
        value = float(f"{mantissa}e{exponent}") if "e" not in mantissa.lower() else value * 10**exponent
        fraction *= 10**exponent
        rest = rest[scale.end() :]
    value += fraction
    number = -value if negative else value
    if not rest:
        plain_year = not (signed or has_currency or scale)
        return ParsedCell(number, _year_alone(written) if plain_year else None, None)
    if rest[0] in ".,:" and rest[1:2].isdecimal():
        colon_score = _COLON_SCORE.match(text, match.start("mantissa"))
        if rest[0] == ":" and colon_score and not scale:
            return ParsedCell(number, None, float(colon_score.group(2)))
        return _EMPTY  # "1.2.3", "12,5", "1:728": too ambiguous to guess
    second = None if scale else _SECOND_NUMBER.match(rest)
    if not second:
        return ParsedCell(number, None, None)
    second_digits, second_fraction = second.groups()
    number2 = float(second_digits.replace(",", "") + (second_fraction or ""))
    date = None
    is_year = not (signed or has_currency) and _year_alone(written) is not None
    if is_year and second_fraction is None:
        if len(second_digits) == 2:  # "1990-91", "1999/00"
            number2 = float(int(value) // 100 * 100 + int(second_digits))
            if number2 < value:
                number2 += 100
        if number2 >= value and len(second_digits) in (2, 4) and second.end() == len(rest):
            date = Date(int(value), None, None)
    return ParsedCell(number, date, number2)


def _parse_clock(clock: re.Match, text: str) -> ParsedCell:
    """'2:31.4' and '1:02:03' count seconds; 'h:mm' counts minutes, so that clock times sort right."""
    sign, first, second, third, fraction, meridiem = clock.groups()
    rest = text[clock.end() :]
    if rest[:1] in (".", ",") and rest[1:2].isdecimal():
        return _EMPTY
    leading = int(first)
    if meridiem and third is None and leading <= 12:
        leading = leading % 12 + (12 if meridiem.lower() == "p" else 0)
    value = leading * 60 + int(second)
    if third is not None:
        value = value * 60 + int(third)
    total = float(f"{value}{fraction or ''}")
    return ParsedCell(-total if sign == "-" else total, None, None)
