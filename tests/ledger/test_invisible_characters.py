"""Free text that other people read (evidence, reasons, notes, decisions, item
names) refuses invisible and direction-changing characters with the field named,
in the forms, the services without a form and the points and credit imports."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from sanxin.credit import importing as credit_import
from sanxin.credit.forms import AssessmentForm
from sanxin.credit.models import CreditAssessment
from sanxin.ledger import entry_import
from sanxin.ledger.forms import DecideForm, ReverseForm
from sanxin.ledger.models import Entry, VetoEvent
from sanxin.ratings.choices import CycleState
from sanxin.ratings.forms import AppealDecideForm, AppealFileForm
from sanxin.ratings.services import cycles as services
from sanxin.ratings.services import review
from sanxin.ratings.views.vetoes import VetoForm
from sanxin.rules.selectors import scheme_for_village
from tests.factories import sheet_xlsx

REFUSED = "含有不可见或改变文字方向的字符"
CHARS = ["\u200b", "\u202e", "\u2067", "\ufeff", "\x07"]


def _ids(chars):
    return [f"U+{ord(c):04X}" for c in chars]


@pytest.mark.parametrize("ch", CHARS, ids=_ids(CHARS))
def test_review_and_reversal_reasons(ch):
    form = DecideForm({"action": "reject", "reason": "证据" + ch + "不足"})
    assert not form.is_valid()
    assert form.errors["reason"][0].startswith("理由" + REFUSED)
    form = ReverseForm({"reason": ch + "录错了"})
    assert not form.is_valid()
    assert form.errors["reason"][0].startswith("冲正原因" + REFUSED)


@pytest.mark.parametrize("ch", CHARS, ids=_ids(CHARS))
def test_appeal_reasons_and_decisions(ch):
    form = AppealFileForm({"kind": "grade", "reason": "评分" + ch + "有误", "evidence_text": ""})
    assert not form.is_valid()
    assert form.errors["reason"][0].startswith("异议理由" + REFUSED)
    form = AppealFileForm({"kind": "grade", "reason": "有误", "evidence_text": "证人" + ch})
    assert form.errors["evidence_text"][0].startswith("证据说明" + REFUSED)
    form = AppealDecideForm({"upheld": "0", "reason": ch + "不成立"}, needs_grade=False)
    assert form.errors["reason"][0].startswith("处理意见和依据" + REFUSED)


def test_multi_line_reasons_keep_their_lines_and_chinese_punctuation():
    form = AppealFileForm(
        {
            "kind": "grade",
            "reason": "第一，评分有误；\r\n第二，见附件（照片）。",
            "evidence_text": "",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["reason"] == "第一，评分有误；\n第二，见附件（照片）。"


def test_veto_evidence_and_credit_note(world, scheme):
    version = scheme_for_village(world.village_a1, timezone.localdate())
    form = VetoForm(
        {
            "rule_code": version.scheme.veto_rules[0].code,
            "starts_on": "2025-09-01",
            "evidence_text": "法院\u202e名单",
        },
        rules=version.scheme.veto_rules,
    )
    assert form.errors["evidence_text"][0].startswith("事实与依据" + REFUSED)
    form = AssessmentForm({"period": "2025", "note": "\u200b"}, scheme=version.scheme)
    assert not form.is_valid()
    assert form.errors["note"][0].startswith("备注" + REFUSED)


def test_the_entry_page_refuses_reversed_evidence(world, scheme, login):
    client = login(world.users["subteam_member"])
    response = client.post(
        "/points/record/",
        {
            "household": world.household.pk,
            "item_code": "env.tidy",
            "quantity": 1,
            "occurred_on": timezone.localdate().isoformat(),
            "evidence_text": "门前\u202e整洁",
            "idempotency_key": "k" * 32,
        },
    )
    assert response.status_code == 200
    assert "事实与依据" + REFUSED in response.content.decode()
    assert not Entry.objects.exists()


def test_a_veto_revocation_reason_is_refused_with_a_message(world, scheme, login):
    client = login(world.users["committee_head"])
    url = f"/points/households/{world.household.pk}/vetoes/"
    client.post(
        url,
        {"rule_code": "wd.d.dishonest_debtor", "starts_on": "2025-09-01", "evidence_text": "名单"},
    )
    event = VetoEvent.objects.get()
    response = client.post(
        f"/points/vetoes/{event.pk}/revoke/", {"reason": "误\u2066报"}, follow=True
    )
    assert "撤销原因" + REFUSED in response.content.decode()
    assert VetoEvent.objects.count() == 1


def test_adjustment_reasons_and_meeting_decisions_are_refused_by_the_services(world, scheme):
    head = world.users["committee_head"]
    today = timezone.localdate()
    try:
        cycle = services.cycle_open(
            actor=head,
            village=world.village_a1,
            period=str(today.year),
            cut_off=today - timedelta(days=1),
        )
        services.cycle_compute(actor=head, cycle=cycle)
        cycle = services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.REVIEW)
    except ValidationError as exc:  # pragma: no cover - depends on the period rules
        pytest.skip(f"no review cycle for this period: {exc.messages}")
    with pytest.raises(ValidationError) as exc:
        review.adjustment_propose(
            actor=world.users["committee_member"],
            cycle=cycle,
            household=world.household,
            to_grade="5A",
            reason="见义勇为\u202e",
        )
    assert exc.value.message_dict["reason"][0].startswith("调整理由" + REFUSED)
    with pytest.raises(ValidationError) as exc:
        review.review_close(
            actor=head,
            cycle=cycle,
            held_on=today,
            present_user_ids=[head.pk],
            decision="通过\u200b",
        )
    assert exc.value.message_dict["decision"][0].startswith("会议决定" + REFUSED)


# --- imports ------------------------------------------------------------------------

ENTRY_HEADER = ["户号", "姓名", "积分项", "数量", "发生日期", "事实依据"]


@pytest.mark.parametrize("ch", CHARS[:4], ids=_ids(CHARS[:4]))
@pytest.mark.parametrize("column", ["户号", "姓名", "积分项", "事实依据"])
def test_the_points_import_reports_row_and_column(world, scheme, column, ch):
    row = ["001", "王大山", "env.tidy", 1, "2025-06-01", "门前整洁"]
    i = ENTRY_HEADER.index(column)
    row[i] = row[i][:1] + ch + row[i][1:]
    result = entry_import.import_entries(
        sheet_xlsx([row], header=ENTRY_HEADER),
        "积分.xlsx",
        world.village_a1,
        actor=world.users["committee_member"],
        dry_run=True,
    )
    assert not result.ok
    assert [(p.row, p.field) for p in result.errors] == [(2, column)]
    assert result.errors[0].message.startswith(column + REFUSED)


def test_the_credit_import_reports_a_note(world, scheme):
    workbook = load_workbook(io.BytesIO(credit_import.build_template(scheme.scheme)))
    sheet = workbook[credit_import.TEMPLATE_SHEET]
    headers = [c.value for c in sheet[1]]
    good = [
        "3人及以上",
        "2人",
        "较好",
        "达到当地平均水平（1～1.5倍）",
        "达到当地平均水平（1～1.5倍）",
        "达到当地平均水平（1～1.5倍）",
        "日均存款5千至1万元",
        "正常履约或无贷款",
    ]
    for c, value in enumerate(["001", "2025", "2025-03-01", *good, "入户\u202e核实"], start=1):
        sheet.cell(row=2, column=c, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = credit_import.import_credit(
        buffer.getvalue(),
        "评定.xlsx",
        world.village_a1,
        actor=world.users["credit_officer"],
        dry_run=True,
    )
    assert [(p.row, p.field) for p in result.errors] == [(2, "备注")]
    assert result.errors[0].message.startswith("备注" + REFUSED)
    assert headers[-1] == "备注"
    assert not CreditAssessment.objects.exists()


def test_scheme_and_village_item_names(world, scheme):
    from sanxin.rules.forms import SchemeEditForm, VillageItemsForm

    form = SchemeEditForm(
        {"name": "\u202e方案", "version": "v2", "n0_name": "扫雪\u200b", "n0_code": "x.snow"},
        base=scheme,
    )
    assert not form.is_valid()
    assert form.errors["name"][0].startswith("方案名称" + REFUSED)
    assert form.errors["n0_name"][0].startswith("新增第 1 项的名称" + REFUSED)
    form = VillageItemsForm(
        {"version": "村1", "o0_name": "扫\u2066雪"},
        base=scheme,
        village=world.village_a1,
    )
    assert not form.is_valid()
    assert form.errors["o0_name"][0].startswith("本村第 1 项的名称" + REFUSED)


@pytest.mark.parametrize("ch", ["\u202e", "\u200b"], ids=_ids(["\u202e", "\u200b"]))
def test_services_refuse_them_without_a_form(ch, world, scheme):
    """Commands, imports and later the API call the services directly."""
    from sanxin.ledger.services import EntryRequest, entry_record
    from sanxin.ratings.services import vetoes

    version = scheme_for_village(world.village_a1, timezone.localdate())
    rule = version.scheme.veto_rules[0]
    with pytest.raises(ValidationError) as refused:
        vetoes.veto_record(
            actor=world.users["committee_head"],
            household=world.household,
            rule_code=rule.code,
            starts_on=timezone.localdate(),
            evidence_text="法院" + ch + "判决",
        )
    assert REFUSED in str(refused.value)
    assert not VetoEvent.objects.exists()
    item = next(i for i in version.scheme.items if i.applies_to == "household" and i.points > 0)
    with pytest.raises(ValidationError) as refused:
        entry_record(
            actor=world.users["subteam_member"],
            request=EntryRequest(
                household=world.household,
                item_code=item.code,
                occurred_on=timezone.localdate(),
                evidence_text="打扫" + ch + "街道",
            ),
        )
    assert REFUSED in str(refused.value)
    assert not Entry.objects.exists()
