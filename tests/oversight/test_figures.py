"""The dashboards' figures (oversight/figures.py) against the database counted another
way: plain ORM counts and raw SQL per village, on a district with several towns and
villages; the levels add up; the number of queries stays fixed as villages grow."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from sanxin.accounts.scope import scope_for
from sanxin.engagement.models import CheckIn, Suggestion
from sanxin.households.models import Household
from sanxin.ledger.models import Entry, Review, VetoEvent
from sanxin.lending.report_selectors import Period as LendingPeriod
from sanxin.lending.report_selectors import worth_report_for
from sanxin.oversight.figures import AGE_BANDS, NOT_YET, Figures, Period, dashboard
from sanxin.ratings.models import Appeal, GradeRecord
from sanxin.ratings.standing import grade_in_force
from sanxin.regions.models import Region
from sanxin.rewards.models import Candidate, Redemption
from tests.oversight.dash_world import PERIOD_END, PERIOD_START, add_villages, populate

PERIOD = Period(PERIOD_START, PERIOD_END)


@pytest.fixture
def district(world, scheme):
    add_villages(world, towns=2, villages=2, households=5)
    populate(world, world.users)
    return world


def _households(region):
    return Household.objects.filter(villager_group__path__startswith=region.path)


def _independent(region) -> dict:
    """The figures of `region` counted one household or one row at a time."""
    hs = list(_households(region))
    ids = [h.pk for h in hs]
    start, end = PERIOD.moments()
    grades = Counter()
    for h in hs:
        record = grade_in_force(h)
        grades[record.grade if record else NOT_YET] += 1
    now = timezone.now()
    backlog = [0] * len(AGE_BANDS)
    for e in Entry.objects.filter(household_id__in=ids, review__isnull=True):
        age = (now - e.recorded_at).days
        for i, (_label, first, last) in enumerate(AGE_BANDS):
            if age >= first and (last is None or age <= last):
                backlog[i] += 1
    appeals = Appeal.objects.filter(household_id__in=ids, filed_at__gte=start, filed_at__lt=end)
    waited = sum(
        ((a.decision.decided_at - a.filed_at) for a in appeals if hasattr(a, "decision")),
        timedelta(0),
    )
    redemptions = Redemption.objects.filter(
        household_id__in=ids, occurred_at__gte=start, occurred_at__lt=end, void__isnull=True
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM ledger_entry WHERE household_id IN ({}) "
            "AND recorded_at >= %s AND recorded_at < %s".format(",".join(map(str, ids or [0]))),
            [start, end],
        )
        recorded = cursor.fetchone()[0]
    return {
        "households": len(hs),
        "grades": grades,
        "recorded": recorded,
        "approved": Review.objects.filter(
            entry__household_id__in=ids, approved=True, reviewed_at__gte=start, reviewed_at__lt=end
        ).count(),
        "rejected": Review.objects.filter(
            entry__household_id__in=ids, approved=False, reviewed_at__gte=start, reviewed_at__lt=end
        ).count(),
        "backlog": backlog,
        "appeals": appeals.count(),
        "upheld": sum(1 for a in appeals if hasattr(a, "decision") and a.decision.upheld),
        "waited": waited,
        "vetoes": sum(
            1
            for v in VetoEvent.objects.filter(household_id__in=ids, revokes__isnull=True)
            if PERIOD_START <= v.starts_on <= PERIOD_END and not hasattr(v, "revoked_by")
        ),
        "redemptions": redemptions.count(),
        "points": sum((r.total_points for r in redemptions), Decimal(0)),
        "suggestions": Suggestion.objects.filter(household_id__in=ids).count(),
        "answered": Suggestion.objects.filter(
            household_id__in=ids, replied_at__isnull=False
        ).count(),
        "candidates": Candidate.objects.filter(household_id__in=ids)
        .exclude(status="withdrawn")
        .count(),
        "listed": Candidate.objects.filter(household_id__in=ids, status="accepted").count(),
        "participating": len(
            set(CheckIn.objects.filter(household_id__in=ids).values_list("household_id", flat=True))
        ),
    }


def _check(f: Figures, expected: dict) -> None:
    assert f.households == expected["households"]
    assert +f.grades == +expected["grades"]
    assert f.entries_recorded == expected["recorded"]
    assert f.entries_approved == expected["approved"]
    assert f.entries_rejected == expected["rejected"]
    assert f.backlog == expected["backlog"]
    assert f.appeals_filed == expected["appeals"]
    assert f.appeals_upheld == expected["upheld"]
    assert f.answer_time == expected["waited"]
    assert f.vetoes == expected["vetoes"]
    assert f.redemptions == expected["redemptions"]
    assert f.redemption_points == expected["points"]
    assert f.suggestions == expected["suggestions"]
    assert f.suggestions_answered == expected["answered"]
    assert f.candidates == expected["candidates"]
    assert f.candidates_listed == expected["listed"]
    assert f.participating == expected["participating"]


def test_every_village_and_the_district_match_an_independent_count(district):
    w = district
    board = dashboard(w.district, PERIOD, with_lending=True)
    _check(board.total, _independent(w.district))
    villages = Region.objects.filter(path__startswith=w.district.path, level="village")
    assert villages.count() >= 7
    for village in villages:
        vboard = dashboard(village, PERIOD, with_lending=True)
        _check(vboard.total, _independent(village))
        # every village has figures worth checking
        assert vboard.total.households and vboard.total.entries_recorded
    assert board.total.vetoes and board.total.appeals_upheld and board.total.pending


def test_levels_add_up(district):
    w = district
    board = dashboard(w.district, PERIOD, with_lending=True)
    towns = Figures(lending=None)
    for row in board.rows:
        assert row.region is not None and row.region.level == "town"
        town_board = dashboard(row.region, PERIOD, with_lending=True)
        assert town_board.total == row.figures
        villages = Figures()
        for vrow in town_board.rows:
            village_board = dashboard(vrow.region, PERIOD, with_lending=True)
            assert village_board.total == vrow.figures
            villages.add(village_board.total)
        assert villages == town_board.total
        towns.add(town_board.total)
    assert towns == board.total


def test_grades_of_the_two_cycles_and_their_change(district):
    w = district
    f = dashboard(w.district, PERIOD, with_lending=False).total
    ids = _households(w.district).values("pk")
    latest = Counter(
        GradeRecord.objects.filter(household__in=ids, cycle__period="2026").values_list(
            "grade", flat=True
        )
    )
    before = Counter(
        GradeRecord.objects.filter(household__in=ids, cycle__period="2025").values_list(
            "grade", flat=True
        )
    )
    assert +f.cycle_grades == +latest
    assert +f.previous_grades == +before
    assert f.grade_change == {g: latest[g] - before[g] for g in f.grade_change}
    up = ("3A", "4A", "5A")
    assert f.cycle_3a_up - f.previous_3a_up == sum(latest[g] - before[g] for g in up)
    # a period ending before the 2026 cycle: the 2025 cycle is the latest
    early = dashboard(w.district, Period(PERIOD_START, PERIOD_START), with_lending=False)
    assert +early.total.cycle_grades == +before


def test_lending_figures_are_the_lending_reports(district):
    w = district
    board = dashboard(w.district, PERIOD, with_lending=True)
    report = worth_report_for(
        scope_for(w.users["district_admin"]), w.district, LendingPeriod(PERIOD_START, PERIOD_END)
    )
    assert board.total.lending == report.total
    assert board.total.lending.loans > 0 and board.total.lending.outstanding > 0
    for row, report_row in zip(board.rows, report.rows, strict=True):
        assert row.figures.lending == report_row.totals
    assert board.total.usage == report.total.usage_percent
    hidden = dashboard(w.district, PERIOD, with_lending=False)
    assert hidden.total.lending is None and hidden.total.usage is None


def test_stock_and_funding_are_the_shops_closing_figures(district):
    w = district
    f = dashboard(w.village_a1, PERIOD, with_lending=False).total
    # 10 towels at 3.50 received, the money received minus their cost
    assert f.stock_value == Decimal("35.00")
    assert f.funding_balance == Decimal(800 + w.village_a1.pk) - Decimal("35.00")


def test_months_add_up_to_the_period(district):
    board = dashboard(district.district, PERIOD, with_lending=False)
    assert [m.month.month for m in board.months] == [1, 2, 3, 4, 5, 6]
    assert sum(m.recorded for m in board.months) == board.total.entries_recorded
    assert sum(m.approved for m in board.months) == board.total.entries_approved
    assert sum(m.rejected for m in board.months) == board.total.entries_rejected


def test_a_villages_rows_are_its_groups(district):
    w = district
    board = dashboard(w.village_a1, PERIOD, with_lending=True)
    groups = [r.region for r in board.rows if r.region is not None]
    assert groups == [w.group_a1_1, w.group_a1_2]
    assert all(r.figures.lending is None for r in board.rows if r.region is not None)
    own = board.rows[-1]
    assert own.region is None and own.figures.stock_value == Decimal("35.00")


def test_period_of_year_stops_today():
    today = timezone.localdate()
    p = Period.current(today)
    assert p.start == today.replace(month=1, day=1) and p.end == today
    assert Period.of_year(today.year - 1, today).end.month == 12


@pytest.mark.parametrize("with_lending", [True, False])
def test_query_count_is_fixed_as_villages_grow(
    world, scheme, django_assert_max_num_queries, with_lending
):
    populate(world, world.users)
    with django_assert_max_num_queries(40) as small:
        dashboard(world.district, PERIOD, with_lending=with_lending)
    add_villages(world, towns=3, villages=3, households=6)
    with django_assert_max_num_queries(40) as large:
        dashboard(world.district, PERIOD, with_lending=with_lending)
    assert len(large.captured_queries) == len(small.captured_queries)
