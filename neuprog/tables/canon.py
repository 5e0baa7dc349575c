"""Canonical forms of gold answers, for data that lacks the tagged files' `targetCanon`."""

from __future__ import annotations

import re

from neuprog.tables.cells import parse_date, parse_number
from neuprog.tables.scoring import format_number

# A number alone or with the decorations gold answers carry: a sign or currency in front;
# thousands separators; a percent sign, an ordinal suffix, one unit word or a parenthesised
# remark behind. Anything else around the digits ("Mark 3", "2:47", "2005-06") stays a string.
_NUMBER = re.compile(
    r"""^[+\-−]?(?:[$€£#]\s?)?
    (?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?
    (?:%|st|nd|rd|th|\s(?:[a-z]+\.?|[A-Z]))?
    (?:\s\([^()]*\))?$""",
    re.VERBOSE,
)
_DIGIT = re.compile(r"\d")


def canonical_form(text: str) -> str | None:
    """The canonical string of one gold item: a number, a `yyyy-mm-dd` date, or None for a string.

    Used to type gold answers the way the official scorer does when the data has no
    `targetCanon` (WikiTableQuestions ships it only for some files).

    >>> canonical_form("12,467"), canonical_form("10 years"), canonical_form("2nd")
    ('12467', '10', '2')
    >>> canonical_form("October"), canonical_form("5 March 1988")
    ('xxxx-10-xx', '1988-03-05')
    >>> canonical_form("2:47"), canonical_form("Mark 3"), canonical_form("2005-06")
    (None, None, None)
    """
    stripped = text.strip()
    if _DIGIT.search(stripped) and _NUMBER.match(stripped):
        amount = parse_number(stripped)
        if amount is not None:
            return format_number(amount)
    date = parse_date(stripped)
    # "May" alone is as often a name as a month; the tagged data leaves it a string.
    if date is not None and (date.month is not None or date.day is not None) and stripped.lower() != "may":
        return date.iso()
    return None


def canonical_forms(answers: list[str] | tuple[str, ...]) -> list[str | None]:
    """`canonical_form` of each item of a gold answer.

    >>> canonical_forms(["Dreamer", "303,000"])
    [None, '303000']
    """
    return [canonical_form(answer) for answer in answers]
