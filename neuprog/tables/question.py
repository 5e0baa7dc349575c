"""Questions: tokens, the constants they mention (numbers, dates, phrases found in the table), match features and grounding."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from neuprog.tables.cells import Date, is_month, parse_cell, parse_date, parse_ordinal
from neuprog.tables.constant import Constant
from neuprog.tables.table import Table
from neuprog.tables.text import contains_phrase, normalize, tokenize

STOPWORDS = frozenset(
    "a an the of in on at to for from by with and or is are was were be been what which who whom whose when where how "
    "many much did do does than that this these those it its as there their they he she his her not no".split()
)
ROW_WORDS = frozenset("row rows entry entries record records item items line lines table list listed chart".split())
"""Words that name a table's rows or the table itself, whatever the table holds."""
COUNTING = (("how", "many"), ("number", "of"), ("count", "of"))
"""Phrases whose next content word names the rows being counted ("how many games ...")."""
_SUFFIXES = (
    ("ies", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("d", ""),
    ("ing", ""),
    ("ers", ""),
    ("er", ""),
    ("ors", ""),
    ("or", ""),
    ("ions", ""),
    ("ion", ""),
)


ORDER_WORDS = frozenset(
    "first last next previous before after above below top bottom listed list following preceding earlier later "
    "consecutive row rows order preceded followed succeeded prior subsequent then".split()
)
"""Words that make a question depend on the order of the table's rows."""


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


_SCALES = {"thousand": 1e3, "million": 1e6, "millions": 1e6, "billion": 1e9, "billions": 1e9, "trillion": 1e12}


def _numbers(tokens: list[str]) -> list[tuple[tuple[int, int], Constant]]:
    """Numbers, ordinals and number words; a scale word after a number multiplies it ("20 million")."""
    found = []
    for i, token in enumerate(tokens):
        number = parse_cell(token).number if any(ch.isdigit() for ch in token) else None
        if number is None:
            number = parse_ordinal(token)
            if number is None and not any(ch.isdigit() for ch in token):
                number = parse_cell(token).number  # number words: "two", "twenty"
        if number is None or not math.isfinite(number):  # "9" * 400 is no number a program can write
            continue
        if i + 1 < len(tokens) and tokens[i + 1] in _SCALES and math.isfinite(number * _SCALES[tokens[i + 1]]):
            found.append(((i, i + 2), Constant(f"{token} {tokens[i + 1]}", number=float(number) * _SCALES[tokens[i + 1]])))
        else:
            found.append(((i, i + 1), Constant(token, number=float(number))))
    return found


def _dates(tokens: list[str]) -> list[tuple[tuple[int, int], Constant]]:
    """Full dates like "may 5 2004", "5 may 2004" or "2004-05-05"; a lone year stays a number."""
    found = []
    for i, token in enumerate(tokens):
        day = parse_date(token) if len(token) == 10 and token[4] == "-" else None
        if isinstance(day, Date) and day.year is not None and day.month and day.day:
            found.append(((i, i + 1), Constant(day.iso(), date=day.key())))
            continue
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


QUESTION_KINDS = ("how many", "how much", "what", "which", "who", "when", "where", "is/are/did")


def question_kind(question: str) -> str:
    """The question's opening words as a coarse kind.

    >>> question_kind("How many gold medals?"), question_kind("the team that won most?")
    ('how many', 'other')
    """
    text = question.lower().strip()
    for kind in QUESTION_KINDS[:-1]:
        if text.startswith(kind + " ") or f" {kind} " in f" {text[:40]} ":
            return kind
    if text.split(" ", 1)[0] in {"is", "are", "was", "were", "did", "does", "do"}:
        return "is/are/did"
    return "other"


def speaks_of_order(question: Question) -> bool:
    """Whether the question's answer may depend on row order (it names an order word such as "first" or "next").

    >>> table = Table.from_rows(["Name"], [["Oslo"]])
    >>> speaks_of_order(Question.read("who was listed first?", table)), speaks_of_order(Question.read("who won most?", table))
    (True, False)
    """
    return any(token in ORDER_WORDS for token in question.tokens)


def echoes(question: Question, texts: Sequence[str]) -> bool:
    """Whether an answer only repeats the question: each item a phrase of it (not a number) and no choice offered ("A or B").

    Questions rarely ask for what they name (43 of the 11,321 answers of WikiTableQuestions'
    random-split-1-train do, outside "or" questions), so such an answer comes from a
    program that read the table wrongly: "which team won after Crettyard?" is not
    answered by "Crettyard".

    >>> table = Table.from_rows(["Team", "Year"], [["Crettyard", "1990"], ["Confey", "1991"]])
    >>> after = Question.read("which team won after crettyard in 1990?", table)
    >>> echoes(after, ["Crettyard"]), echoes(after, ["Confey"]), echoes(after, ["1990"])
    (True, False, False)
    >>> echoes(Question.read("did crettyard or confey win in 1990?", table), ["Crettyard"])
    False
    """
    if not texts or "or" in question.tokens:
        return False
    asked = " ".join(question.tokens)
    for text in texts:
        words = normalize(text)
        if not words or all(word.replace(",", "").replace(".", "").lstrip("-").isdigit() for word in words.split()) or not contains_phrase(asked, words):
            return False
    return True


AUXILIARIES = frozenset("is are was were did does do has have had can could will would".split())
"""Opening words of a question that asks yes or no, unless it offers options ("was it Oslo or Rome?")."""


def answer_misfit(question: Question, texts: Sequence[str]) -> str | None:
    """Why the answer ``texts`` cannot answer ``question``, or None when it may.

    These kinds of answer almost never answer their question in WikiTableQuestions'
    random-split-1-train (11,321 questions): one that only repeats the question
    (`echoes`; 43 answers are such), anything but a number for "how many ..." (2,734 of
    its 2,739 answers are numbers), a number or date for "who ..." (5 of 960), anything
    but a year or date for "what year" or "which year" (1 of 160) and anything but yes or
    no for a question opening with an auxiliary verb and offering no options (8 of 145).

    >>> table = Table.from_rows(["Team", "Year"], [["Crettyard", "1990"], ["Confey", "1991"]])
    >>> asked = [("which team won after crettyard?", "Crettyard"), ("how many teams won?", "Confey"), ("who won in 1990?", "1990"),
    ...     ("what year did confey win?", "Crettyard"), ("did confey win in 1991?", "1991"), ("did confey win in 1991?", "Yes")]
    >>> for text, answer in asked:
    ...     print(answer_misfit(Question.read(text, table), [answer]))
    it repeats the question
    "how many" asks for a number
    "who" asks for a name
    the question asks for a year
    the question asks yes or no
    None
    """
    tokens = question.tokens
    parsed = [parse_cell(text) for text in texts]
    if echoes(question, texts):
        return "it repeats the question"
    if tokens[:2] == ["how", "many"] and not all(cell.number is not None for cell in parsed):
        return '"how many" asks for a number'
    if tokens[:1] == ["who"] and all(cell.number is not None or cell.date is not None for cell in parsed):
        return '"who" asks for a name'
    if tokens[1:2] == ["year"] and tokens[0] in ("what", "which") and not all(cell.number is not None or cell.date is not None for cell in parsed):
        return "the question asks for a year"
    if tokens[:1] and tokens[0] in AUXILIARIES and "or" not in tokens and not all(text.strip().lower() in ("yes", "no") for text in texts):
        return "the question asks yes or no"
    return None


def header_match(question: Question, header: str, stems: bool = False) -> float:
    """Share of a header's non-stopword tokens that occur in the question; 1.0 when it occurs whole.

    With ``stems`` a header word also counts when it shares a stem with a question
    word (see `word_forms`): "districts" names the column "District".

    >>> question = Question("how many goals", ["how", "many", "goals"])
    >>> header_match(question, "Goals scored"), header_match(question, "Team"), header_match(question, "Goal", stems=True)
    (0.5, 0.0, 1.0)
    """
    words = tokenize(header)
    if not words:
        return 0.0
    joined = " ".join(question.tokens)
    if contains_phrase(joined, " ".join(words)):
        return 1.0
    content = [w for w in words if w not in STOPWORDS] or words
    if stems:
        forms = set().union(*(word_forms(token) for token in question.tokens))
        return sum(bool(word_forms(w) & forms) for w in content) / len(content)
    return sum(w in question.tokens for w in content) / len(content)


@dataclass(frozen=True)
class Grounding:
    """Which content words of a question name something in a table, and which name nothing there."""

    grounded: tuple[str, ...]
    unmatched: tuple[str, ...]


@lru_cache(maxsize=1 << 16)
def word_forms(word: str) -> frozenset[str]:
    """A word and the stems its common English endings leave ("cities": city; "directed", "director": direct).

    Cached: batches ask for the forms of the same question and header words at every step.

    >>> sorted(word_forms("games"))
    ['gam', 'game', 'games']
    """
    forms = {word}
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.add(word[: len(word) - len(suffix)] + replacement)
    return frozenset(forms)


def grounding(question: Question, table: Table) -> Grounding:
    """The question's content words (not stopwords) split into those that name something in ``table`` and the rest.

    A word is grounded when it is part of a number or date the question gives, when
    one of its forms is a word of a column name or of a cell, when it names rows in
    general ("rows", "entries", "listed"), or when it is what a counting phrase counts
    ("how many games": the rows themselves).

    >>> table = Table.from_rows(["City", "Population"], [["Oslo", "709,037"], ["Bergen", "291,940"]])
    >>> grounding(Question("", tokenize("how many cities have over 500000 people?")), table)
    Grounding(grounded=('cities', '500000'), unmatched=('have', 'over', 'people'))
    >>> grounding(Question("", tokenize("asdf qwerty")), table).grounded
    ()
    """
    tokens = question.tokens
    named = {i for span, _ in _dates(tokens) + _numbers(tokens) for i in range(*span)}
    for i in range(len(tokens) - 2):
        if (tokens[i], tokens[i + 1]) in COUNTING:
            named.update([j for j in range(i + 2, len(tokens)) if tokens[j] not in STOPWORDS][:1])
    header = set().union(*(word_forms(word) for name in table.header for word in tokenize(name)))
    grounded, unmatched = [], []
    whole = {normalize(name) for name in table.header}  # a column may be called "A" or "No": a stopword naming it is grounded
    for i, token in enumerate(tokens):
        if token in STOPWORDS and token not in whole:
            continue
        forms = word_forms(token)
        found = i in named or token in ROW_WORDS or forms & header or table.mentions(token) or any(table.mentions(form) for form in forms - {token})
        (grounded if found else unmatched).append(token)
    return Grounding(tuple(grounded), tuple(unmatched))
