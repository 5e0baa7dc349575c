"""Computed numbers are written in their column's own style."""

from __future__ import annotations

import pytest

from neuprog.tables.style import NumberStyle


@pytest.mark.parametrize(
    ("cells", "value", "text"),
    [
        (["709,037", "291,940"], 1213637.0, "1,213,637"),
        (["709037", "291940"], 1213637.0, "1213637"),
        (["0.39", "1.00"], 1.0, "1.00"),
        (["16", "12"], 83.0, "83"),
        (["16", "12"], 28 / 3, "9.33"),
        (["16", "12"], 8.5, "8.5"),
        (["$1,200", "$850"], 2050.0, "$2,050"),
        (["12.5%", "3%"], 15.75, "15.75%"),
        (["16", "12"], -4.0, "-4"),
        (["3rd", "12 km", "Oslo"], 1234.0, "1234"),
        ([], 0.0, "0"),
    ],
)
def test_a_number_is_written_the_way_its_column_writes_numbers(cells, value, text):
    assert NumberStyle.of(cells).format(value) == text


def test_mixed_currency_signs_are_not_guessed():
    assert NumberStyle.of(["$5", "€7"]).prefix == ""
