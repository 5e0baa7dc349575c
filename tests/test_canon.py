"""Tests for the canonical forms that type gold answers when the data has no targetCanon."""

from __future__ import annotations

import pytest

from neuprog.tables.canon import canonical_form, canonical_forms
from neuprog.tables.scoring import answer_is_correct


@pytest.mark.parametrize(
    ("raw", "canon"),
    [
        ("12,467", "12467"),
        ("10 years", "10"),
        ("3rd", "3"),
        ("$26,000", "26000"),
        ("0.5%", "0.5"),
        ("12.21 (+0.7)", "12.21"),
        (".25", "0.25"),
        ("2000 F", "2000"),
        ("October", "xxxx-10-xx"),
        ("September 30", "xxxx-09-30"),
        ("December 1985", "1985-12-xx"),
        ("01/16/2014", "2014-01-16"),
        ("1991", "1991"),
        ("2:47", None),
        ("2005-06", None),
        ("Mark 3", None),
        ("2007 WWCC", None),
        ("+ 2.8 s", None),
        ("May", None),
        ("Chile", None),
    ],
)
def test_canonical_form_types_gold_like_the_tagged_files(raw, canon):
    assert canonical_form(raw) == canon


def test_canonical_gold_accepts_a_computed_number_for_a_formatted_answer():
    canon = canonical_forms(["12,467"])
    assert answer_is_correct(["12467"], ["12,467"], canon)
    assert not answer_is_correct(["12467"], ["12,467"])
