"""The household list: the grade in force as a column and a filter (computed in SQL,
a fixed number of queries) and the export to Excel of what the list shows."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from sanxin.households.models import Household
from sanxin.ratings import periods, standing
from sanxin.ratings.choices import CycleState, GradeSource
from sanxin.ratings.models import Cycle, GradeRecord
from sanxin.rules.scheme import GRADE_LABELS
from tests.factories import cycle_final, cycle_on_notice, make_household

TODAY = timezone.localdate()
CUT_OFF = TODAY - timedelta(days=40)
NOTICE_DAY = TODAY - timedelta(days=30)
FINAL_DAY = NOTICE_DAY + timedelta(days=7)


def _final_grades(world, scheme, credit_for):
    credit_for(world.household, on=CUT_OFF - timedelta(days=30))
    credit_for(world.household_a1_2, on=CUT_OFF - timedelta(days=30))
    cycle = cycle_on_notice(world, cut_off=CUT_OFF, notice_day=NOTICE_DAY)
    cycle_final(world, cycle, day=FINAL_DAY)
    return standing.grade_in_force(world.household)


def _numbers(html: str) -> list[str]:
    return re.findall(r'data-label="户号"><a href="/households/\d+/">(\w+)</a>', html)


def test_list_shows_the_grade_in_force_and_filters_by_it(world, scheme, credit_for, login):
    record = _final_grades(world, scheme, credit_for)
    assert record is not None
    label = GRADE_LABELS[record.grade]
    client = login(world.users["town_admin"])  # town A: villages A1 and A2
    html = client.get("/households/").content.decode()
    assert "<th>在用等级</th>" in html
    assert f'data-label="在用等级"><span class="tag">{label}</span>' in html
    assert "尚未评定" in html  # village A2's household has no final cycle yet

    html = client.get("/households/", {"grade": record.grade}).content.decode()
    same = {
        h.number
        for h in Household.objects.filter(village=world.village_a1)
        if standing.grade_in_force(h).grade == record.grade
    }
    assert set(_numbers(html)) == same and f'value="{record.grade}" selected' in html
    html = client.get("/households/", {"grade": "none"}).content.decode()
    assert _numbers(html) == ["001"] and "赵三林" in html and "王大山" not in html
    # A filter keeps the other filters in the pager and the export link.
    assert "export.xlsx?q=&amp;group=&amp;grade=none" in html
    # An unknown value is no filter.
    assert len(_numbers(client.get("/households/", {"grade": "9A"}).content.decode())) == 3


def test_the_sql_grade_in_force_agrees_with_in_force(world):
    """Periods sort by time, not as text ("2026Q1" ends before "2026"); then the
    effective date, then the id — as `standing.in_force` does."""
    all_periods = ["2025", "2025Q4", "2026Q1", "2026Q2", "2026", "2026Q3", "2026Q4", "2024"]
    cycles = {
        p: Cycle.objects.create(
            village=world.village_a1, period=p, cut_off=date(2026, 1, 1), state=CycleState.FINAL
        )
        for p in all_periods
    }
    in_sql = list(
        Cycle.objects.filter(pk__in=[c.pk for c in cycles.values()])
        .annotate(key=standing.period_order("period"))
        .order_by("key")
        .values_list("period", flat=True)
    )
    assert in_sql == sorted(all_periods, key=periods.order_key)

    household = world.household
    grades = ["A", "2A", "3A", "unrated", "4A", "5A", "A", "2A", "3A"]
    plan = [
        ("2026Q1", date(2026, 4, 1)),
        ("2026", date(2026, 3, 1)),
        ("2025Q4", date(2026, 12, 1)),
        ("2026", date(2026, 2, 1)),
        ("2026Q3", date(2026, 10, 1)),
        ("2026", date(2026, 3, 1)),
        ("2026Q4", date(2026, 1, 1)),
        ("2024", date(2027, 1, 1)),
        ("2026Q4", date(2026, 1, 1)),
    ]
    for grade, (period, day) in zip(grades, plan, strict=True):
        GradeRecord.objects.create(
            household=household,
            district_id=household.district_id,
            grade=grade,
            source=GradeSource.CYCLE,
            cycle=cycles[period],
            effective_from=day,
            valid_until=standing.valid_until(day),
            recorded_at=timezone.now(),
        )
        annotated = standing.with_grade_in_force(Household.objects.filter(pk=household.pk)).get()
        assert annotated.grade_in_force == standing.grade_in_force(household).grade, (period, day)


def _export(client, **params) -> list[tuple]:
    response = client.get("/households/export.xlsx", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_export_has_what_the_list_shows_within_the_roles_fields(world, scheme, credit_for, login):
    record = _final_grades(world, scheme, credit_for)
    Household.objects.filter(pk=world.household.pk).update(phone="13900000000")
    head = _export(login(world.users["committee_head"]))
    assert head[0] == ("户号", "户主", "村", "村民小组", "人口", "住址", "联系电话", "在用等级")
    assert head[1][:2] == ("001", "王大山") and head[1][6] == "13900000000"
    assert head[1][7] == GRADE_LABELS[record.grade]
    assert len(head) == 3
    # The shop clerk: household and grade only — no address, no phone.
    clerk = _export(login(world.users["shop_clerk"]))
    assert clerk[0] == ("户号", "户主", "村", "村民小组", "人口", "在用等级")
    assert all("13900000000" not in row for row in clerk)
    # The subteam member sees no phones.
    assert "联系电话" not in _export(login(world.users["subteam_member"]))[0]
    # The current filters, every page, and never an identity number.
    town = _export(login(world.users["town_admin"]), grade="none")
    assert [row[0] for row in town[1:]] == ["001"] and town[1][1] == "赵三林"
    for rows in (head, clerk, town):
        assert not any(re.search(r"\d{17}[\dXx]", str(cell)) for row in rows for cell in row)


def test_list_query_count_is_fixed_as_households_and_grades_grow(world, scheme, credit_for, login):
    _final_grades(world, scheme, credit_for)
    client = login(world.users["committee_head"])

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count("/households/?grade=")
    small_export = count("/households/export.xlsx")
    cycle = Cycle.objects.get(village=world.village_a1)
    for i in range(25):
        h = make_household(
            world.village_a1, world.group_a1_1, f"2{i:02d}", head=f"周{i}", head_seq=600 + i
        )
        GradeRecord.objects.create(
            household=h,
            district_id=h.district_id,
            grade="3A",
            source=GradeSource.CYCLE,
            cycle=cycle,
            effective_from=FINAL_DAY,
            valid_until=standing.valid_until(FINAL_DAY),
            recorded_at=timezone.now(),
        )
    assert count("/households/?grade=") == small
    assert count("/households/export.xlsx") == small_export
    assert count("/households/?grade=3A") == small


def test_an_export_is_audited_with_its_row_count_and_filters(world, login):
    """A list of names (and phones) leaving the system is on the audit log."""
    from sanxin.audit.models import AuditEvent

    rows = _export(login(world.users["committee_head"]), grade="none")
    event = AuditEvent.objects.get(action="household.export")
    assert event.actor == world.users["committee_head"]
    assert event.after == {"rows": len(rows) - 1, "filters": {"grade": "none"}}
    assert event.region_path == world.village_a1.path
    assert event in login(world.users["district_admin"]).get("/oversight/audit/").context["page"]
