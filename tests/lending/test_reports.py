"""The lending reports: the figures equal the records they count, per village, town
and district; who sees household rows; a fixed number of queries; the exports."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanxin.accounts.scope import scope_for
from sanxin.audit.models import AuditEvent
from sanxin.lending.report_selectors import (
    Period,
    household_rows,
    validation_loans_for,
    worth_report_for,
)
from sanxin.lending.validation import TOO_FEW, validation_report
from tests.factories import child, make_household
from tests.lending import books

YEAR = Period(date(2025, 11, 1), date(2026, 10, 31))


@pytest.fixture
def book(world):
    """Town A: 王大山 (4A) borrowed 100,000 for a year, interest monthly, paid on time;
    李二河 (5A) 10,000 over two months in equal instalments, repaid; 赵三林 (3A, the
    neighbouring village, at the standard rate) 20,000 and has paid nothing. Town B:
    钱四海 holds a 4A line and a line the bank declined, and borrowed nothing. Another
    district's household has a line and a loan nobody here may count."""
    w = world
    main = books.line(w.household, grade="4A", amount="150000", granted_on=date(2025, 11, 4))
    big = books.loan(main, principal="100000.00", on=date(2026, 1, 15), term=12)
    books.pay_due(big, until=date(2026, 6, 30))
    second = books.line(w.household_a1_2, grade="5A", amount="200000", granted_on=date(2025, 11, 5))
    small = books.loan(
        second, principal="10000", on=date(2026, 3, 31), term=2, method="equal_instalments"
    )
    books.pay_due(small, until=date(2026, 6, 30))
    third = books.line(
        w.household_a2, grade="3A", amount="30000", rate="7.5", granted_on=date(2025, 11, 6)
    )
    books.loan(third, principal="20000", on=date(2026, 2, 1), term=6)
    books.line(w.household_b1, grade="4A", granted_on=date(2025, 11, 7))
    books.line(w.household_b1, grade="4A", granted_on=date(2025, 11, 7), status="bank_declined")
    far = books.line(w.household_other_district, grade="5A", amount="200000")
    books.loan(far, principal="30000", on=date(2026, 1, 10))
    return w


def totals_of(rows):
    return {r.region.name: r.totals for r in rows}


def test_district_figures_are_the_records(book):
    report = worth_report_for(scope_for(book.users["district_admin"]), None, YEAR)
    assert report.root == book.district
    rows = totals_of(report.rows)
    assert list(rows) == ["双塔山镇", "陈栅子乡"]
    a, b = rows["双塔山镇"], rows["陈栅子乡"]
    assert (a.lines, a.lines_amount) == (3, Decimal("380000.00"))
    assert (a.loans, a.loans_amount) == (3, Decimal("130000.00"))
    assert (a.used, a.lines_used) == (Decimal("130000.00"), 3)
    # 王大山 has paid only interest (principal at maturity), 李二河 all, 赵三林 nothing
    assert a.outstanding == Decimal("120000.00")
    # by hand (tests/lending/test_worth.py): 2,788.17 for the year's 100,000 and
    # 34.44 for the two months' 10,000; a loan at the standard rate saves nothing
    assert a.interest_saved == Decimal("2822.61")
    # the line the bank declined is not a line granted
    assert (b.lines, b.lines_amount, b.loans, b.used) == (1, Decimal("150000.00"), 0, 0)
    t = report.total
    assert (t.lines, t.lines_amount, t.loans, t.loans_amount) == (
        4,
        Decimal("530000.00"),
        3,
        Decimal("130000.00"),
    )
    assert t.usage == Fraction(130000, 530000)
    assert t.usage_percent == Decimal("24.5")


