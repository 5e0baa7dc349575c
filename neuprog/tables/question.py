"""Questions: tokens, the constants they mention (numbers, dates, phrases found in the table), and match features."""

from __future__ import annotations

from dataclasses import dataclass, field

from neuprog.tables.cells import Date, is_month, parse_cell, parse_date, parse_ordinal
from neuprog.tables.constant import Constant
from neuprog.tables.table import Table
from neuprog.tables.text import contains_phrase, tokenize

STOPWORDS = frozenset(
    "a an the of in on at to for from by with and or is are was were be been what which who whom whose when where how "
    "many much did do does than that this these those it its as there their they he she his her not no".split()
)


@dataclass
class Question:
    """A question read against one table.

    >>> table = Table.from_rows(["Name", "Year"], [["Lee P. Brown", "1990"], ["Bob Lanier", "1992"]])
    >>> question = Question.read("who was mayor after lee p. brown in 1990?", table)
    >>> [c.text for c in question.constants], question.spans
    (['1990', 'lee p brown'], [(8, 9), (4, 7)])
    """

    text: str
    tokens: list[str]
    constants: list[Constant] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # token span [start, end) of each constant

    @classmethod
    def read(cls, text: str, table: Table, max_constants: int = 12, max_phrase: int = 6) -> Question:
        tokens = tokenize(text)
        found: list[tuple[tuple[int, int], Constant]] = []
        taken = [False] * len(tokens)
        for span, constant in _dates(tokens) + _numbers(tokens):
            if not any(taken[span[0] : span[1]]):
                found.append((span, constant))
                taken[span[0] : span[1]] = [True] * (span[1] - span[0])
        for length in range(min(max_phrase, len(tokens)), 0, -1):
            for start in range(len(tokens) - length + 1):
                words = tokens[start : start + length]
                if any(taken[start : start + length]) or all(w in STOPWORDS for w in words):
                    continue
                phrase = " ".join(words)
                if table.mentions(phrase):
                    found.append(((start, start + length), Constant(phrase)))
                    taken[start : start + length] = [True] * length
        found = found[:max_constants]
        return cls(text, tokens, [c for _, c in found], [s for s, _ in found])


def _numbers(tokens: list[str]) -> list[tuple[tuple[int, int], Constant]]:
    found = []
    for i, token in enumerate(tokens):
        number = parse_cell(token).number if any(ch.isdigit() for ch in token) else None
        if number is None:
            number = parse_ordinal(token)
            if number is None and not any(ch.isdigit() for ch in token):
                number = parse_cell(token).number  # number words: "two", "twenty"
        if number is not None:
            found.append(((i, i + 1), Constant(token, number=float(number))))
    return found


def _dates(tokens: list[str]) -> list[tuple[tuple[int, int], Constant]]:
    """Full dates like "may 5 2004" or "5 may 2004"; a lone year stays a number."""
    found = []
    for i, token in enumerate(tokens):
        if not is_month(token):
            continue
        for start, end in ((i, i + 3), (i - 1, i + 2)):
            if start < 0 or end > len(tokens):
                continue
            parsed = parse_date(" ".join(tokens[start:end]))
            if isinstance(parsed, Date) and parsed.year is not None and parsed.month and parsed.day:
                found.append(((start, end), Constant(parsed.iso(), date=parsed.key())))
                break
    return found


def header_match(question: Question, header: str) -> float:
    """Share of a header's non-stopword tokens that occur in the question; 1.0 when it occurs whole.

    >>> question = Question("how many goals", ["how", "many", "goals"])
    >>> header_match(question, "Goals scored"), header_match(question, "Team")
    (0.5, 0.0)
    """
    words = tokenize(header)
    if not words:
        return 0.0
    joined = " ".join(question.tokens)
    if contains_phrase(joined, " ".join(words)):
        return 1.0
    content = [w for w in words if w not in STOPWORDS] or words
    return sum(w in question.tokens for w in content) / len(content)
