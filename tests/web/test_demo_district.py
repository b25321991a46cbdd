"""The demo's other towns and villages of 双滦区 (issue 14 item 6, web/demo/district.py):
built once for the module (a small pilot of 24 households with the district), inside
a transaction rolled back at the end; each test runs in its own savepoint."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F
from django.test import override_settings

from sanxin.accounts.models import User
from sanxin.credit.models import CreditAssessment
from sanxin.engagement.models import Activity, CheckIn, Honour, Suggestion
from sanxin.households.models import Household
from sanxin.ledger.models import Entry, Review
from sanxin.lending.models import CreditLine, Loan
from sanxin.ratings.models import AppealDecision, Cycle, GradeRecord, Rating, ReviewMeeting
from sanxin.ratings.standing import grades_in_force
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards.models import Redemption, Shop
from sanxin.rules.selectors import scheme_for_village
from sanxin.web import demo
from sanxin.web.demo import district
from sanxin.web.demo.district_ledger import Planner
from sanxin.web.demo.regions import DISTRICT_NAME, NEIGHBOUR_VILLAGE, PILOT_VILLAGE, UNITS

SMALL = 24


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            result = demo.build(households=SMALL, district=True)
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def world(built, db):
    return built


def _villages() -> list[Region]:
    names = [p.name for p in district.profiles()]
    return list(Region.objects.filter(level=Level.VILLAGE, name__in=names).select_related("parent"))


def _final(village: Region) -> Cycle | None:
    return Cycle.objects.filter(village=village, state="final").first()


def test_every_town_has_villages_with_graded_households(world):
    towns = Region.objects.filter(level=Level.TOWN, parent__name=DISTRICT_NAME)
    assert towns.count() == len(UNITS) == 9
    for town in towns:
        rated = (
            Rating.objects.filter(cycle__village__parent=town, cycle__state="final")
            .exclude(grade="unrated")
            .filter(run=F("cycle__current_run"))
        )
        assert rated.values("cycle__village").distinct().count() >= 1, town.name
    summary = world.district
    assert summary.towns == 9 and summary.villages == len(district.profiles()) >= 12
    assert summary.households == Household.objects.filter(village__in=_villages()).count()
    assert 20 * summary.villages <= summary.households <= 50 * summary.villages
    assert summary.rated > summary.households * 0.6
    assert summary.final_villages == summary.villages - 1  # one still on notice


def test_the_pilot_story_is_left_alone(world):
    pilot = Region.objects.get(name=PILOT_VILLAGE)
    assert Household.objects.filter(village=pilot).count() == SMALL
    assert Household.objects.filter(village__name=NEIGHBOUR_VILLAGE).count() == 20
    # Nobody of the district's logins recorded, reviewed or rated anything in the pilot.
    district_logins = User.objects.filter(username__regex=r"^130803\d{6}")
    assert district_logins.count() >= 3 * world.district.villages
    assert not Entry.objects.filter(
        household__village=pilot, recorded_by__in=district_logins
    ).exists()
    assert not Review.objects.filter(
        entry__household__village=pilot, reviewer__in=district_logins
    ).exists()
    # the previous year's finished cycle, the demo year's finished one and the open one
    assert Cycle.objects.filter(village=pilot).count() == 3
    # The pilot's own figures (those tests/test_demo_data.py pins) count the pilot only.
    assert Entry.objects.filter(household__village=pilot, review__isnull=True).count() == (
        world.pending
    )
    final = Counter(
        GradeRecord.objects.filter(
            cycle__village=pilot, cycle__period=world.calendar.cycle_period, source="cycle"
        ).values_list("grade", flat=True)
    )
    assert final == world.final_grades and sum(final.values()) == SMALL
    assert CreditAssessment.objects.filter(household__village=pilot).count() == world.assessments
    assert world.households == SMALL + 20 + world.district.households


def test_entries_follow_the_rules_and_the_calendar(world):
    cal = world.calendar
    end = cal.ledger_end()
    villages = _villages()
    ledger = Entry.objects.filter(household__village__in=villages, recorded_at__lte=end)
    assert ledger.count() == world.district.entries
    for entry in ledger.select_related("review", "recorded_by", "household").iterator():
        assert cal.ledger_from <= entry.occurred_on <= cal.as_of
        assert (
            entry.recorded_by.person is None
            or entry.recorded_by.person.household_id != entry.household_id
        )
        review = getattr(entry, "review", None)
        if review is not None:
            assert review.reviewer_id != entry.recorded_by_id
            assert review.reviewed_at > entry.recorded_at
            assert (
                review.reviewer.person is None
                or review.reviewer.person.household_id != entry.household_id
            )
    # Entries of the year spread over its months, not in the build's month.
    months = {e.recorded_at.month for e in ledger.only("recorded_at")}
    assert len(months) >= 8


def test_figures_vary_between_villages_and_towns(world):
    villages = _villages()
    coverage, backlog, lag, loans_per_line = {}, {}, {}, {}
    for village in villages:
        households = Household.objects.filter(village=village).count()
        assessed = CreditAssessment.objects.filter(household__village=village).count()
        coverage[village.name] = assessed / households
        backlog[village.name] = Entry.objects.filter(
            household__village=village, review__isnull=True
        ).count()
        reviewed = Review.objects.filter(entry__household__village=village).select_related("entry")
        late = sum(1 for r in reviewed if r.reviewed_at - r.entry.recorded_at > timedelta(days=7))
        lag[village.name] = late / max(reviewed.count(), 1)
        lines = CreditLine.objects.filter(village=village).count()
        if lines:
            loans_per_line[village.name] = (
                Loan.objects.filter(credit_line__village=village).count() / lines
            )
    assert len({round(v, 2) for v in coverage.values()}) >= 5
    assert min(coverage.values()) < 0.9 and max(coverage.values()) == 1
    assert len(set(backlog.values())) >= 4
    assert max(lag.values()) > 2 * min(lag.values()) + 0.05
    assert len({round(v, 2) for v in loans_per_line.values()}) >= 4
    # Per town: graded share and grade shape differ.
    by_town: dict[str, Counter] = defaultdict(Counter)
    for grade, town in Rating.objects.filter(
        cycle__village__in=villages, cycle__state="final", run=F("cycle__current_run")
    ).values_list("grade", "cycle__village__parent__name"):
        by_town[town][grade] += 1
    high = {t: sum(c[g] for g in ("3A", "4A", "5A")) / sum(c.values()) for t, c in by_town.items()}
    assert max(high.values()) - min(high.values()) > 0.2


def test_appeals_on_notice_answered_sooner_in_the_better_villages(world):
    villages = _villages()
    appeals = list(
        AppealDecision.objects.filter(appeal__cycle__village__in=villages).select_related(
            "appeal__cycle"
        )
    )
    assert len(appeals) == world.district.appeals >= len(villages)
    assert any(d.upheld for d in appeals) and not all(d.upheld for d in appeals)
    days = {(d.decided_at - d.appeal.filed_at).days for d in appeals}
    assert min(days) <= 1 and max(days) >= 3


def test_the_stalled_village_is_on_notice(world):
    stalled = [p for p in district.profiles() if p.stage == district.NOTICE]
    assert len(stalled) == 1
    village = Region.objects.get(name=stalled[0].name, parent__name=stalled[0].town)
    cycle = Cycle.objects.get(village=village)
    assert cycle.state == "notice" and ReviewMeeting.objects.filter(cycle=cycle).exists()
    households = list(Household.objects.filter(village=village).values_list("pk", flat=True))
    assert not grades_in_force(households)


def test_the_villages_life_after_the_final(world):
    summary = world.district
    villages = _villages()
    shops = Shop.objects.filter(region__in=villages)
    assert shops.count() == summary.shops >= 4
    assert Redemption.objects.filter(shop__in=shops).count() == summary.redemptions > 0
    assert Loan.objects.filter(credit_line__village__in=villages).count() == summary.loans > 0
    assert CreditLine.objects.filter(village__in=villages).count() == summary.lines
    honours = Honour.objects.filter(household__village__in=villages)
    assert honours.count() == summary.honours
    assert (
        honours.filter(honour_type__name="美丽庭院").values("household__village").distinct().count()
        >= 5
    )
    assert Activity.objects.filter(village__in=villages).count() == summary.activities
    assert CheckIn.objects.filter(activity__village__in=villages).count() == summary.checkins
    suggestions = Suggestion.objects.filter(household__village__in=villages)
    assert suggestions.count() == summary.suggestions
    answered = suggestions.exclude(state="submitted").count()
    assert 0 < answered < summary.suggestions
    assert summary.candidates >= 3


def test_the_summary_line(world):
    line = demo.format_district(world.district)
    s = world.district
    assert f"{s.villages} 个村" in line and f"登记农户 {s.households} 户" in line
    assert f"已定级 {s.rated} 户" in line


def test_running_again_changes_nothing(world):
    before = (Household.objects.count(), Entry.objects.count(), Cycle.objects.count())
    again = demo.build(households=SMALL, district=True)
    assert not again.changed and not again.district.changed
    assert (Household.objects.count(), Entry.objects.count(), Cycle.objects.count()) == before


def test_the_plan_is_the_same_on_every_run(world):
    assert district.profiles() == district.profiles()
    village = _villages()[0]
    profile = next(p for p in district.profiles() if p.name == village.name)
    households = list(
        Household.objects.filter(village=village)
        .select_related("village", "villager_group")
        .order_by("number")
    )
    committee = list(
        User.objects.filter(username__startswith=f"{village.code}-")
        .exclude(username__endswith="-cs")
        .order_by("username")
    )
    version = scheme_for_village(village, world.calendar.as_of)

    def plan():
        planned = Planner(world.calendar, version, profile, households, committee).plan()
        return (
            [
                (
                    d.household.number,
                    d.item.code,
                    d.occurred_on,
                    d.points,
                    d.decision,
                    d.recorded_at,
                    d.reviewer,
                )
                for d in planned.drafts
            ],
            planned.answers,
        )

    assert plan() == plan()
