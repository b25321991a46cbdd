"""The exchange with the bank: the export of a village's lines (masked IDs, exact
amounts, an audit row) and the import of its decisions back by line reference — all
or nothing with row-numbered Chinese errors, idempotent when imported again."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from sanxin.audit.models import AuditEvent
from sanxin.households.models import PendingImport
from sanxin.lending import bank_decisions
from sanxin.lending.choices import BankDecision, LineEventKind, LineStatus
from sanxin.lending.models import CreditLine
from sanxin.lending.services import lines as services
from sanxin.lib import idcard
from tests.factories import sheet_csv, sheet_xlsx

HEADER = ("授信编号", "户号", "信用社决定", "原因")


def _granted(world):
    services.credit_lines_grant_village(
        actor=world.users["credit_officer"], village=world.village_a1
    )
    return (
        CreditLine.objects.get(household=world.household),
        CreditLine.objects.get(household=world.household_a1_2),
    )


def _import(world, content, name="审批.xlsx", dry_run=False):
    return bank_decisions.import_bank_decisions(
        content, name, world.village_a1, actor=world.users["credit_officer"], dry_run=dry_run
    )


def test_the_export_lists_the_lines_for_the_bank(world, final, login):
    first, second = _granted(world)
    response = login(world.users["credit_officer"]).get(
        f"/lending/villages/{world.village_a1.pk}/lines.xlsx"
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == list(bank_decisions.EXPORT_HEADERS)
    row = next(r for r in rows if r[0] == first.reference)
    assert row[2:4] == ["001", "王大山"]
    assert row[4].startswith("130803") and "*" in row[4]  # masked, never the full number
    assert not any(idcard.is_valid(str(v)) for r in rows for v in r)
    assert row[5:8] == ["4A", "150000.00", "4.7500"] and row[10:] == [None, None]
    event = AuditEvent.objects.get(action="lending.lines_export")
    assert event.after == {"lines": 2}


def test_the_bank_s_file_is_recorded_and_a_second_import_changes_nothing(world, final):
    first, second = _granted(world)
    content = sheet_xlsx(
        [
            (first.reference, "001", "批准", ""),
            (second.reference.lower(), "002", "不批准", "家庭负债较高"),
        ],
        header=HEADER,
        above=[("信用社审批结果",)],
    )
    preview = _import(world, content, dry_run=True)
    assert preview.ok and (preview.approved, preview.declined) == (1, 1)
    assert CreditLine.objects.get(pk=first.pk).bank_decision == BankDecision.PENDING
    result = _import(world, content)
    assert result.ok and (result.approved, result.declined, result.unchanged) == (1, 1, 0)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.bank_decision == BankDecision.APPROVED and first.status == LineStatus.GRANTED
    assert second.status == LineStatus.BANK_DECLINED and second.bank_reason == "家庭负债较高"
    assert second.events.last().kind == LineEventKind.BANK_DECLINED
    assert AuditEvent.objects.filter(action="lending.bank_import").count() == 1
    again = _import(world, content)
    assert again.ok and (again.approved, again.declined, again.unchanged) == (0, 0, 2)
    assert first.events.filter(kind=LineEventKind.BANK_APPROVED).count() == 1


def test_a_bad_file_names_each_row_and_saves_nothing(world, final):
    first, second = _granted(world)
    content = sheet_csv(
        [
            (first.reference, "001", "批准", ""),
            ("SXNOSUCHLINE", "009", "批准", ""),
            (second.reference, "002", "不批准", ""),
            (first.reference, "001", "批准", ""),
            (second.reference, "002", "也许", ""),
        ],
        header=HEADER,
    )
    result = _import(world, content, name="审批.csv")
    assert not result.ok
    messages = {(p.row, p.field): p.message for p in result.errors}
    assert "不是大贵口村的授信" in messages[(3, "授信编号")]
    assert "不批准时必须填写原因" in messages[(4, "原因")]
    assert "与第 2 行重复" in messages[(5, "授信编号")]
    assert "无法识别的决定“也许”" in messages[(6, "信用社决定")]
    assert not CreditLine.objects.exclude(bank_decision=BankDecision.PENDING).exists()


def test_a_contrary_decision_is_refused(world, final):
    first, _ = _granted(world)
    _import(world, sheet_csv([(first.reference, "001", "批准", "")], header=HEADER), "a.csv")
    result = _import(
        world, sheet_csv([(first.reference, "001", "不批准", "改主意")], header=HEADER), "b.csv"
    )
    assert not result.ok and "已作出决定" in result.errors[0].message
    first.refresh_from_db()
    assert first.bank_decision == BankDecision.APPROVED


def test_another_village_s_lines_are_not_found(world, final):
    first, _ = _granted(world)
    result = bank_decisions.import_bank_decisions(
        sheet_csv([(first.reference, "001", "批准", "")], header=HEADER),
        "a.csv",
        world.village_a2,
        actor=world.users["credit_officer"],
        dry_run=False,
    )
    assert not result.ok and "不是邻村的授信" in result.errors[0].message


def test_upload_preview_and_confirm_in_the_browser(world, final, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    first, _ = _granted(world)
    client = login(world.users["credit_officer"])
    content = sheet_csv([(first.reference, "001", "批准", "")], header=HEADER)
    page = client.post(
        "/lending/bank/",
        {"village": world.village_a1.pk, "file": SimpleUploadedFile("审批.csv", content)},
    ).content.decode()
    pending = PendingImport.objects.get(user=world.users["credit_officer"])
    assert "检查通过" in page and f"/lending/bank/{pending.token}/confirm/" in page
    response = client.post(f"/lending/bank/{pending.token}/confirm/")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.bank_decision == BankDecision.APPROVED
    assert not PendingImport.objects.exists()
    assert Decimal(first.amount) == Decimal("150000.00")


def test_the_exported_sheet_comes_back_filled_in(world, final):
    """The bank fills in the export's last two columns; nothing else to retype."""
    first, second = _granted(world)
    workbook = load_workbook(
        io.BytesIO(
            bank_decisions.lines_export(
                actor=world.users["credit_officer"], village=world.village_a1
            )
        )
    )
    sheet = workbook.active
    for row in sheet.iter_rows(min_row=2):
        row[10].value = "同意" if row[0].value == first.reference else "拒绝"
        row[11].value = "" if row[0].value == first.reference else "经营风险较高"
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _import(world, buffer.getvalue())
    assert result.ok and (result.approved, result.declined) == (1, 1) and not result.warnings
    second.refresh_from_db()
    assert (second.status, second.bank_reason) == (LineStatus.BANK_DECLINED, "经营风险较高")
