"""Grading from aggregates (`sanxin.rules.aggregates`) gives exactly what the per-entry
engine gives: scores, grades, vetoes and every line of the reasons, for any household
under any scheme (caps, validity windows, repeat multipliers, veto items, tiers,
reversals, items the scheme no longer has, members who left the party).

The SQL that reads the aggregates from the database is checked against the same
reference in tests/ratings/test_aggregates.py."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sanxin.rules.aggregates import aggregate_facts, grade_from_aggregates
from sanxin.rules.defaults import load_default_scheme
from sanxin.rules.engine import (
    CreditAssessment,
    Entry,
    HouseholdFacts,
    Member,
    VetoFact,
    grade_household,
    household_tier,
    points_for_entry,
)
from sanxin.rules.scheme import GRADES, TIERS, ItemVeto, Scheme

S = load_default_scheme()
D = Decimal
CODES = [
    "affairs.training",  # +1, cap 3 per person
    "public.donation",  # +1 × quantity, cap 40 per household
    "neighbour.help",  # +1, cap 12
    "env.tidy",  # +2, cap 12, household
    "public.blood",  # +10
    "honour.county",  # +15, valid 365 days
    "env.dumping",  # −5, 365 days, repeat ×2
    "law.fighting",  # person-level −10
    "filial.abuse",  # veto item
    "integrity.fraud",  # household veto item
    "credit.overdue",  # credit component
    "party.meeting",  # vanguard +3, cap 12
    "party.miss_meeting",  # vanguard −2
    "party.cadre_targets",  # cadre-only
    "party.discipline",  # −120, to year-end
]


def compare(scheme: Scheme, facts: HouseholdFacts, as_of: date) -> None:
    full = grade_household(scheme, facts, as_of)
    agg = aggregate_facts(scheme, facts, as_of)
    fast = grade_from_aggregates(scheme, agg, as_of)
    assert fast.outcome() == full.outcome()
    assert fast.vetoes == full.vetoes
    assert fast.reasons == full.reasons
    named = {c.entry_id for c in full.contributions if c.status not in ("counted", "reversal")}
    assert named <= {e.id for e in agg.exceptions}
    by_id = {c.entry_id: c for c in full.contributions}
    assert all(by_id[c.entry_id] == c for c in fast.contributions)


@st.composite
def schemes(draw) -> Scheme:
    """The default scheme with the hot items' caps, windows, repeat multipliers and
    vetoes redrawn, and maybe some items taken out (entries of unknown items)."""
    items = []
    for item in S.items:
        if item.code in CODES:
            cap = draw(st.none() | st.integers(1, 25).map(D))
            item = dataclasses.replace(
                item,
                annual_cap=cap if item.points > 0 or draw(st.booleans()) else item.annual_cap,
                validity_days=draw(st.none() | st.integers(1, 800)),
                repeat_multiplier=draw(st.sampled_from([D(1), D("1.5"), D(2)])),
                veto=draw(
                    st.none()
                    | st.builds(ItemVeto, st.sampled_from(GRADES[:-1]), st.integers(1, 800))
                ),
            )
        items.append(item)
    return dataclasses.replace(S, items=tuple(items))


days = st.dates(date(2023, 1, 1), date(2025, 12, 31))
credits = st.none() | st.builds(
    CreditAssessment,
    assessed_on=st.dates(date(2023, 6, 1), date(2025, 6, 30)),
    area_scores=st.fixed_dictionaries(
        {a.code: st.integers(0, int(a.max_points)).map(D) for a in S.credit_areas}
    ),
)
vetoes = st.builds(
    VetoFact,
    id=st.integers(1, 9).map(lambda n: f"veto-{n}"),
    name=st.just("测试否决"),
    cap_grade=st.sampled_from(GRADES[:-1]),
    starts_on=days,
    ends_on=st.none() | st.integers(0, 900).map(lambda n: date(2025, 12, 31) + timedelta(n)),
    kind=st.sampled_from(["veto", "direct"]),
)


@st.composite
def households(draw, scheme: Scheme) -> HouseholdFacts:
    tiers = draw(st.lists(st.sampled_from(TIERS), min_size=1, max_size=3))
    members = [Member(n + 1, t) for n, t in enumerate(tiers)]
    htier = household_tier(members)
    entries: list[Entry] = []
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(CODES),
                st.integers(0, 2),
                days,
                st.integers(1, 4),
                st.integers(0, 1),
            ),
            max_size=24,
        )
    )
    for code, who, day, quantity, prior in rows:
        item = scheme.item(code)
        member = members[who % len(members)]
        person_level = item.applies_to == "person"
        tier = member.tier if person_level else htier
        if tier not in item.tiers:
            continue
        points = points_for_entry(scheme, code, tier, quantity, prior)
        person = member.person_id if person_level else None
        entries.append(Entry(len(entries) + 1, code, day, points, quantity, person, tier))
    # Manual corrections of the opposite sign (not reversals) and reversals, some
    # dated later than the entry they reverse.
    picked = draw(st.lists(st.sampled_from(entries), unique_by=lambda e: e.id)) if entries else []
    for n, e in enumerate(picked):
        later = e.occurred_on + timedelta(days=draw(st.integers(0, 400)))
        if draw(st.booleans()):
            entries.append(
                Entry(500 + n, e.item_code, later, -e.points, 1, e.person_id, e.tier, e.id)
            )
        else:
            entries.append(Entry(700 + n, e.item_code, later, -e.points, 1, e.person_id, e.tier))
    # A member may have left the party (or the household) since the points were recorded.
    if draw(st.booleans()):
        gone = draw(st.integers(0, len(members) - 1))
        if draw(st.booleans()):
            members[gone] = Member(members[gone].person_id, "masses")
        elif len(members) > 1:
            del members[gone]
    return HouseholdFacts(
        tuple(members),
        tuple(entries),
        draw(credits),
        tuple(draw(st.lists(vetoes, max_size=2, unique_by=lambda v: v.id))),
    )


@settings(max_examples=400, deadline=None)
@given(st.data(), st.dates(date(2024, 1, 1), date(2026, 6, 30)))
def test_aggregates_grade_exactly_as_the_per_entry_engine(data, as_of):
    scheme = data.draw(schemes())
    facts = data.draw(households(scheme))
    if data.draw(st.booleans()):
        # Some items taken out of the scheme since the entries were recorded.
        gone = set(data.draw(st.lists(st.sampled_from(CODES), max_size=3)))
        scheme = dataclasses.replace(
            scheme, items=tuple(i for i in scheme.items if i.code not in gone)
        )
    compare(scheme, facts, as_of)


def e(id, code, day, person=None, quantity=1, prior=0, tier="masses", **kw) -> Entry:
    points = points_for_entry(S, code, tier, quantity, prior)
    return Entry(id, code, day, points, quantity, person_id=person, tier=tier, **kw)


CREDIT = CreditAssessment(date(2025, 3, 1), {"basic": D(40), "economy": D(28), "finance": D(12)})


def test_hand_picked_households_grade_identically():
    as_of = date(2025, 11, 20)
    party = (Member(1, "party_cadre"), Member(2, "masses"))
    cases = [
        # Five trainings of one person (cap 3): the 4th and 5th are named as cut.
        HouseholdFacts(
            (Member(1),),
            tuple(e(n, "affairs.training", date(2025, 3, n), person=1) for n in range(1, 6)),
            CREDIT,
        ),
        # A repeat deduction (×2) within its window, one expired, one reversed later.
        HouseholdFacts(
            (Member(1),),
            (
                e(1, "env.dumping", date(2024, 5, 1)),
                e(2, "env.dumping", date(2025, 4, 1), prior=1),
                e(3, "env.dumping", date(2025, 6, 1), prior=1),
                Entry(4, "env.dumping", date(2025, 9, 1), D(10), reversal_of=3),
            ),
            CREDIT,
        ),
        # Donations over the household cap with a correction of the opposite sign.
        HouseholdFacts(
            (Member(1),),
            (
                e(1, "public.donation", date(2025, 1, 5), quantity=30),
                e(2, "public.donation", date(2025, 2, 5), quantity=15),
                Entry(3, "public.donation", date(2025, 3, 5), D(-5)),
                e(4, "public.donation", date(2024, 2, 5), quantity=50),
            ),
            CREDIT,
        ),
        # A cadre's vanguard points over the cap, a veto item, a member's old points.
        HouseholdFacts(
            party,
            (
                *(
                    e(n, "party.meeting", date(2025, 1, n), 1, tier="party_cadre")
                    for n in range(1, 7)
                ),
                e(10, "filial.abuse", date(2025, 2, 1), person=2),
                Entry(11, "party.meeting", date(2025, 2, 2), D(3), person_id=2),
                e(12, "credit.overdue", date(2025, 5, 1), tier="party_cadre"),
            ),
            CREDIT,
            (VetoFact("veto-1", "醉酒驾驶", "A", date(2025, 1, 1), None, "direct"),),
        ),
    ]
    for facts in cases:
        compare(S, facts, as_of)
