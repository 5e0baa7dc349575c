"""Numbers written the way a table writes them: thousands separators, decimals, currency and percent signs."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

_PLAIN = re.compile(r"^\s*[-\u2212]?\s*(?P<pre>[$€£¥]?)\s*(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<decimals>\d+))?\s*(?P<post>%?)\s*$")
_MOST_DECIMALS = 6


@dataclass(frozen=True)
class NumberStyle:
    """How a column writes its numbers; the default writes whole numbers as integers and others with two decimals.

    >>> style = NumberStyle.of(["$1,200", "$850", "$12,000.50"])
    >>> style, style.format(14050.5), NumberStyle().format(3.0), NumberStyle().format(2 / 3)
    (NumberStyle(grouped=True, decimals=2, prefix='$', suffix=''), '$14,050.50', '3', '0.67')
    """

    grouped: bool = False
    """Thousands separated by commas ("1,234")."""
    decimals: int = 0
    """The most decimals a cell shows; results keep at least this many."""
    prefix: str = ""
    """A currency sign every number cell starts with."""
    suffix: str = ""
    """A percent sign every number cell ends with."""

    @classmethod
    def of(cls, texts: Iterable[str]) -> NumberStyle:
        """The style shared by the texts that are plain numbers (others, like "3rd" or "12 km", are ignored)."""
        found = [match for text in texts if (match := _PLAIN.match(str(text)))]
        if not found:
            return cls()
        common = lambda part: found[0][part] if all(match[part] == found[0][part] for match in found) else ""
        decimals = max(len(match["decimals"] or "") for match in found)
        return cls(any("," in match["whole"] for match in found), min(decimals, _MOST_DECIMALS), common("pre"), common("post"))

    def format(self, value: float) -> str:
        """``value`` in this style; a result that needs more decimals than the cells show gets up to two."""
        if not math.isfinite(value):
            return str(value)
        places = self.decimals
        if abs(value - round(value, places)) > 1e-9 * max(1.0, abs(value)):
            places = max(places, 2)
        text = f"{abs(value):{',' if self.grouped else ''}.{places}f}"
        if places > self.decimals:  # extra decimals only as far as the value needs them
            cut = len(text) - (places - self.decimals)
            text = (text[:cut] + text[cut:].rstrip("0")).rstrip(".")
        sign = "-" if value < 0 and any(ch in "123456789" for ch in text) else ""
        return f"{sign}{self.prefix}{text}{self.suffix}"
