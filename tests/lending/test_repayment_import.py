"""The bank's repayment file: row-numbered Chinese errors, all or nothing, idempotent
re-import, preview then confirm, crafted files refused."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sanxin.audit.models import AuditEvent
from sanxin.households.models import PendingImport
from sanxin.lending import repayment_import as imp
from sanxin.lending.models import CreditPolicy, Repayment
from tests import crafted_files as crafted
from tests.factories import sheet_csv, sheet_xlsx
from tests.lending.loan_world import credit_line, disbursed, policy

D = Decimal
HEADER = ("贷款编号", "还款日期", "金额", "流水号")


@pytest.fixture
def loans(world):
    policy(world)
    credit_line(world)
    credit_line(world, household=world.household_a1_2)
    start = timezone.localdate() - timedelta(days=70)
    a = disbursed(world, amount="12000", number="JJ-A", on=start)
    b = disbursed(world, household=world.household_a1_2, amount="5000", number="JJ-B", on=start)
    return a, b


def _run(world, content, *, name="还款.csv", dry_run=False, region=None, who="credit_officer"):
    return imp.import_repayments(
        content,
        name,
        region or world.town_a,
        actor=world.users[who],
        dry_run=dry_run,
    )


def _day(days_ago: int) -> str:
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


def test_a_good_file_records_and_a_second_import_records_nothing(world, loans):
    a, b = loans
    rows = [("JJ-A", _day(30), "1000.50", "LS1"), ("JJ-B", _day(20), "300", "LS2"),
            ("JJ-A", _day(10), "99.5", "LS3")]  # fmt: skip
    content = sheet_csv(rows, header=HEADER)
    preview = _run(world, content, dry_run=True)
    assert (preview.ok, preview.created, preview.total) == (True, 3, D("1400.00"))
    assert not Repayment.objects.exists()
    result = _run(world, content)
    assert (result.ok, result.created, result.skipped) == (True, 3, 0)
    assert Repayment.objects.filter(loan=a, source="import").count() == 2
    assert sum(r.amount for r in Repayment.objects.filter(loan=a)) == D("1100.00")
    summary = AuditEvent.objects.get(action="repayment.import")
    assert summary.after["created"] == 3
    assert AuditEvent.objects.filter(action="repayment.record").count() == 3
    again = _run(world, sheet_xlsx(rows, header=HEADER), name="还款.xlsx")
    assert (again.ok, again.created, again.skipped) == (True, 0, 3)
    assert "已经导入过" in again.warnings[0].message
    assert Repayment.objects.count() == 3
    # a file with one new row among old ones records just that one
    more = _run(world, sheet_csv([*rows, ("JJ-B", _day(1), "50", "LS4")], header=HEADER))
    assert (more.created, more.skipped) == (1, 3)


def test_every_problem_with_its_row_and_nothing_saved(world, loans):
    other = world.household_other_district
    other_policy = CreditPolicy.objects.create(
        district=world.other_district, version=1, effective_from=date(2020, 1, 1),
        published_at=timezone.now(),
    )  # fmt: skip
    from sanxin.lending.models import CreditPolicyGrade

    CreditPolicyGrade.objects.create(
        policy=other_policy, grade="4A", line_amount=D("150000"), annual_rate=D("4.75")
    )
    credit_line(world, household=other, pol=other_policy)
    from sanxin.accounts.choices import Role
    from tests.factories import make_user

    far = make_user("far_officer", Role.CREDIT_OFFICER, region=world.other_district)
    from sanxin.lending.services import loans as loan_services

    application = loan_services.loan_apply(
        actor=far, household=other, amount=D("1000"), purpose="industry", term_months=6,
        method="interest_monthly",
    )  # fmt: skip
    loan_services.loan_decide(actor=far, application=application, grant=True)
    application.refresh_from_db()
    loan_services.loan_disburse(
        actor=far, application=application, disbursed_on=timezone.localdate(),
        bank_loan_number="JJ-FAR",
    )  # fmt: skip

    rows = [
        ("JJ-A", _day(5), "100", "OK1"),  # row 2: fine on its own
        ("JJ-A", "2025-13-01", "100", "R3"),  # row 3: no such date
        ("JJ-A", _day(-3), "100", "R4"),  # row 4: in the future
        ("JJ-NONE", _day(5), "100", "R5"),  # row 5: unknown loan
        ("JJ-FAR", _day(5), "100", "R6"),  # row 6: a loan of another district
        ("JJ-B", _day(5), "-100", "R7"),  # row 7: negative
        ("JJ-B", _day(5), "100", "OK1"),  # row 8: the 流水号 of row 2 again
        ("JJ-B", _day(5), "10.005", "R9"),  # row 9: finer than a 分
        ("JJ-B", _day(90), "10", "R10"),  # row 10: before the loan was disbursed
        ("JJ-B", _day(5), "999999", "R11"),  # row 11: more than the loan owes
        ("", _day(5), "10", "R12"),  # row 12: no loan number
        ("JJ-A", _day(5), "abc", ""),  # row 13: unreadable amount, no 流水号
    ]
    result = _run(world, sheet_csv(rows, header=HEADER))
    assert not result.ok and result.created == 0
    by_row: dict[int | None, list[str]] = {}
    for p in result.errors:
        by_row.setdefault(p.row, []).append(p.message)
    assert 2 not in by_row
    assert "无法识别的日期" in by_row[3][0]
    assert "在今天之后" in by_row[4][0]
    assert "没有贷款编号为“JJ-NONE”" in by_row[5][0]
    assert "没有贷款编号为“JJ-FAR”" in by_row[6][0]  # told apart from nothing: no leak
    assert "不是正数" in by_row[7][0]
    assert "与第 2 行重复" in by_row[8][0]
    assert "精确到分" in by_row[9][0]
    assert "早于该贷款的放款日期" in by_row[10][0]
    assert "尚未还清的本息" in by_row[11][0]
    assert "贷款编号为空" in by_row[12][0]
    assert any("无法识别的金额" in m for m in by_row[13])
    assert any("流水号为空" in m for m in by_row[13])
    assert not Repayment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="repayment.").exists()


def test_amounts_too_large_or_not_finite_are_row_problems(world, loans):
    """Found by the fuzzer (fuzz/targets.py `repayments`): an amount of 40 digits, or
    an .xlsx number cell holding inf or NaN (python-calamine reads them as floats),
    raised decimal.InvalidOperation instead of a row problem."""
    result = _run(world, sheet_csv([("JJ-A", _day(5), "1" * 40, "R2")], header=HEADER))
    assert not result.ok and result.created == 0
    assert [(p.row, p.field) for p in result.errors] == [(2, "金额")]
    assert "过大" in result.errors[0].message

    def number_row(row: int, value: str) -> bytes:
        def text(col: str, t: str) -> str:
            return f'<c r="{col}{row}" t="inlineStr"><is><t>{t}</t></is></c>'

        cells = text("A", "JJ-A") + text("B", _day(5)) + f'<c r="C{row}"><v>{value}</v></c>'
        return f'<row r="{row}">{cells}{text("D", f"R{row}")}</row>'.encode()

    sheet = [crafted.inline_row(1, list(HEADER)), number_row(2, "inf"), number_row(3, "NaN")]
    result = _run(world, crafted.xlsx([sheet]), name="还款.xlsx")
    assert not result.ok and result.created == 0
    assert [(p.row, p.field) for p in result.errors] == [(2, "金额"), (3, "金额")]
    assert all("无法识别的金额" in p.message for p in result.errors)
    assert not Repayment.objects.exists()


def test_the_file_must_have_its_columns(world, loans):
    result = _run(world, sheet_csv([("JJ-A", _day(1))], header=("贷款编号", "还款日期")))
    assert not result.ok and "没有找到表头" in result.errors[0].message
    aliases = sheet_csv(
        [("JJ-A", _day(1), "10", "X1")], header=("借据号", "还款日期", "还款金额", "交易流水号")
    )
    assert _run(world, aliases).created == 1


def test_the_officers_own_household_is_refused(world, loans):
    from sanxin.households.models import Person

    officer = world.users["credit_officer"]
    officer.person = Person.objects.filter(household=world.household).first()
    officer.save()
    result = imp.import_repayments(
        sheet_csv([("JJ-A", _day(1), "10", "X1")], header=HEADER),
        "还款.csv",
        world.town_a,
        actor=type(officer).objects.get(pk=officer.pk),
        dry_run=True,
    )
    assert not result.ok and "回避" in result.errors[0].message


# --- the web flow ----------------------------------------------------------------------


def _upload(client, world, content, name="还款.csv"):
    return client.post(
        "/lending/repayments/import/",
        {"village": world.town_a.pk, "file": SimpleUploadedFile(name, content)},
    )


def test_preview_then_confirm(world, loans, login):
    client = login(world.users["credit_officer"])
    page = client.get("/lending/repayments/import/")
    assert page.status_code == 200 and "贷款编号" in page.content.decode()
    response = _upload(client, world, sheet_csv([("JJ-A", _day(1), "10", "X1")], header=HEADER))
    html = response.content.decode()
    assert response.status_code == 200 and "确认导入" in html
    assert not Repayment.objects.exists()
    token = PendingImport.objects.get().token
    done = client.post(f"/lending/repayments/import/{token}/confirm/")
    assert done.status_code == 302
    assert Repayment.objects.count() == 1
    # a double submit records nothing more
    again = client.post(f"/lending/repayments/import/{token}/confirm/")
    assert again.status_code == 404
    assert Repayment.objects.count() == 1


def test_a_bad_file_shows_its_rows_and_no_confirm(world, loans, login):
    client = login(world.users["credit_officer"])
    response = _upload(client, world, sheet_csv([("JJ-A", "昨天", "10", "X1")], header=HEADER))
    html = response.content.decode()
    assert "无法识别的日期" in html and "确认导入" not in html
    assert not PendingImport.objects.exists()


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (crafted.million_empty_rows, "还款.xlsx", "空行也算在内"),
        (crafted.wide_row, "还款.xlsx", "60 列的上限"),
        (crafted.entity_expansion, "还款.xlsx", "无法读取该 Excel 文件"),
        (lambda: crafted.zip_bomb_member(200 * 1024 * 1024), "还款.xlsx", "解压后过大"),
        (lambda: crafted.long_line_csv(200_000), "还款.csv", "超过 100,000 个字符"),
    ],
)
def test_crafted_files_are_refused_with_their_message(world, loans, login, make, name, message):
    client = login(world.users["credit_officer"])
    response = _upload(client, world, make(), name)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html and "确认导入" not in html
    assert not PendingImport.objects.exists() and not Repayment.objects.exists()


def test_the_template_imports_nothing(world, loans, login):
    client = login(world.users["credit_officer"])
    response = client.get("/lending/repayments/template/")
    assert response.status_code == 200
    result = _run(world, response.content, name="模板.xlsx")
    assert result.ok and result.created == 0
