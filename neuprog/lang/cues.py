"""Question words that license an op in search: a prior on which programs may earn credit, not a label."""

from __future__ import annotations

from neuprog.tables.question import ORDER_WORDS

# comparing two things ("which is longer, A or B?")
COMPARATIVES = frozenset(
    "more less greater fewer higher lower larger smaller bigger longer shorter older younger earlier later better worse faster slower taller heavier closer "
    "farther further".split()
)
# naming an extreme ("the longest", "who won")
SUPERLATIVES = frozenset(
    "most least highest lowest largest smallest biggest longest shortest greatest fewest best worst top bottom first last maximum minimum max min oldest "
    "youngest earliest latest newest recent fastest slowest tallest heaviest lightest closest nearest farthest furthest deepest widest hottest coldest "
    "strongest weakest record peak leading leader winner won win wins champion".split()
)
EXTREMES = SUPERLATIVES | COMPARATIVES  # the row or value at an extreme of a column
FREQUENCY = frozenset("most more frequent frequently often common commonly majority usual usually popular times repeated".split())  # the most common value
THRESHOLDS = COMPARATIVES | frozenset(  # a column compared with a number ("more than 20", "after 1990", "at least 3")
    "than over under above below least most exceed exceeded exceeding beyond after before since until till prior within between top bottom minimum maximum past".split()
)
DIFFERENCES = COMPARATIVES | frozenset(  # one number minus another
    "difference differ differs than between margin apart gap long elapsed gained lost increase decrease increased decreased change changed ahead behind".split()
)
TOTALS = frozenset("total totals combined sum together altogether overall aggregate cumulative all both and".split())  # numbers added up
AVERAGES = frozenset("average mean averaged avg per typical typically".split())
YES_NO = frozenset("is are was were did does do has have had can could will would".split())  # a question answered yes or no
NEGATIONS = frozenset("not other others besides except excluding without non nor neither never apart".split())  # rows that do not mention a phrase
ORDER = ORDER_WORDS  # ops that depend on the order of the table's rows


def licensed(cues: frozenset[str], words: set[str]) -> bool:
    """Whether a question with ``words`` licenses an op with ``cues`` (an op without cues fits any question).

    >>> licensed(TOTALS, {"how", "many", "in", "total"}), licensed(TOTALS, {"who", "won"}), licensed(frozenset(), {"who"})
    (True, False, True)
    """
    return not cues or not cues.isdisjoint(words)