def test_town_and_village_drill_down(book):
    scope = scope_for(book.users["district_admin"])
    town = worth_report_for(scope, book.town_a, YEAR)
    rows = totals_of(town.rows)
    assert list(rows) == ["大贵口村", "邻村"]
    assert (rows["大贵口村"].lines, rows["大贵口村"].loans_amount) == (2, Decimal("110000.00"))
    assert rows["大贵口村"].outstanding == Decimal("100000.00")
    assert rows["大贵口村"].interest_saved == Decimal("2822.61")
    assert (rows["邻村"].outstanding, rows["邻村"].interest_saved) == (Decimal("20000.00"), 0)
    assert [r.name for r in town.trail] == ["双滦区", "双塔山镇"]
    village = worth_report_for(scope, book.village_a1, YEAR)
    assert [r.region for r in village.rows] == [book.village_a1]
    assert village.total.loans == 2


def test_the_period_chooses_what_is_counted(book):
    scope = scope_for(book.users["district_admin"])
    spring = Period(date(2026, 2, 1), date(2026, 4, 15))
    t = worth_report_for(scope, None, spring).total
    assert t.lines == 0 and t.usage is None  # every line was granted in November
    assert (t.loans, t.loans_amount) == (2, Decimal("30000.00"))  # 赵三林's and 李二河's
    # on 15 April 李二河 had repaid nothing yet: all three loans are owed in full
    assert t.outstanding == Decimal("130000.00")
    assert t.interest_saved == Decimal("34.44")


def test_a_town_officer_counts_only_the_town(book):
    report = worth_report_for(scope_for(book.users["credit_officer"]), None, YEAR)
    assert report.root == book.town_a
    assert report.total.lines == 3
    assert [r.name for r in report.trail] == ["双塔山镇"]
    other = worth_report_for(scope_for(book.users["other_credit_officer"]), None, YEAR)
    assert other.total.lines == 1 and other.total.loans == 0


def test_household_rows_add_up_to_the_village(book):
    scope = scope_for(book.users["credit_officer"])
    rows = household_rows(scope, book.village_a1, YEAR)
    assert [(r.number, r.head_name, r.grade) for r in rows] == [
        ("001", "王大山", "4A"),
        ("002", "李二河", "5A"),
    ]
    village = worth_report_for(scope, book.village_a1, YEAR).total
    for name in ("lines", "lines_amount", "used", "loans", "loans_amount", "outstanding"):
        assert sum(getattr(r.totals, name) for r in rows) == getattr(village, name), name
    assert sum(r.totals.interest_saved for r in rows) == village.interest_saved
    assert rows[0].totals.interest_saved == Decimal("2788.17")


def test_the_grade_against_repayment(book):
    scope = scope_for(book.users["credit_officer"])
    outcomes = validation_loans_for(scope, None, date(2026, 6, 30))
    worst = {o.grade: o.worst_days_past_due for o in outcomes}
    # 赵三林's first interest fell due on 1 March and nothing was paid: 121 days
    assert worst == {"4A": 0, "5A": 0, "3A": 121}
    report = validation_report(outcomes, min_loans=1)
    assert report.discrimination.auc == 1  # the one bad loan had the lowest grade
    assert validation_report(outcomes).discrimination.reason == TOO_FEW
    assert [o.cycle for o in outcomes] == ["2025"] * 3


def _villages(world, n):
    for i in range(n):
        village = child(world.town_a, f"新村{i}", kind="村")
        group = child(village, "第一村民小组")
        household = make_household(village, group, "001", head=f"周{i}", head_seq=600 + i)
        credit_line = books.line(household, granted_on=date(2025, 11, 10))
        made = books.loan(credit_line, principal="5000", on=date(2026, 1, 5), term=3)
        books.pay(made, on=date(2026, 2, 5), amount="100.00")


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_a_fixed_number_of_queries_whatever_the_villages(book):
    admin = book.users["district_admin"]
    officer = book.users["credit_officer"]

    def district():
        worth_report_for(scope_for(admin), None, YEAR)

    def town():
        worth_report_for(scope_for(admin), book.town_a, YEAR)

    def households():
        household_rows(scope_for(officer), book.village_a1, YEAR)

    def validation():
        validation_loans_for(scope_for(officer), None, date(2026, 6, 30))

    reads = (district, town, households, validation)
    for read in reads:
        read()  # the users' scopes are loaded once, then cached on the user
    before = [_queries(f) for f in reads]
    _villages(book, 6)
    after = [_queries(f) for f in reads]
    assert before == after
    assert max(after) <= 10


