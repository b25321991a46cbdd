"""The department views: each department lands on its page, sees only its own (a
district admin switches between them), the figures match counts made independently
from the records the test lays down, households appear masked, the exports carry the
same figures, and the pages run a fixed number of queries whatever the data's size."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sanxin.accounts.choices import Department, Role
from sanxin.accounts.models import RoleAssignment
from sanxin.audit.models import AuditEvent
from sanxin.ledger.models import Review
from tests.factories import make_household, make_user
from tests.oversight.department_world import lay_down, lay_down_more

TODAY = date(2026, 6, 15)
YEAR = 2026


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def _in_district(w, household_id: int) -> bool:
    return household_id != w.household_other_district.pk


def _viewer(w, department: str, name: str | None = None):
    return make_user(
        name or f"viewer_{department}",
        Role.DEPARTMENT_VIEWER,
        region=w.district,
        department=department,
    )


# --- who sees what ---------------------------------------------------------------------


@pytest.mark.parametrize("department", Department.values)
def test_each_department_lands_on_its_own_page(world, login, department):
    client = login(_viewer(world, department))
    response = client.get("/oversight/departments/")
    assert response.status_code == 302
    assert response["Location"] == f"/oversight/departments/{department}/"
    assert client.get(response["Location"]).status_code == 200
    home = client.get("/").content.decode()
    assert f'href="/oversight/departments/{department}/"' in home
    for other in Department.values:
        if other != department:
            assert client.get(f"/oversight/departments/{other}/").status_code == 403
            assert client.get(f"/oversight/departments/{other}/export/items.xlsx").status_code in (
                403,
            )


def test_the_district_admin_switches_between_departments(world, login):
    client = login(world.users["district_admin"])
    assert client.get("/oversight/departments/")["Location"] == (
        "/oversight/departments/organisation/"
    )
    page = client.get("/oversight/departments/political_legal/").content.decode()
    for department in Department.values:
        assert f'href="/oversight/departments/{department}/"' in page
    for department in Department.values:
        assert client.get(f"/oversight/departments/{department}/").status_code == 200
    assert client.get("/oversight/departments/nonsense/").status_code == 404


def test_an_organisation_viewer_has_no_switcher(world, login):
    client = login(world.users["department_viewer"])
    page = client.get("/oversight/departments/organisation/").content.decode()
    assert "/oversight/departments/political_legal/" not in page
    assert reverse("rewards:candidates") in page


def test_others_are_refused(world, login):
    for name in ("town_admin", "committee_head", "credit_officer", "display", "villager"):
        client = login(world.users[name])
        assert client.get("/oversight/departments/").status_code == 403
        assert client.get("/oversight/departments/organisation/").status_code == 403


# --- the figures -----------------------------------------------------------------------


def test_organisation_figures_match_independent_counts(world, scheme, login):
    laid = lay_down(world, scheme)
    client = login(world.users["department_viewer"])
    response = client.get(f"/oversight/departments/organisation/?year={YEAR}")
    rows = {r.village.pk: r for r in response.context["vanguard"]}
    for village in (world.village_a1, world.village_a2, world.village_b1):
        members = [p for p in laid.party if p.household.village_id == village.pk]
        entries = [
            e
            for e in laid.entries
            if e.component == "vanguard"
            and e.household.village_id == village.pk
            and e.occurred_on.year == YEAR
        ]
        approved = [e for e in entries if Review.objects.filter(entry=e, approved=True).exists()]
        row = rows[village.pk]
        assert row["members"] == len(members)
        assert row["cadres"] == sum(1 for p in members if p.cadre_post)
        assert row["recorded"] == sum(1 for e in entries if e.reversal_of_id is None)
        assert row["approved"] == sum(1 for e in approved if e.reversal_of_id is None)
        assert Decimal(row["points"]) == sum((e.points for e in approved), Decimal(0))
    assert rows[world.village_a1.pk]["points"] == Decimal("2")  # 3 + 2 - 3
    total = response.context["vanguard_total"]
    assert total["members"] == 3  # the other district's member is not counted

    grades = {r.village.pk: (r, cells) for r, cells in response.context["grades"]}
    row, _cells = grades[world.village_a1.pk]
    assert row["4A"] == 1 and row["households"] == 1
    row, _cells = grades[world.village_a2.pk]
    assert row["unrated"] == 1  # its 3A ran out
    assert response.context["grades_total"]["households"] == len(laid.grades)


def test_party_member_list_is_masked_for_the_viewer_and_filters(world, scheme, login):
    laid = lay_down(world, scheme)
    viewer = login(world.users["department_viewer"])
    page = viewer.get(f"/oversight/departments/organisation/members/?year={YEAR}")
    text = page.content.decode()
    head = laid.party[0]
    assert head.name not in text and head.name[0] + "*" in text
    rows = {r["person"].pk: r for r in page.context["rows"]}
    assert set(rows) == {p.pk for p in laid.party}
    assert rows[head.pk]["person"].vanguard == Decimal("2")
    assert rows[head.pk]["grade"] == "4A"
    assert rows[head.pk]["post"] == ""  # political posts are not the viewer's
    only_b1 = viewer.get(
        f"/oversight/departments/organisation/members/?year={YEAR}&village={world.village_b1.pk}"
    )
    assert [r["person"].pk for r in only_b1.context["rows"]] == [laid.party[2].pk]
    admin = login(world.users["district_admin"])
    text = admin.get(f"/oversight/departments/organisation/members/?year={YEAR}").content.decode()
    assert head.name in text  # the district admin is shown members' names


def test_governance_figures_match_independent_counts(world, scheme, login):
    laid = lay_down(world, scheme)
    client = login(_viewer(world, Department.POLITICAL_LEGAL))
    response = client.get(f"/oversight/departments/political_legal/?year={YEAR}")
    ctx = response.context
    governance = [
        e
        for e in laid.entries
        if e.component == "base"
        and not e.item_code.startswith("honour.")
        and e.occurred_on.year == YEAR
        and _in_district(world, e.household_id)
    ]
    items = {r.item.code: r for r in ctx["items"]}
    for code in {e.item_code for e in governance}:
        mine = [e for e in governance if e.item_code == code]
        assert items[code].recorded == len(mine)
        assert items[code].approved == sum(
            1 for e in mine if Review.objects.filter(entry=e, approved=True).exists()
        )
        assert items[code].villages == len({e.household.village_id for e in mine})
    assert "honour.village" not in items
    assert items["env.dumping"].recorded == 3 and items["env.dumping"].approved == 2
    assert ctx["by_village_total"]["recorded"] == len(governance)
    assert ctx["by_village_total"]["deductions"] == sum(1 for e in governance if e.points < 0)

    vetoes = {r.village.pk: r for r in ctx["vetoes"]}
    assert vetoes[world.village_a1.pk]["running"] == 1
    assert vetoes[world.village_a1.pk]["revoked"] == 1
    assert vetoes[world.village_a2.pk]["ended"] == 1
    assert ctx["vetoes_total"]["running"] == 1
    assert ctx["vetoes_total"]["decided_in_year"] == 2  # a revocation is not a decision
    rule = ctx["veto_rules"][0]
    assert (rule.name, rule.running, rule.revoked, rule.ended) == ("醉酒驾驶", 1, 1, 1)

    appeals = {r.village.pk: r for r in ctx["appeals"]}
    a1 = appeals[world.village_a1.pk]
    assert (a1["filed"], a1["decided"], a1["upheld"], a1["pending"]) == (3, 2, 1, 1)
    assert a1.values["avg_days"] == Decimal("4.5")
    assert a1.values["max_days"] == Decimal("6.0")
    assert ctx["appeals_total"]["avg_days"] == Decimal("4.5")

    one_village = client.get(
        f"/oversight/departments/political_legal/?year={YEAR}&village={world.village_a2.pk}"
    )
    items = {r.item.code: r for r in one_village.context["items"]}
    assert items["env.dumping"].recorded == 1


def test_civil_affairs_sees_the_governance_page(world, scheme, login):
    lay_down(world, scheme)
    client = login(_viewer(world, Department.CIVIL_AFFAIRS))
    page = client.get("/oversight/departments/civil_affairs/").content.decode()
    assert "一票否决" in page and "异议" in page


def test_credit_union_summary_and_approval_page(world, scheme, login):
    client = login(_viewer(world, Department.CREDIT_UNION))
    response = client.get("/oversight/departments/credit_union/")
    assert response.status_code == 200
    assert response.context["validation"].overall.loans == 0
    assert "/lending/reports/" in response.content.decode()
    approval = login(_viewer(world, Department.APPROVAL))
    response = approval.get("/oversight/departments/approval/")
    overview = response.context["overview"]
    assert overview.in_force == scheme
    assert len(overview.items) == len(scheme.scheme.items)
    assert sum(c["items"] for c in overview.categories) == len(scheme.scheme.items)


# --- exports ---------------------------------------------------------------------------


def _sheet(response) -> list[tuple]:
    from openpyxl import load_workbook

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_exports_carry_the_page_figures(world, scheme, login):
    lay_down(world, scheme)
    viewer = login(world.users["department_viewer"])
    rows = _sheet(
        viewer.get(f"/oversight/departments/organisation/export/vanguard.xlsx?year={YEAR}")
    )
    assert rows[-1][:3] == ("合计", None, 3)
    before = AuditEvent.objects.filter(action="department.members_export").count()
    rows = _sheet(
        viewer.get(f"/oversight/departments/organisation/export/members.xlsx?year={YEAR}")
    )
    assert len(rows) == 4 and all("*" in r[3] for r in rows[1:])
    assert AuditEvent.objects.filter(action="department.members_export").count() == before + 1
    assert viewer.get("/oversight/departments/organisation/export/nope.xlsx").status_code == 404

    pl = login(_viewer(world, Department.POLITICAL_LEGAL))
    for table in ("items", "villages", "vetoes", "veto_rules", "appeals"):
        assert _sheet(pl.get(f"/oversight/departments/political_legal/export/{table}.xlsx"))
    rows = _sheet(pl.get(f"/oversight/departments/political_legal/export/appeals.xlsx?year={YEAR}"))
    assert rows[-1][2:6] == (3, 2, 1, 1)
    admin = login(world.users["district_admin"])
    for dept, table in (
        ("credit_union", "lending"),
        ("credit_union", "validation"),
        ("approval", "items"),
        ("approval", "versions"),
        ("approval", "village_items"),
        ("organisation", "grades"),
    ):
        assert _sheet(admin.get(f"/oversight/departments/{dept}/export/{table}.xlsx"))


# --- query counts ----------------------------------------------------------------------

PAGES = [
    ("department_viewer", "/oversight/departments/organisation/"),
    ("department_viewer", "/oversight/departments/organisation/members/"),
    ("district_admin", "/oversight/departments/political_legal/"),
    ("district_admin", "/oversight/departments/credit_union/"),
    ("district_admin", "/oversight/departments/approval/"),
]


@pytest.mark.parametrize(("user", "url"), PAGES)
def test_query_counts_stay_fixed_as_data_grows(
    world, scheme, login, django_assert_max_num_queries, user, url
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lay_down(world, scheme)
    client = login(world.users[user])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(12):
        make_household(world.village_a2, world.group_a2_1, f"9{i:02d}", head_seq=800 + i)
    lay_down_more(world, scheme)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_viewer_without_a_current_department_grant_sees_no_department(world, login):
    RoleAssignment.objects.filter(user=world.users["department_viewer"]).update(
        ended_at=timezone.now()
    )
    client = login(world.users["department_viewer"])
    assert client.get("/oversight/departments/").status_code == 403
