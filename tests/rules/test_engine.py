"""The grading engine: worked examples with hand-computed numbers, then hypothesis properties.

All examples use the default scheme: base starts at 100 of 120, credit is the credit
union's 0–100, vanguard starts at 100 of 120 per party member; masses households score
base×60% + credit×40%; party households score the lower of base×50% + credit×30% +
vanguard×20% and base×60% + credit×40%, against thresholds 3 (party member) or 5
(cadre) points higher.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sanxin.rules.defaults import load_default_scheme
from sanxin.rules.engine import (
    CreditAssessment,
    Entry,
    FactsError,
    HouseholdFacts,
    Member,
    VetoFact,
    credit_area_scores,
    grade_household,
    household_tier,
    points_for_entry,
    valid_until,
)
from sanxin.rules.scheme import GRADES, TIERS, grade_rank, lower_grade

S = load_default_scheme()
D = Decimal
END_2024 = date(2024, 12, 31)


def credit(basic=40, economy=28, finance=12, on=date(2024, 6, 1)) -> CreditAssessment:
    return CreditAssessment(on, {"basic": D(basic), "economy": D(economy), "finance": D(finance)})


def entry(id, code, day, tier="masses", person=None, quantity=1, prior=0, **kw) -> Entry:
    points = points_for_entry(S, code, tier, quantity, prior)
    return Entry(id, code, day, points, quantity, person_id=person, tier=tier, **kw)


def household(*entries, tiers=("masses",), credit_=None, vetoes=()) -> HouseholdFacts:
    members = tuple(Member(f"p{n + 1}", t) for n, t in enumerate(tiers))
    return HouseholdFacts(members, tuple(entries), credit_, tuple(vetoes))


# ====================================================================== examples


def test_points_for_entry_applies_repeats_and_tier_multipliers():
    assert points_for_entry(S, "env.dumping", "masses") == D("-5.00")
    assert points_for_entry(S, "env.dumping", "masses", prior_occurrences_in_validity=1) == -10
    assert points_for_entry(S, "env.dumping", "party_member") == D("-7.50")
    assert points_for_entry(S, "env.dumping", "party_cadre", 1, 1) == -20  # ×2 repeat, ×2 cadre
    assert points_for_entry(S, "party.miss_meeting", "party_member") == -2
    assert points_for_entry(S, "party.miss_meeting", "party_cadre") == -3  # vanguard ×1.5
    assert points_for_entry(S, "affairs.training", "party_cadre") == 1  # bonuses: no multiplier
    assert points_for_entry(S, "public.donation", "masses", quantity=5) == 5
    with pytest.raises(ValueError, match="不适用于群众"):
        points_for_entry(S, "party.meeting", "masses")
    with pytest.raises(ValueError, match="不适用于党员"):
        points_for_entry(S, "party.cadre_targets", "party_member")
    with pytest.raises(ValueError, match="不在方案"):
        points_for_entry(S, "no.such", "masses")
    with pytest.raises(ValueError, match="数量应为正整数"):
        points_for_entry(S, "env.dumping", "masses", quantity=0)


def test_worked_example_masses_household():
    """100 − 5 + 3 (training capped at 3 a year) = 98 → 98/120 = 81.67;
    81.67×60% + 80×40% = 49.002 + 32 = 81.00 → 4A; 5A needs 9.00 more, i.e. base ≥ 116."""
    facts = household(
        entry(1, "env.dumping", date(2024, 3, 1)),
        *(entry(10 + n, "affairs.training", date(2024, 4, 1 + n), person="p1") for n in range(4)),
        credit_=credit(),
    )
    r = grade_household(S, facts, END_2024)
    assert r.tier == "masses"
    assert r.component("base").raw == 98
    assert r.component("base").score == D("81.67")
    assert r.component("credit").score == 80
    assert r.component("vanguard").score is None
    assert r.total == D("81.00")
    assert (r.computed_grade, r.grade) == ("4A", "4A")
    assert r.next_grade == "5A"
    assert r.points_to_next_grade == D("9.00")
    assert r.base_points_to_next_grade == 18  # 98 + 18 = 116 → 96.67×60% + 32 = 90.00
    statuses = {c.entry_id: (c.status, c.counted_points) for c in r.contributions}
    assert statuses[1] == ("counted", -5)
    assert statuses[12] == ("counted", 1)
    assert statuses[13] == ("capped", 0)
    assert "此人2024年该项已达上限3分，本条不再计分" in "".join(r.reasons)
    assert "距5A还差9分" in "".join(r.reasons)
    json.dumps(r.to_dict(), ensure_ascii=False)  # storable as the rating's explanation


def test_party_cadre_and_villager_with_the_same_conduct_get_different_grades():
    """Same conduct (one rubbish-dumping deduction), same credit (85):
    villager: 100−5 = 95 → 79.17; 47.50 + 34 = 81.50 → 4A (≥80).
    party member: deduction ×1.5 → 92.5 → 77.08; vanguard 100/120 = 83.33;
      min(38.54+25.5+16.67 = 80.71, 46.25+34 = 80.25) = 80.25 → 3A (4A needs 83).
    cadre: deduction ×2 → 90 → 75.00; min(37.5+25.5+16.67 = 79.67, 45+34 = 79.00) = 79.00
      → 3A (4A needs 85)."""
    c = credit(45, 28, 12)
    day = date(2024, 3, 1)
    villager = grade_household(S, household(entry(1, "env.dumping", day), credit_=c), END_2024)
    member = grade_household(
        S,
        household(entry(1, "env.dumping", day, "party_member"), tiers=("party_member",), credit_=c),
        END_2024,
    )
    cadre = grade_household(
        S,
        household(
            entry(1, "env.dumping", day, "party_cadre"), tiers=("party_cadre", "masses"), credit_=c
        ),
        END_2024,
    )
    assert (villager.total, villager.grade) == (D("81.50"), "4A")
    assert member.formula_totals == (D("80.71"), D("80.25"))
    assert (member.total, member.grade) == (D("80.25"), "3A")
    assert cadre.component("base").raw == 90
    assert cadre.component("vanguard").score == D("83.33")
    assert cadre.formula_totals == (D("79.67"), D("79.00"))
    assert (cadre.tier, cadre.total, cadre.grade) == ("party_cadre", D("79.00"), "3A")
    assert cadre.thresholds["4A"] == 85
    assert "本户按“党员干部户”标准评定（家庭成员中有党员干部）。" in cadre.reasons
    assert cadre.points_to_next_grade == D("6.00")


def test_an_entry_outside_its_validity_window_stops_counting():
    """A deduction counts 365 days: 2024-03-01 … 2025-02-28."""
    facts = household(entry(1, "env.dumping", date(2024, 3, 1)), credit_=credit())
    assert valid_until(S.item("env.dumping"), date(2024, 3, 1)) == date(2025, 2, 28)
    before = grade_household(S, facts, date(2025, 2, 28))
    after = grade_household(S, facts, date(2025, 3, 1))
    assert before.contributions[0].status == "counted"
    assert (before.total, before.grade) == (D("79.50"), "3A")  # 79.17×60% + 32
    assert after.contributions[0].status == "expired"
    assert after.contributions[0].counted_points == 0
    assert (after.total, after.grade) == (D("82.00"), "4A")  # 83.33×60% + 32
    assert any("有效期至2025-02-28，已过期" in line for line in after.reasons)
    # Entries dated after as_of do not count yet.
    early = grade_household(S, facts, date(2024, 2, 29))
    assert early.contributions[0].status == "not_yet"


def test_bonuses_count_until_the_end_of_their_year():
    facts = household(entry(1, "public.blood", date(2024, 11, 1), person="p1"), credit_=credit())
    assert grade_household(S, facts, END_2024).component("base").raw == 110
    assert grade_household(S, facts, date(2025, 1, 1)).component("base").raw == 100


def test_a_veto_caps_the_grade_until_it_ends():
    veto = VetoFact(7, "醉酒驾驶", "A", date(2024, 5, 1), date(2026, 4, 30), kind="direct")
    facts = household(credit_=credit(), vetoes=[veto])
    r = grade_household(S, facts, END_2024)
    assert (r.total, r.computed_grade, r.grade) == (D("82.00"), "4A", "A")
    assert r.next_grade is None and r.points_to_next_grade is None
    assert r.vetoes[0].binding
    text = "\n".join(r.reasons)
    assert "直接判级：醉酒驾驶（2024-05-01至2026-04-30），期间直接判为A" in text
    assert "因此等级由4A降为A。" in text
    after = grade_household(S, facts, date(2026, 5, 1))
    assert after.grade == "4A" and after.vetoes == ()


def test_direct_grading_to_unrated_and_a_veto_item():
    ban = VetoFact("d1", "被列为失信被执行人", "unrated", date(2024, 1, 1), None, kind="direct")
    r = grade_household(S, household(credit_=credit(), vetoes=[ban]), END_2024)
    assert r.grade == "unrated" and r.total == D("82.00")

    abuse = entry(1, "filial.abuse", date(2024, 3, 1), person="p1")
    r = grade_household(S, household(abuse, credit_=credit(46, 40, 14)), END_2024)
    # 100 − 50 = 50 → 41.67 × 60% = 25.00, + 100 × 40% = 65.00 → 2A, capped at A for 730 days.
    assert (r.total, r.computed_grade, r.grade) == (D("65.00"), "2A", "A")
    assert r.vetoes[0].source == "item" and r.vetoes[0].ends_on == date(2026, 2, 28)
    assert "一票否决：虐待父母或拒不赡养" in "\n".join(r.reasons)


def test_a_reversal_restores_the_previous_grade_exactly():
    before = household(credit_=credit())
    fight = entry(1, "law.fighting", date(2024, 6, 1), person="p1")
    undo = Entry(2, "law.fighting", date(2024, 7, 1), -fight.points, person_id="p1", reversal_of=1)
    with_fight = household(fight, credit_=credit())
    reversed_ = household(fight, undo, credit_=credit())
    r0 = grade_household(S, before, END_2024)
    r1 = grade_household(S, with_fight, END_2024)
    r2 = grade_household(S, reversed_, END_2024)
    assert (r0.total, r0.grade) == (D("82.00"), "4A")
    assert (r1.total, r1.grade) == (D("77.00"), "3A")  # 90 → 75 → 45 + 32
    assert r2.outcome() == r0.outcome()
    assert [c.status for c in r2.contributions] == ["reversed", "reversal"]

    # A reversed veto item lifts its veto too.
    abuse = entry(3, "filial.abuse", date(2024, 3, 1), person="p1")
    undo_abuse = Entry(4, abuse.item_code, date(2024, 9, 1), D(50), person_id="p1", reversal_of=3)
    r3 = grade_household(S, household(abuse, undo_abuse, credit_=credit()), END_2024)
    assert r3.outcome() == r0.outcome() and r3.vetoes == ()


def test_caps_are_per_person_for_person_items_and_per_household_otherwise():
    facts = household(
        *(entry(n, "affairs.training", date(2024, 2, n), person="p1") for n in range(1, 5)),
        *(entry(10 + n, "affairs.training", date(2024, 2, n), person="p2") for n in range(1, 5)),
        entry(20, "public.donation", date(2024, 3, 1), quantity=30),
        entry(21, "public.donation", date(2024, 4, 1), quantity=20),
        entry(22, "public.donation", date(2025, 1, 2), quantity=5),  # next year: a new cap
        tiers=("masses", "masses"),
        credit_=credit(),
    )
    r = grade_household(S, facts, END_2024)
    by_id = {c.entry_id: c for c in r.contributions}
    assert by_id[21].status == "capped" and by_id[21].counted_points == 10
    assert "本户2024年该项上限40分，本条只计加10分（超出10分不计）" in by_id[21].note
    assert by_id[4].status == by_id[14].status == "capped"
    assert r.component("base").raw == 100 + 3 + 3 + 40
    r2025 = grade_household(S, facts, date(2025, 1, 31))
    assert {c.entry_id: c.status for c in r2025.contributions}[22] == "counted"
    assert r2025.component("base").raw == 105


def test_vanguard_is_averaged_over_party_members():
    facts = household(
        *(entry(n, "party.meeting", date(2024, 3, n), "party_member", "p1") for n in range(1, 6)),
        entry(9, "party.miss_meeting", date(2024, 5, 1), "party_cadre", "p2"),
        entry(10, "party.meeting", date(2024, 3, 1), "party_member", "p3"),  # p3 is masses now
        tiers=("party_member", "party_cadre", "masses"),
        credit_=credit(),
    )
    r = grade_household(S, facts, END_2024)
    assert r.tier == "party_cadre"
    assert [(v.person_id, v.raw, v.score) for v in r.vanguard_members] == [
        ("p1", D(112), D("93.33")),  # +3 × 5 capped at 12
        ("p2", D(97), D("80.83")),  # −2 × 1.5
    ]
    assert r.component("vanguard").score == D("87.08")  # (93.33 + 80.83) / 2
    assert {c.entry_id: c.status for c in r.contributions}[10] == "not_party_member"


def test_without_a_valid_credit_assessment_the_household_is_unrated():
    r = grade_household(S, household(), END_2024)
    assert (r.total, r.grade, r.next_grade, r.credit_status) == (None, "unrated", None, "missing")
    assert any("信用联社还没有入户评分" in line for line in r.reasons)
    old = household(credit_=credit(on=date(2022, 6, 1)))
    # Valid 730 days: 2022-06-01 … 2024-05-30.
    assert grade_household(S, old, date(2024, 5, 30)).credit_status == "ok"
    expired = grade_household(S, old, date(2024, 5, 31))
    assert (expired.credit_status, expired.grade) == ("expired", "unrated")
    future = grade_household(S, household(credit_=credit(on=date(2025, 1, 5))), END_2024)
    assert future.credit_status == "future"


def test_credit_area_scores_from_the_visit_sheet():
    answers = {
        "household_size": "3plus",
        "workers": "2",
        "village_appraisal": "good",
        "total_assets": "ge_1",
        "net_assets": "ge_0_5",
        "net_income": "ge_1",
        "deposits": "some",
        "repayment": "normal",
    }
    assert credit_area_scores(S, answers) == {"basic": 40, "economy": 30, "finance": 12}
    with pytest.raises(ValueError, match="缺少指标“劳动力人数”"):
        credit_area_scores(S, {k: v for k, v in answers.items() if k != "workers"})
    with pytest.raises(ValueError, match="没有选项"):
        credit_area_scores(S, {**answers, "repayment": "maybe"})


def test_bad_facts_are_refused():
    e = entry(1, "env.dumping", date(2024, 3, 1))
    with pytest.raises(FactsError, match="编号重复"):
        grade_household(S, household(e, e), END_2024)
    with pytest.raises(FactsError, match="0 到 46"):
        grade_household(S, household(credit_=credit(basic=47)), END_2024)
    with pytest.raises(FactsError, match="as_of"):
        grade_household(S, household(), "2024-12-31")


def test_household_tier_is_the_strictest_member():
    assert household_tier([]) == "masses"
    assert household_tier([Member(1, "masses"), Member(2, "party_member")]) == "party_member"
    assert household_tier([Member(1, "party_cadre"), Member(2, "party_member")]) == "party_cadre"


# ==================================================================== properties

PROPERTY = settings(max_examples=150, deadline=None)

HOT_ITEMS = [
    S.item(code)
    for code in (
        "affairs.training",  # +1, cap 3 per person
        "public.donation",  # +1 × quantity, cap 40 per household
        "neighbour.help",  # +1, cap 12
        "public.blood",  # +10, no cap
        "honour.county",  # +15, valid 365 days
        "env.dumping",  # −5, 365 days, repeat ×2
        "law.fighting",  # person-level −10
        "law.felling",  # −50, 730 days
        "filial.abuse",  # veto item
        "integrity.fraud",  # household veto item
        "credit.overdue",  # credit component
        "party.meeting",  # vanguard +3, cap 12
        "party.miss_meeting",  # vanguard −2
        "party.cadre_targets",  # cadre-only
        "party.discipline",  # −120, valid to year-end
    )
]
SHARED_ITEMS = [i for i in HOT_ITEMS if i.component != "vanguard"]
SHARED_VANGUARD = [i for i in HOT_ITEMS if i.component == "vanguard" and len(i.tiers) == 2]
POSITIVE_ITEMS = [i for i in S.items if i.points > 0]

days = st.dates(date(2023, 1, 1), date(2025, 12, 31))
as_of_days = st.dates(date(2024, 1, 1), date(2025, 12, 31))
conduct = st.tuples(st.integers(0, 2), days, st.integers(1, 3), st.integers(0, 1))
credits = st.builds(
    CreditAssessment,
    assessed_on=st.dates(date(2023, 6, 1), date(2025, 6, 30)),
    area_scores=st.fixed_dictionaries(
        {a.code: st.integers(0, int(a.max_points)).map(Decimal) for a in S.credit_areas}
    ),
)
veto_facts = st.builds(
    VetoFact,
    id=st.integers(1, 9),
    name=st.just("测试否决"),
    cap_grade=st.sampled_from(GRADES[:-1]),
    starts_on=days,
    ends_on=st.none() | days.map(lambda d: d + timedelta(days=400)),
    kind=st.sampled_from(["veto", "direct"]),
).map(lambda v: v if v.ends_on is None or v.ends_on >= v.starts_on else None)


def make_entry(id, item, member, htier, day, quantity, prior) -> Entry | None:
    """The entry the recording service would write, or None if the item does not apply."""
    person_level = item.applies_to == "person"
    tier = member.tier if person_level else htier
    if tier not in item.tiers:
        return None
    points = points_for_entry(S, item.code, tier, quantity, prior)
    person = member.person_id if person_level else None
    return Entry(id, item.code, day, points, quantity, person_id=person, tier=tier)


def build(members, rows, start=1) -> list[Entry]:
    htier = household_tier(members)
    out = []
    for n, (item, (who, day, quantity, prior)) in enumerate(rows):
        e = make_entry(start + n, item, members[who % len(members)], htier, day, quantity, prior)
        if e is not None:
            out.append(e)
    return out


@st.composite
def households(draw, with_credit=True):
    tiers = draw(st.lists(st.sampled_from(TIERS), min_size=1, max_size=3))
    members = tuple(Member(f"p{n + 1}", t) for n, t in enumerate(tiers))
    rows = draw(st.lists(st.tuples(st.sampled_from(HOT_ITEMS), conduct), max_size=14))
    entries = build(members, rows)
    # Some entries reversed afterwards (an appeal upheld, a recording mistake).
    for n, e in enumerate(draw(st.lists(st.sampled_from(entries), unique=True)) if entries else []):
        entries.append(
            Entry(
                500 + n,
                e.item_code,
                e.occurred_on,
                -e.points,
                e.quantity,
                e.person_id,
                e.tier,
                e.id,
            )
        )
    credit_ = draw(credits if with_credit else st.none() | credits)
    vetoes = [
        v for v in draw(st.lists(veto_facts, max_size=2, unique_by=lambda v: v and v.id)) if v
    ]
    return HouseholdFacts(members, tuple(entries), credit_, tuple(vetoes))


@PROPERTY
@given(households(with_credit=False), as_of_days, st.data())
def test_an_approved_positive_entry_never_lowers_the_grade(facts, as_of, data):
    item = data.draw(st.sampled_from(POSITIVE_ITEMS))
    member = data.draw(st.sampled_from(facts.members))
    day = data.draw(days)
    new = make_entry(
        999, item, member, household_tier(facts.members), day, data.draw(st.integers(1, 3)), 0
    )
    assume(new is not None)
    before = grade_household(S, facts, as_of)
    after = grade_household(
        S, HouseholdFacts(facts.members, (*facts.entries, new), facts.credit, facts.vetoes), as_of
    )
    assert grade_rank(after.grade) >= grade_rank(before.grade)
    assert grade_rank(after.computed_grade) >= grade_rank(before.computed_grade)
    if before.total is not None:
        assert after.total >= before.total
    for b, a in zip(before.components, after.components, strict=True):
        if b.score is not None:
            assert a.score >= b.score


@PROPERTY
@given(households(), as_of_days)
def test_annual_caps_are_respected(facts, as_of):
    r = grade_household(S, facts, as_of)
    spent: dict[tuple, Decimal] = {}
    for c in r.contributions:
        if c.status not in ("counted", "capped"):
            assert c.counted_points == 0
            continue
        assert abs(c.counted_points) <= abs(c.recorded_points)
        assert c.counted_points == 0 or (c.counted_points > 0) == (c.recorded_points > 0)
        item = S.item(c.item_code)
        if item.annual_cap is not None:
            who = c.person_id if item.applies_to == "person" else None
            key = (item.code, c.occurred_on.year, who)
            spent[key] = spent.get(key, D(0)) + abs(c.counted_points)
            assert spent[key] <= item.annual_cap
        if c.status == "capped":
            assert c.counted_points != c.recorded_points


@PROPERTY
@given(households(), as_of_days)
def test_validity_windows_are_respected(facts, as_of):
    r = grade_household(S, facts, as_of)
    counted = [c for c in r.contributions if c.status in ("counted", "capped")]
    for c in counted:
        assert c.occurred_on <= as_of <= c.valid_until
    for c in r.contributions:
        if c.status == "expired":
            assert as_of > c.valid_until
    if counted:
        first = counted[0]
        later = grade_household(S, facts, first.valid_until + timedelta(days=1))
        assert {x.entry_id: x.status for x in later.contributions}[first.entry_id] == "expired"


@PROPERTY
@given(households(with_credit=False), as_of_days, st.sampled_from(GRADES[:-1]), st.data())
def test_a_veto_always_dominates(facts, as_of, cap, data):
    starts = data.draw(st.dates(as_of - timedelta(days=800), as_of))
    ends = data.draw(st.none() | st.dates(as_of, as_of + timedelta(days=800)))
    veto = VetoFact(
        "x", "否决", cap, starts, ends, kind=data.draw(st.sampled_from(["veto", "direct"]))
    )
    before = grade_household(S, facts, as_of)
    after = grade_household(
        S, HouseholdFacts(facts.members, facts.entries, facts.credit, (*facts.vetoes, veto)), as_of
    )
    assert grade_rank(after.grade) <= grade_rank(cap)
    assert after.grade == lower_grade(before.grade, cap)
    assert after.total == before.total  # a veto caps the grade, it does not touch the points
    if after.grade == cap:
        assert after.next_grade is None and after.points_to_next_grade is None


@PROPERTY
@given(households(with_credit=False), as_of_days, st.randoms(use_true_random=False))
def test_the_same_facts_always_give_the_same_result(facts, as_of, rnd: random.Random):
    shuffled = HouseholdFacts(
        tuple(rnd.sample(facts.members, len(facts.members))),
        tuple(rnd.sample(facts.entries, len(facts.entries))),
        facts.credit,
        tuple(rnd.sample(facts.vetoes, len(facts.vetoes))),
    )
    first = grade_household(S, facts, as_of)
    assert grade_household(S, shuffled, as_of) == first
    assert grade_household(S, facts, as_of) == first


@PROPERTY
@given(households(), as_of_days, st.sampled_from(HOT_ITEMS), conduct, days)
def test_a_reversal_cancels_exactly(facts, as_of, item, row, reversed_on):
    who, day, quantity, prior = row
    x = make_entry(
        900,
        item,
        facts.members[who % len(facts.members)],
        household_tier(facts.members),
        day,
        quantity,
        prior,
    )
    assume(x is not None)
    undo = Entry(901, x.item_code, reversed_on, -x.points, x.quantity, x.person_id, x.tier, 900)
    base = grade_household(S, facts, as_of)
    cancelled = grade_household(
        S,
        HouseholdFacts(facts.members, (*facts.entries, x, undo), facts.credit, facts.vetoes),
        as_of,
    )
    assert cancelled.outcome() == base.outcome()
    assert cancelled.vetoes == base.vetoes


@PROPERTY
@given(
    st.integers(1, 3),
    st.lists(st.tuples(st.sampled_from(SHARED_ITEMS), conduct), max_size=12),
    st.lists(st.tuples(st.sampled_from(SHARED_VANGUARD), conduct), max_size=6),
    credits,
    as_of_days,
)
def test_stricter_tiers_never_grade_higher_for_the_same_conduct(size, rows, vrows, credit_, as_of):
    """Same conduct, same credit: a cadre's household ≤ a party member's ≤ a villager's."""
    results = {}
    for tier in TIERS:
        members = (Member("p1", tier), *(Member(f"p{n}", "masses") for n in range(2, size + 1)))
        entries = build(members, rows)
        if tier != "masses":  # vanguard conduct, all by p1
            entries += build(members, [(i, (0, *rest)) for i, (_, *rest) in vrows], start=100)
        results[tier] = grade_household(S, HouseholdFacts(members, tuple(entries), credit_), as_of)
    masses, member, cadre = (results[t] for t in TIERS)
    if masses.total is not None:
        assert cadre.total <= member.total <= masses.total
    for attr in ("computed_grade", "grade"):
        ranks = [grade_rank(getattr(r, attr)) for r in (cadre, member, masses)]
        assert ranks == sorted(ranks)
