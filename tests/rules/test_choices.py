"""Grades and tiers have one definition: their values, labels and order."""

import pytest

from sanxin.ledger.tiers import household_tier_of
from sanxin.rules import scheme
from sanxin.rules.choices import (
    GRADE_LABELS,
    GRADES,
    TIER_LABELS,
    TIERS,
    Grade,
    Tier,
    grade_rank,
    lower_grade,
    tier_rank,
)


def test_grade_values_and_order_are_the_stored_strings():
    assert GRADES == ("unrated", "A", "2A", "3A", "4A", "5A")
    assert [grade_rank(g) for g in GRADES] == [0, 1, 2, 3, 4, 5]
    assert lower_grade("5A", "2A", "3A") == "2A"
    assert lower_grade("A", Grade.UNRATED) == "unrated"
    assert GRADE_LABELS["unrated"] == "未评级" and GRADE_LABELS["3A"] == "3A"
    with pytest.raises(ValueError):
        grade_rank("6A")


def test_tier_order_is_masses_member_cadre():
    assert TIERS == ("masses", "party_member", "party_cadre")
    assert sorted(reversed(TIERS), key=tier_rank) == list(TIERS)
    assert "、".join(TIER_LABELS[t] for t in TIERS) == "群众、党员、党员干部"
    assert Tier.PARTY_CADRE == "party_cadre"


def test_scheme_uses_the_same_definitions():
    assert scheme.GRADES is GRADES and scheme.TIERS is TIERS
    assert scheme.lower_grade is lower_grade


def test_household_tier_takes_the_strictest_active_member():
    class P:
        def __init__(self, party, post="", active=True):
            self.is_party_member, self.cadre_post, self.active = party, post, active

    assert household_tier_of([]) == "masses"
    assert household_tier_of([P(False), P(True)]) == "party_member"
    assert household_tier_of([P(True, "party_secretary"), P(True)]) == "party_cadre"
    assert household_tier_of([P(True, "party_secretary", active=False)]) == "masses"
