"""Rating periods: yearly by default; a district may choose quarters."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sanxin.audit.models import AuditEvent
from sanxin.ratings import periods
from sanxin.ratings.choices import Cadence
from sanxin.ratings.services import cycles as services


@pytest.mark.parametrize(
    ("text", "cadence", "period"),
    [
        ("2026", Cadence.YEAR, "2026"),
        (" 2026年度 ", Cadence.YEAR, "2026"),
        ("2026年", Cadence.YEAR, "2026"),
        ("2026Q1", Cadence.QUARTER, "2026Q1"),
        ("2026-q4", Cadence.QUARTER, "2026Q4"),
        ("2026年第二季度", Cadence.QUARTER, "2026Q2"),
        ("2026第3季度", Cadence.QUARTER, "2026Q3"),
    ],
)
def test_periods_are_normalised(text, cadence, period):
    assert periods.normalise(text, cadence) == period


@pytest.mark.parametrize(
    ("text", "cadence"),
    [
        ("", Cadence.YEAR),
        ("明年", Cadence.YEAR),
        ("2026Q1", Cadence.YEAR),
        ("2026", Cadence.QUARTER),
        ("2026Q5", Cadence.QUARTER),
    ],
)
def test_bad_periods_say_the_expected_form(text, cadence):
    with pytest.raises(
        ValidationError, match="2026Q1" if cadence == Cadence.QUARTER else "2026（或 2026年度）"
    ):
        periods.normalise(text, cadence)


def test_labels_and_default_cut_offs():
    assert periods.label("2026") == "2026 年度"
    assert periods.label("2026Q1") == "2026 年第一季度"
    assert periods.default_cut_off("2026Q1") == date(2026, 3, 31)
    assert periods.default_cut_off("2026Q4") == date(2026, 12, 31)
    assert periods.default_cut_off("2026") == date(2026, 10, 20)
    assert periods.current(Cadence.QUARTER, date(2026, 11, 25)) == "2026Q4"


def test_district_admin_switches_to_quarters(world):
    head = world.users["committee_head"]
    assert services.cadence_for(world.village_a1) == Cadence.YEAR
    for user in ("town_admin", "committee_head", "other_district_admin"):
        with pytest.raises(PermissionDenied, match="只有区管理员"):
            services.policy_set(
                actor=world.users[user], district=world.district, cadence=Cadence.QUARTER
            )
    services.policy_set(
        actor=world.users["district_admin"], district=world.district, cadence=Cadence.QUARTER
    )
    assert AuditEvent.objects.filter(action="rating.policy").exists()
    assert services.cadence_for(world.village_a1) == Cadence.QUARTER
    with pytest.raises(ValidationError, match="本区按季度评定"):
        services.cycle_open(
            actor=head, village=world.village_a1, period="2026", cut_off=date(2026, 3, 31)
        )
    cycle = services.cycle_open(
        actor=head,
        village=world.village_a1,
        period="2026年第一季度",
        cut_off=date(2026, 3, 31),
        today=date(2026, 3, 1),
    )
    assert cycle.period == "2026Q1" and cycle.period_label == "2026 年第一季度"
    # The other district still rates by year.
    assert services.cadence_for(world.household_other_district.village) == Cadence.YEAR


def test_cycles_page_sets_quarters_and_suggests_the_quarter(world, login):
    client = login(world.users["district_admin"])
    assert "双滦区的评定周期" in client.get("/ratings/").content.decode()
    response = client.post(
        "/ratings/policy/", {"district": world.district.pk, "cadence": "quarter"}, follow=True
    )
    assert "已保存本区的评定周期设置" in response.content.decode()
    page = login(world.users["committee_head"]).get("/ratings/").content.decode()
    assert "双滦区的评定周期" not in page  # only the district admin sets it
    assert f'value="{periods.current(Cadence.QUARTER, timezone.localdate())}"' in page
    response = client.post(
        "/ratings/open/",
        {"village": world.village_a1.pk, "period": "2026", "cut_off": "2026-03-31"},
        follow=True,
    )
    assert "本区按季度评定" in response.content.decode()


def test_a_computation_before_the_cut_off_is_only_a_preview(world, scheme):
    from sanxin.ratings.choices import CycleState

    head = world.users["committee_head"]
    today = timezone.localdate()
    cycle = services.cycle_open(
        actor=head, village=world.village_a1, period=str(today.year + 1), cut_off=today
    )
    services.cycle_compute(actor=head, cycle=cycle)
    with pytest.raises(ValidationError, match="请在截止日期之后重新计算"):
        services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.REVIEW)
    cycle.refresh_from_db()
    assert cycle.state == CycleState.COMPUTED


def test_earlier_periods_run_back_from_the_current_one():
    from datetime import date as _date

    from sanxin.ratings.periods import earlier

    assert earlier("quarter", _date(2026, 2, 1), 3) == ["2025Q4", "2025Q3", "2025Q2"]
    assert earlier("year", _date(2026, 2, 1), 2) == ["2025", "2024"]