def test_the_report_page_and_its_export(book, login):
    client = login(book.users["district_admin"])
    page = client.get("/lending/reports/", {"start": "2025-11-01", "end": "2026-10-31"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "双塔山镇" in html and "380,000.00" in html and "2,822.61" in html
    assert "24.5%" in html
    village = client.get(
        "/lending/reports/",
        {"region": book.village_a1.pk, "start": "2025-11-01", "end": "2026-10-31"},
    )
    # totals only: the district admin sees no household of the village
    assert "王大山" not in village.content.decode()
    assert "农户明细" not in village.content.decode()
    export = client.get(
        "/lending/reports/export.xlsx", {"start": "2025-11-01", "end": "2026-10-31"}
    )
    sheet = _rows(export.content)
    assert sheet[0][0] == "地区"
    # amounts are numbers (summable), shown to the 分
    assert sheet[1][:3] == ["双塔山镇", 3, 380000]
    assert sheet[3][0] == "合计"
    assert not AuditEvent.objects.filter(action="lending.report_export").exists()


def test_the_credit_officer_sees_the_households_behind_a_village(book, login):
    client = login(book.users["credit_officer"])
    query = {"region": book.village_a1.pk, "start": "2025-11-01", "end": "2026-10-31"}
    html = client.get("/lending/reports/", query).content.decode()
    assert "王大山" in html and "李二河" in html and "2,788.17" in html
    export = client.get("/lending/reports/export.xlsx", query)
    sheet = _rows(export.content)
    assert sheet[0][:2] == ["户号", "户主"]
    assert [r[1] for r in sheet[1:3]] == ["王大山", "李二河"]
    event = AuditEvent.objects.get(action="lending.report_export")
    assert event.after["rows"] == 2 and event.region_path == book.village_a1.path
    # another town's village does not exist for this officer
    assert client.get("/lending/reports/", {"region": book.village_b1.pk}).status_code == 404


def test_a_bad_period_falls_back_to_the_last_twelve_months(book, login):
    client = login(book.users["district_admin"])
    page = client.get("/lending/reports/", {"start": "2026-05-01", "end": "2026-01-01"})
    assert page.status_code == 200
    assert "起始日期不能晚于截止日期" in page.content.decode()


def test_the_validation_page_and_export(book, login):
    client = login(book.users["credit_officer"])
    page = client.get("/lending/validation/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "数据不足" in html  # three loans
    sheet = _rows(client.get("/lending/validation/export.xlsx").content)
    assert sheet[0][0] == "分组"
    assert [r[0] for r in sheet[1:4]] == ["等级 5A", "等级 4A", "等级 3A"]
    assert client.get("/lending/validation/", {"region": book.village_b1.pk}).status_code == 404


def _rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_the_pages_take_a_fixed_number_of_queries(book, login, django_assert_max_num_queries):
    officer = login(book.users["credit_officer"])
    pages = [
        "/lending/reports/?start=2025-11-01&end=2026-10-31",
        f"/lending/reports/?region={book.village_a1.pk}&start=2025-11-01&end=2026-10-31",
        "/lending/validation/",
    ]

    def counts():
        found = []
        for url in pages:
            with CaptureQueriesContext(connection) as ctx:
                assert officer.get(url).status_code == 200
            found.append(len(ctx.captured_queries))
        return found

    before = counts()
    _villages(book, 5)
    assert counts() == before
    for url in pages:
        with django_assert_max_num_queries(25):
            officer.get(url)


def test_a_loan_on_an_earlier_line_shows_that_line_s_grade(book):
    scope = scope_for(book.users["credit_officer"])
    spring = Period(date(2026, 1, 1), date(2026, 4, 15))
    rows = {r.number: r for r in household_rows(scope, book.village_a1, spring)}
    # both lines were granted in November, before the period: the loans still show them
    assert (rows["001"].grade, rows["001"].totals.loans, rows["001"].totals.lines) == ("4A", 1, 0)
    assert rows["002"].grade == "5A"
