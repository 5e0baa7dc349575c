"""Normalise and tokenise text the same way for questions, headers and cells."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# An ISO date stays one token ("2004-05-05"); otherwise words, and numbers with inner separators and a leading minus.
_TOKEN = re.compile(r"\d{4}-\d{2}-\d{2}(?![\w-])|(?:(?<!\w)-(?=\d))?[^\W_]+(?:[.,'][^\W_]+)*", re.UNICODE)
_MINUS = re.compile(r"[\u2212\u2012\u2013\u2014\ufe63\uff0d](?=\d)")


def strip_accents(text: str) -> str:
    """``text`` in compatibility decomposition without its nonspacing marks: the accent rule of the official scorer too.

    >>> strip_accents("Crème Brûlée ﬁ")
    'Creme Brulee fi'
    """
    return "".join(char for char in unicodedata.normalize("NFKD", text) if unicodedata.category(char) != "Mn")


@lru_cache(maxsize=1 << 18)
def normalize(text: str) -> str:
    """Lower-case, strip accents and keep word tokens joined by single spaces.

    Numbers keep their inner separators and a leading minus, so "1,234", "2.5"
    and "-3" stay one token each.

    >>> normalize("  Lee P. Brown (politician) ")
    'lee p brown politician'
    >>> normalize("Café, 1,234 m²")
    'cafe 1,234 m2'
    >>> normalize("less than −5 or 3-1")
    'less than -5 or 3 1'
    """
    folded = _MINUS.sub("-", strip_accents(text).lower())
    return " ".join(_split(folded))


def _split(text: str) -> list[str]:
    tokens = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        # "p." or "brown's" split off trailing punctuation-joined parts unless numeric
        if not any(ch.isdigit() for ch in token):
            tokens.extend(t for t in re.split(r"[.,']", token) if t)
        else:
            tokens.append(token)
    return tokens


def tokenize(text: str) -> list[str]:
    """The tokens of ``normalize(text)``.

    >>> tokenize("How many cities have > 1,000,000 people?")
    ['how', 'many', 'cities', 'have', '1,000,000', 'people']
    """
    return normalize(text).split()


def contains_phrase(cell: str, phrase: str) -> bool:
    """Whether the normalised ``phrase`` occurs as a run of whole tokens in the normalised ``cell``.

    >>> contains_phrase("lee p brown", "brown")
    True
    >>> contains_phrase("brownsville", "brown")
    False
    """
    return bool(phrase) and f" {phrase} " in f" {cell} "
