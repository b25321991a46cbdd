"""The computed indicators, each recomputed here independently (plain Python over the
rows), for every town and village; the scoring rules (hypothesis); fixed query counts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxin.engagement.models import CheckIn, Suggestion
from sanxin.households.models import Household
from sanxin.ledger.models import Entry
from sanxin.lending.models import CreditLine, Loan
from sanxin.oversight.assessment.choices import RuleKind
from sanxin.oversight.assessment.compute import compute
from sanxin.oversight.assessment.indicators import REGISTRY, Context
from sanxin.oversight.assessment.scoring import Rule
from sanxin.ratings.models import Appeal, Cycle, GradeRecord
from tests.factories import child, make_household
from tests.lending import books
from tests.oversight import assessment_data as data

pytestmark = pytest.mark.django_db
YEAR = data.YEAR


def _pct(n, d):
    if not d:
        return None
    return (Decimal(n) * 100 / Decimal(d)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _under(region, household) -> bool:
    return household.village.path.startswith(region.path)


@pytest.fixture
def year_of_records(world, scheme):
    """A year of records in the home district, spread unevenly over its villages."""
    u = world.users["committee_member"]
    data.graded(world.household, "3A")
    data.graded(world.household_a1_2, "unrated")
    data.graded(world.household_a2, "4A")
    data.graded(world.household_b1, "5A", period="2024")  # another year
    data.entry(world.household, u, recorded=date(YEAR, 3, 1), reviewed_after_days=2)
    data.entry(world.household, u, recorded=date(YEAR, 3, 2), reviewed_after_days=9)
    data.entry(world.household_a1_2, u, recorded=date(YEAR, 5, 1), reviewed_after_days=None)
    data.entry(world.household_a2, u, recorded=date(YEAR, 6, 1), reviewed_after_days=7)
    data.entry(world.household_b1, u, recorded=date(YEAR - 1, 12, 30), reviewed_after_days=1)
    data.appeal(world.household, u, decided=date(YEAR, 11, 1))
    data.appeal(world.household_a1_2, u, decided=date(YEAR, 11, 6))
    data.final_cycle(world.village_a2)  # went to notice, nobody appealed
    data.check_in(world.household, u, on=date(YEAR, 4, 1))
    data.check_in(world.household, u, on=date(YEAR, 5, 1))
    data.check_in(world.household_a2, u, on=date(YEAR, 5, 1), cancelled=True)
    data.check_in(world.household_b1, u, on=date(YEAR, 7, 1))
    line = books.line(world.household, amount="100000", granted_on=date(YEAR, 11, 4))
    books.loan(line, principal="30000", on=date(YEAR, 12, 1), term=12)
    books.loan(line, principal="10000", on=date(YEAR + 1, 1, 5), term=12)  # next year
    books.line(world.household_a2, amount="50000", granted_on=date(YEAR, 11, 5))
    data.suggestion(world.household, u, on=date(YEAR, 2, 1), answered=True)
    data.suggestion(world.household, u, on=date(YEAR, 2, 2), answered=False)
    data.suggestion(world.household_b1, u, on=date(YEAR, 2, 3), answered=True)
    data.shop(world.village_a1, [world.village_a1], u, code="A1", money_on=date(YEAR, 3, 10))
    data.shop(world.town_b, [world.village_b1], u, code="TB", money_on=date(YEAR - 1, 6, 1))
    return world


def _regions(w):
    return [w.town_a, w.town_b, w.village_a1, w.village_a2, w.village_b1]


def _households(region):
    return [h for h in Household.objects.select_related("village") if _under(region, h)]


def test_rating_coverage(year_of_records):
    w = year_of_records
    got = REGISTRY["rating_coverage"].compute(Context(w.district, YEAR))
    for region in _regions(w):
        homes = [h for h in _households(region) if h.status == "active"]
        rated = {
            g.household_id
            for g in GradeRecord.objects.select_related("cycle")
            if g.cycle.period.startswith(str(YEAR)) and g.grade != "unrated"
        }
        expected = _pct(len([h for h in homes if h.pk in rated]), len(homes))
        assert got[region.pk].value == expected, region.name
    assert got[w.town_a.pk].working == "已评定 2 户 / 在册 3 户 = 66.67%"


def test_review_timely(year_of_records):
    w = year_of_records
    got = REGISTRY["review_timely"].compute(Context(w.district, YEAR))
    for region in _regions(w):
        entries = [
            e
            for e in Entry.objects.select_related("household__village")
            if _under(region, e.household) and e.recorded_at.year == YEAR
        ]
        ok = [
            e
            for e in entries
            if hasattr(e, "review") and e.review.reviewed_at - e.recorded_at <= timedelta(days=7)
        ]
        assert got[region.pk].value == _pct(len(ok), len(entries)), region.name
    assert got[w.village_a1.pk].working == "7 日内审核 1 条 / 记录 3 条 = 33.33%"


def test_appeals_timely(year_of_records):
    w = year_of_records
    got = REGISTRY["appeals_timely"].compute(Context(w.district, YEAR))
    appeals = list(Appeal.objects.select_related("cycle__village", "household__village"))
    for region in _regions(w):
        mine = [a for a in appeals if a.cycle.village.path.startswith(region.path)]
        ok = [
            a
            for a in mine
            if hasattr(a, "decision")
            and timezone.localtime(a.decision.decided_at).date() <= a.cycle.notice_ends_on
        ]
        noticed = Cycle.objects.filter(
            village__path__startswith=region.path, period=str(YEAR), notice_starts_on__isnull=False
        ).exists()
        expected = _pct(len(ok), len(mine)) if mine else (Decimal(100) if noticed else None)
        assert got[region.pk].value == expected, region.name
    assert got[w.village_a2.pk].working.endswith("无人提出异议，按 100% 计")
    assert got[w.village_b1.pk].value is None


def test_activity_participation(year_of_records):
    w = year_of_records
    got = REGISTRY["activity_participation"].compute(Context(w.district, YEAR))
    checkins = list(CheckIn.objects.select_related("activity", "household__village"))
    for region in _regions(w):
        homes = _households(region)
        came = {
            c.household_id
            for c in checkins
            if _under(region, c.household)
            and c.activity.cancelled_at is None
            and c.activity.starts_at.year == YEAR
        }
        assert got[region.pk].value == _pct(len(came), len(homes)), region.name


def test_credit_usage(year_of_records):
    w = year_of_records
    got = REGISTRY["credit_usage"].compute(Context(w.district, YEAR))
    for region in _regions(w):
        lines = [
            line
            for line in CreditLine.objects.select_related("village")
            if line.village.path.startswith(region.path) and line.granted_at.year == YEAR
        ]
        granted = sum((line.granted_amount for line in lines), Decimal(0))
        used = sum(
            (
                loan.principal
                for loan in Loan.objects.all()
                if loan.credit_line_id in {line.pk for line in lines}
                and loan.disbursed_on.year <= YEAR
            ),
            Decimal(0),
        )
        assert got[region.pk].value == _pct(used, granted), region.name
    assert got[w.town_a.pk].working == "用信 30,000.00 元 / 授信 150,000.00 元 = 20%"


def test_suggestions_answered(year_of_records):
    w = year_of_records
    got = REGISTRY["suggestions_answered"].compute(Context(w.district, YEAR))
    for region in _regions(w):
        made = [
            s
            for s in Suggestion.objects.select_related("village")
            if s.village.path.startswith(region.path)
        ]
        ok = [s for s in made if s.replied_at is not None]
        assert got[region.pk].value == _pct(len(ok), len(made)), region.name


def test_shop_funding(year_of_records):
    w = year_of_records
    got = REGISTRY["shop_funding"].compute(Context(w.district, YEAR, today=date(YEAR + 1, 2, 1)))
    assert got[w.village_a1.pk].value == 10  # money from March
    assert "未达到的月份：2025-01、2025-02" in got[w.village_a1.pk].working
    assert got[w.village_b1.pk].value == 12  # the town's shop, funded the year before
    assert got[w.town_b.pk].value == 12
    assert got[w.town_a.pk].value == 10
    assert got[w.village_a2.pk].value is None  # no shop serves it
    # Part of the year: only the months begun so far count.
    early = REGISTRY["shop_funding"].compute(Context(w.district, YEAR, today=date(YEAR, 4, 15)))
    assert early[w.village_a1.pk].working.startswith("4 个月中 2 个月")


def test_query_count_does_not_grow_with_villages(year_of_records, scheme):
    w = year_of_records
    assessment = data.scored_scheme(w)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            compute(assessment, today=date(YEAR + 1, 1, 10))
        return len(ctx.captured_queries)

    before = queries()
    for n in range(4):
        village = child(w.town_b, f"新村{n}", kind="村")
        group = child(village, "第一村民小组")
        make_household(village, group, "001", head=f"新户{n}", head_seq=900 + n)
        data.graded(Household.objects.get(village=village), "3A")
    assert queries() == before


# --- scoring rules -----------------------------------------------------------------

values = st.decimals(min_value=-1000, max_value=100000, places=2, allow_nan=False)
weights = st.decimals(min_value=Decimal("0.5"), max_value=100, places=2)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weight=weights, floor=values, span=st.decimals(min_value="0.01", max_value=1000, places=2),
       a=values, b=values)  # fmt: skip
def test_linear_scores_stay_within_the_weight_and_rise_with_the_value(weight, floor, span, a, b):
    rule = Rule(RuleKind.LINEAR, floor=floor, target=floor + span, unit="%")
    low, high = sorted((a, b))
    s_low, _ = rule.score(low, weight)
    s_high, _ = rule.score(high, weight)
    assert Decimal(0) <= s_low <= s_high <= weight.quantize(Decimal("0.01"))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    weight=weights,
    steps=st.lists(st.tuples(values, st.decimals(min_value=0, max_value=1, places=2)), max_size=5),
    a=values,
    b=values,
)
def test_thresholds_stay_within_the_weight_and_rise_with_the_value(weight, steps, a, b):
    ats = sorted({at for at, _ in steps})
    fractions = sorted(f for _, f in steps)[: len(ats)]
    rule = Rule(
        RuleKind.THRESHOLDS,
        steps=tuple(zip(ats, (weight * f for f in fractions), strict=True)),
    )
    low, high = sorted((a, b))
    assert Decimal(0) <= rule.score(low, weight)[0] <= rule.score(high, weight)[0] <= weight


def test_the_working_explains_the_score():
    rule = Rule(RuleKind.LINEAR, floor=Decimal(60), target=Decimal(95), unit="%")
    assert rule.score(Decimal("92.31"), Decimal(20)) == (
        Decimal("18.46"),
        "（92.31 − 60）÷（95 − 60）× 20 = 18.46 分",
    )
    assert rule.score(None, Decimal(20))[0] == 0
    steps = Rule(
        RuleKind.THRESHOLDS, steps=((Decimal(80), Decimal(4)), (Decimal(100), Decimal(10)))
    )
    assert steps.score(Decimal(90), Decimal(10)) == (Decimal("4.00"), "90 达到 80 一档，得 4 分")
