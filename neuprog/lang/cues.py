"""Question words that license an op in search: a prior on which programs may earn credit, not a label."""

from __future__ import annotations

from neuprog.tables.question import ORDER_WORDS

COMPARATIVES = frozenset(
    "more less greater fewer higher lower larger smaller bigger longer shorter older younger earlier later "
    "better worse faster slower taller heavier closer farther further".split()
)
"""Words comparing two things ("which is longer, A or B?")."""

SUPERLATIVES = frozenset(
    "most least highest lowest largest smallest biggest longest shortest greatest fewest best worst top bottom "
    "first last maximum minimum max min oldest youngest earliest latest newest recent fastest slowest tallest "
    "heaviest lightest closest nearest farthest furthest deepest widest hottest coldest strongest weakest "
    "record peak leading leader winner won win wins champion".split()
)
"""Words naming an extreme ("the longest", "who won")."""

EXTREMES = SUPERLATIVES | COMPARATIVES
"""What licenses the ops that pick the row or value at an extreme of a column."""

FREQUENCY = frozenset("most more frequent frequently often common commonly majority usual usually popular times repeated".split())
"""What licenses picking the most common value of a column."""

THRESHOLDS = COMPARATIVES | frozenset(
    "than over under above below least most exceed exceeded exceeding beyond after before since until till prior "
    "within between top bottom minimum maximum past".split()
)
"""What licenses comparing a column with a number ("more than 20", "after 1990", "at least 3")."""

DIFFERENCES = COMPARATIVES | frozenset(
    "difference differ differs than between margin apart gap long elapsed gained lost increase decrease increased "
    "decreased change changed ahead behind".split()
)
"""What licenses subtracting one number from another."""

TOTALS = frozenset("total totals combined sum together altogether overall aggregate cumulative all both and".split())
"""What licenses adding numbers up."""

AVERAGES = frozenset("average mean averaged avg per typical typically".split())
"""What licenses an average."""

NEGATIONS = frozenset("not other others besides except excluding without non nor neither never apart".split())
"""What licenses excluding the rows that mention a phrase."""

ORDER = ORDER_WORDS
"""What licenses the ops that depend on the order of the table's rows."""


def licensed(cues: frozenset[str], words: set[str]) -> bool:
    """Whether a question with ``words`` licenses an op with ``cues`` (an op without cues fits any question).

    >>> licensed(TOTALS, {"how", "many", "in", "total"}), licensed(TOTALS, {"who", "won"}), licensed(frozenset(), {"who"})
    (True, False, True)
    """
    return not cues or not cues.isdisjoint(words)
