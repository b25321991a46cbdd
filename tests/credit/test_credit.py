"""双基 credit assessments: the form, corrections, who sees the details, the import
(web and command) and the officer's list."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from sanxin.accounts.choices import Role
from sanxin.audit.models import AuditEvent
from sanxin.credit import importing
from sanxin.credit.models import CreditAssessment
from sanxin.credit.selectors import latest_credit
from sanxin.credit.services import assessment_record
from sanxin.households.models import Household, PendingImport
from tests.factories import make_user

# Labels from default_scheme.json that only the credit union and the household may see.
DETAIL_LABELS = ["日均存款5千至1万元", "正常履约或无贷款", "达到当地平均水平（1～1.5倍）"]

INDICATOR_COLUMNS = [
    "家庭人口",
    "劳动力人数",
    "村级综合评价（品行、信誉、邻里、敬老、公益）",
    "家庭总资产（与当地平均水平比）",
    "家庭净资产（与当地平均水平比）",
    "家庭纯收入（与当地平均水平比）",
    "在信用社的存款与结算往来",
    "还款记录",
]
# The default answers of the credit_for fixture, as the labels the form shows.
GOOD_LABELS = [
    "3人及以上",
    "2人",
    "较好",
    "达到当地平均水平（1～1.5倍）",
    "达到当地平均水平（1～1.5倍）",
    "达到当地平均水平（1～1.5倍）",
    "日均存款5千至1万元",
    "正常履约或无贷款",
]


def post_data(answers: dict[str, str], **fields) -> dict[str, str]:
    data = {"period": "2025", "assessed_on": "2025-04-02", "note": "", "supersedes": ""}
    data.update(fields)
    data.update({f"answer_{code}": option for code, option in answers.items()})
    return data


MIXED = {
    # basic: 7 + 3 + 30 = 40
    "household_size": "2",
    "workers": "1",
    "village_appraisal": "excellent",
    # economy: 13 + 7 + 4 = 24
    "total_assets": "ge_1_5",
    "net_assets": "ge_0_5",
    "net_income": "lt_0_5",
    # finance: 2 + 5 = 7
    "deposits": "some",
    "repayment": "past_overdue",
}


# --- the form ------------------------------------------------------------------------


def test_form_is_built_from_the_scheme(world, scheme, login):
    client = login(world.users["credit_officer"])
    response = client.get(f"/credit/households/{world.household.pk}/assess/")
    assert response.status_code == 200
    page = response.content.decode()
    for area in ("家庭基本情况", "家庭经济情况", "家庭主要成员金融交易情况"):
        assert area in page
    assert "3人及以上（8分）" in page
    assert 'type="radio"' in page
    assert f'value="{timezone.localdate().year}"' in page  # the period defaults to this year
    assert "更正" not in page.split("<main>")[1].split("</h1>")[0]


def test_form_assessment_saves_the_right_scores(world, scheme, login):
    client = login(world.users["credit_officer"])
    response = client.post(f"/credit/households/{world.household.pk}/assess/", post_data(MIXED))
    assert response.status_code == 302
    assert response["Location"] == f"/credit/households/{world.household.pk}/"
    assessment = CreditAssessment.objects.get(household=world.household)
    assert assessment.period == "2025"
    assert assessment.assessed_on == date(2025, 4, 2)
    assert {k: Decimal(v) for k, v in assessment.area_scores.items()} == {
        "basic": Decimal(40),
        "economy": Decimal(24),
        "finance": Decimal(7),
    }
    assert assessment.total == Decimal(71)
    assert assessment.assessed_by == world.users["credit_officer"]
    page = client.get(response["Location"]).content.decode()
    assert "总分 71 分" in page  # the success message
    assert "家庭基本情况 40 分" in page


def test_form_errors_name_the_missing_indicator_and_save_nothing(world, scheme, login):
    client = login(world.users["credit_officer"])
    answers = {k: v for k, v in MIXED.items() if k != "repayment"}
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(
        f"/credit/households/{world.household.pk}/assess/",
        post_data(answers, assessed_on=tomorrow, period="20x5"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "请选择“还款记录”" in page
    assert "评定期应为四位年份" in page
    assert CreditAssessment.objects.count() == 0


def test_a_date_before_any_scheme_is_a_form_error(world, scheme, login):
    client = login(world.users["credit_officer"])
    response = client.post(
        f"/credit/households/{world.household.pk}/assess/",
        post_data(MIXED, period="2023", assessed_on="2023-06-01"),
    )
    assert response.status_code == 200
    assert "该日期本村还没有生效的评分方案" in response.content.decode()
    assert CreditAssessment.objects.count() == 0


def test_correction_supersedes_and_keeps_the_original(world, scheme, credit_for, login):
    original = credit_for(world.household)  # period 2025, total 8+7+25 + 11+11+12 + 3+10 = 87
    client = login(world.users["credit_officer"])
    url = f"/credit/households/{world.household.pk}/assess/"

    # The correction form shows the present answers, and that read is audited.
    page = client.get(url + "?period=2025").content.decode()
    assert "本次提交将作为“更正”" in page
    assert f'name="supersedes" value="{original.pk}"' in page
    assert AuditEvent.objects.filter(
        action="credit.view_details", actor=world.users["credit_officer"]
    ).exists()

    # Without a reason: refused.
    response = client.post(url, post_data(MIXED, supersedes=str(original.pk)))
    assert response.status_code == 200
    assert "更正评定必须在备注中说明原因" in response.content.decode()
    assert CreditAssessment.objects.count() == 1

    response = client.post(
        url, post_data(MIXED, supersedes=str(original.pk), note="收入情况核实有误")
    )
    assert response.status_code == 302
    assert CreditAssessment.objects.count() == 2
    correction = latest_credit(world.household)
    assert correction.supersedes == original
    assert correction.total == Decimal(71)
    original.refresh_from_db()
    assert original.total == Decimal(87)  # kept unchanged
    page = client.get(f"/credit/households/{world.household.pk}/").content.decode()
    assert "已被更正" in page and "现行" in page
    assert "收入情况核实有误" in page


def test_a_new_assessment_for_an_assessed_period_becomes_a_correction(
    world, scheme, credit_for, login
):
    """Posting a plain assessment for a period that has one never corrects it silently."""
    original = credit_for(world.household)
    client = login(world.users["credit_officer"])
    url = f"/credit/households/{world.household.pk}/assess/"
    response = client.post(url, post_data(MIXED, note="复核"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2025 年已有评定" in page
    assert f'name="supersedes" value="{original.pk}"' in page  # resubmitting corrects it
    assert CreditAssessment.objects.count() == 1
    # A stale correction (someone corrected it meanwhile) is refused too.
    newer = assessment_record(
        actor=world.users["credit_officer"],
        household=world.household,
        period="2025",
        assessed_on=date(2025, 3, 5),
        answers=original.answers,
        note="他人更正",
        supersedes=original,
    )
    response = client.post(url, post_data(MIXED, supersedes=str(original.pk), note="复核"))
    assert response.status_code == 200
    assert f'name="supersedes" value="{newer.pk}"' in response.content.decode()
    assert CreditAssessment.objects.count() == 2


def test_assess_without_a_scheme_says_so(world, login):
    client = login(world.users["credit_officer"])
    response = client.get(f"/credit/households/{world.household.pk}/assess/")
    assert response.status_code == 200
    assert "还没有生效的评分方案" in response.content.decode()


def test_credit_officer_of_another_town_gets_404(world, scheme, credit_for, login):
    credit_for(world.household)
    client = login(world.users["other_credit_officer"])
    assert client.get(f"/credit/households/{world.household.pk}/assess/").status_code == 404
    assert (
        client.post(
            f"/credit/households/{world.household.pk}/assess/", post_data(MIXED)
        ).status_code
        == 404
    )
    assert client.get(f"/credit/households/{world.household.pk}/").status_code == 404
    assert CreditAssessment.objects.count() == 1


# --- who sees the details ------------------------------------------------------------


@pytest.mark.parametrize(
    "username", ["committee_member", "committee_head", "town_admin", "district_admin"]
)
def test_others_see_scores_but_not_the_indicator_details(
    world, scheme, credit_for, login, username
):
    credit_for(world.household, {"village_appraisal": "excellent"})  # total 92
    client = login(world.users[username])
    response = client.get(f"/credit/households/{world.household.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "92" in page
    assert "家庭基本情况" in page and "家庭主要成员金融交易情况" in page
    for label in DETAIL_LABELS + ["优秀"]:
        assert label not in page
    assert "指标明细" not in page
    assert not AuditEvent.objects.filter(action="credit.view_details").exists()


def test_the_shop_clerk_is_refused_the_credit_page(world, scheme, credit_for, login):
    """The counter needs the grade in force only (Field.POINTS in docs/access.md)."""
    credit_for(world.household, {"village_appraisal": "excellent"})
    response = login(world.users["shop_clerk"]).get(f"/credit/households/{world.household.pk}/")
    assert response.status_code == 403
    # the score as a word of the page (a random CSRF token may hold the digits "92")
    assert not re.search(r"(?<![0-9A-Za-z])92(?![0-9A-Za-z])", response.content.decode())


@pytest.mark.parametrize("username", ["villager", "credit_officer"])
def test_the_household_and_the_credit_union_see_the_details(
    world, scheme, credit_for, login, username
):
    assessment = credit_for(world.household)
    client = login(world.users[username])
    response = client.get(f"/credit/households/{world.household.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    for label in DETAIL_LABELS:
        assert label in page
    event = AuditEvent.objects.get(action="credit.view_details")
    assert event.actor == world.users[username]
    assert event.after["assessments"] == [assessment.pk]


def test_another_villager_cannot_see_the_household(world, scheme, credit_for, login):
    credit_for(world.household)
    client = login(world.users["other_villager"])
    assert client.get(f"/credit/households/{world.household.pk}/").status_code == 404


# --- the list ------------------------------------------------------------------------


def test_list_shows_this_periods_status(world, scheme, credit_for, login):
    credit_for(world.household, on=date(2025, 3, 1))
    client = login(world.users["credit_officer"])
    page = client.get("/credit/?period=2025").content.decode()
    assert "87 分" in page and "2025-03-01" in page
    assert "未评定" in page  # the other households of the town
    assert world.household_b1.head_name not in page  # town B is not theirs
    page = client.get(f"/credit/?period=2025&village={world.village_a2.pk}").content.decode()
    assert world.household_a2.head_name in page and world.household.head_name not in page
    page = client.get("/credit/?period=2025&q=王大山").content.decode()
    assert world.household.head_name in page and world.household_a1_2.head_name not in page


def _add_households(world, n: int) -> None:
    start = Household.objects.filter(village=world.village_a1).count()
    Household.objects.bulk_create(
        Household(
            village=world.village_a1,
            villager_group=world.group_a1_2,
            district_id=world.district.pk,
            number=f"{start + i + 100:03d}",
            head_name=f"户主{i}",
            member_count=1,
        )
        for i in range(n)
    )


def test_list_query_count_is_fixed(world, scheme, credit_for, login):
    credit_for(world.household)
    client = login(world.users["credit_officer"])
    client.get("/credit/")  # warm the session

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/credit/?period=2025").status_code == 200
        return len(ctx.captured_queries)

    small = count()  # 3 households in town A
    _add_households(world, 27)
    for h in Household.objects.filter(number__gte="100")[:5]:
        credit_for(h)
    assert count() == small  # 30 households, some assessed


# --- import --------------------------------------------------------------------------


def _xlsx(rows, *, scheme_version, drop: str | None = None) -> bytes:
    """The downloadable template, filled in."""
    workbook = load_workbook(io.BytesIO(importing.build_template(scheme_version.scheme)))
    sheet = workbook[importing.TEMPLATE_SHEET]
    if drop:
        headers = [c.value for c in sheet[1]]
        sheet.delete_cols(headers.index(drop) + 1)
    # The template formats its first 1000 rows (text, dates), so fill from row 2.
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _row(number, *, period="2025", on="2025-03-01", labels=None, note=""):
    return [number, period, on, *(labels or GOOD_LABELS), note]


def test_template_has_the_scheme_headers_and_options(world, scheme, login):
    client = login(world.users["credit_officer"])
    response = client.get("/credit/import/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    first = workbook[importing.TEMPLATE_SHEET]
    assert [c.value for c in first[1]] == ["户号", "评定期", "评定日期", *INDICATOR_COLUMNS, "备注"]
    assert not any(
        v is not None for row in first.iter_rows(min_row=2, values_only=True) for v in row
    )
    options = [
        row[2] for row in workbook[importing.OPTIONS_SHEET].iter_rows(min_row=2, values_only=True)
    ]
    assert "日均存款5千至1万元" in options and "当前有欠息或逾期" in options
    # An untouched template imports nothing.
    result = importing.import_credit(
        response.content,
        "t.xlsx",
        world.village_a1,
        actor=world.users["credit_officer"],
        dry_run=False,
    )
    assert result.ok and result.created == 0


def test_clean_file_creates_every_assessment(world, scheme):
    labels_by_code = list(GOOD_LABELS)
    labels_by_code[2] = "excellent"  # an option code is accepted too
    content = _xlsx(
        [
            _row("001"),
            _row(
                2, period=2025, on=datetime(2025, 3, 2), labels=labels_by_code, note="入户核实"
            ),  # Excel numbers and dates
        ],
        scheme_version=scheme,
    )
    result = importing.import_credit(
        content, "评定.xlsx", world.village_a1, actor=world.users["credit_officer"], dry_run=False
    )
    assert result.ok, result.errors
    assert result.created == 2
    first = latest_credit(world.household)
    assert first.total == Decimal(87) and first.period == "2025"
    second = latest_credit(world.household_a1_2)
    assert second.total == Decimal(92) and second.assessed_on == date(2025, 3, 2)
    assert second.note == "入户核实"
    assert AuditEvent.objects.filter(action="credit.import").count() == 1
    assert AuditEvent.objects.filter(action="credit.assess").count() == 2


def test_bad_file_reports_every_problem_and_saves_nothing(world, scheme, credit_for):
    credit_for(world.household_a1_2)  # 002 already has 2025
    before = CreditAssessment.objects.count()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    unknown_option = list(GOOD_LABELS)
    unknown_option[2] = "很好"
    missing = list(GOOD_LABELS)
    missing[7] = ""
    rows = [
        _row("999"),  # row 2: unknown household
        _row("001", labels=unknown_option),  # row 3: unknown option
        _row("001", period="2024", labels=missing),  # row 4: missing indicator
        _row("001", period="2023", on=tomorrow),  # row 5: future date
        _row("001", period="2022"),  # row 6
        _row("001", period="2022"),  # row 7: duplicate of row 6
        _row("002"),  # row 8: already assessed for 2025
        _row("001", period="明年"),  # row 9: bad period
        _row("001", period="2021", on="三月初"),  # row 10: bad date
    ]
    result = importing.import_credit(
        _xlsx(rows, scheme_version=scheme),
        "评定.xlsx",
        world.village_a1,
        actor=world.users["credit_officer"],
        dry_run=False,
    )
    assert not result.ok
    found = {(p.row, p.field): p.message for p in result.errors}
    assert "没有户号为“999”" in found[(2, "户号")]
    assert "很好" in found[(3, "村级综合评价（品行、信誉、邻里、敬老、公益）")]
    assert "没有填写" in found[(4, "还款记录")]
    assert "今天之后" in found[(5, "评定日期")]
    assert "第 6 行" in found[(7, "户号")]
    assert found[(8, "评定期")] == "该户本期已有评定，请在网页上更正。"
    assert "四位年份" in found[(9, "评定期")]
    assert "无法识别的日期" in found[(10, "评定日期")]
    assert (6, "户号") not in found
    assert CreditAssessment.objects.count() == before
    assert not AuditEvent.objects.filter(action="credit.import").exists()


def test_households_outside_the_officers_scope_are_refused(world, scheme):
    result = importing.import_credit(
        _xlsx([_row("001")], scheme_version=scheme),
        "评定.xlsx",
        world.village_a1,
        actor=world.users["other_credit_officer"],
        dry_run=False,
    )
    assert not result.ok
    assert result.errors[0].row == 2 and "管辖范围" in result.errors[0].message
    assert CreditAssessment.objects.count() == 0


def test_a_missing_indicator_column_is_one_error_on_the_header_row(world, scheme):
    content = _xlsx([_row("001")[:-2] + [""]], scheme_version=scheme, drop="还款记录")
    result = importing.import_credit(
        content, "评定.xlsx", world.village_a1, actor=world.users["credit_officer"], dry_run=False
    )
    assert not result.ok
    assert [(p.row, p.field) for p in result.errors] == [(1, "还款记录")]


def test_csv_with_short_headers_and_codes(world, scheme):
    header = "户号,评定期,评定日期,家庭人口,劳动力人数,村级综合评价,家庭总资产,家庭净资产,家庭纯收入,在信用社的存款与结算往来,还款记录"
    content = (header + "\n001,2025年,2025/3/1,3plus,2,good,ge_1,ge_1,ge_1,ge_5k,normal\n").encode(
        "gb18030"
    )
    result = importing.import_credit(
        content, "评定.csv", world.village_a1, actor=world.users["credit_officer"], dry_run=False
    )
    assert result.ok, result.errors
    assert latest_credit(world.household).total == Decimal(87)


# --- the web import ------------------------------------------------------------------


def _upload(client, world, content: bytes):
    return client.post(
        "/credit/import/",
        {"village": world.village_a1.pk, "file": SimpleUploadedFile("评定.xlsx", content)},
    )


def test_upload_preview_then_confirm(world, scheme, login):
    client = login(world.users["credit_officer"])
    content = _xlsx([_row("001")], scheme_version=scheme)
    response = _upload(client, world, content)
    assert response.status_code == 200
    assert response.context["result"].ok
    token = response.context["token"]
    assert token.startswith(importing.TOKEN_PREFIX)
    assert CreditAssessment.objects.count() == 0  # preview saves nothing
    # Another officer cannot confirm my upload.
    other = make_user("credit_officer_2", Role.CREDIT_OFFICER, region=world.town_a)
    client2 = login(other)
    assert client2.post(f"/credit/import/{token}/confirm/").status_code == 404
    client = login(world.users["credit_officer"])
    response = client.post(f"/credit/import/{token}/confirm/")
    assert response.status_code == 302
    assert CreditAssessment.objects.count() == 1
    assert not PendingImport.objects.filter(token=token).exists()


def test_bad_upload_lists_row_numbers_and_offers_no_confirm(world, scheme, login):
    client = login(world.users["credit_officer"])
    content = _xlsx([_row("001"), _row("999")], scheme_version=scheme)
    response = _upload(client, world, content)
    assert response.status_code == 200
    page = response.content.decode()
    assert "没有户号为“999”" in page
    assert response.context["token"] is None
    assert not PendingImport.objects.exists()


def test_upload_into_a_village_outside_scope_is_404(world, scheme, login):
    client = login(world.users["other_credit_officer"])
    content = _xlsx([_row("001")], scheme_version=scheme)
    response = _upload(client, world, content)
    assert response.status_code == 404


# --- the command ---------------------------------------------------------------------


def _run_json(*args) -> tuple[dict, int]:
    out = io.StringIO()
    code = 0
    try:
        call_command("import_credit", *args, "--json", stdout=out)
    except SystemExit as exc:
        code = exc.code
    return json.loads(out.getvalue()), code


def test_command_json_clean_and_dry_run(world, scheme, tmp_path):
    path = tmp_path / "评定.xlsx"
    path.write_bytes(_xlsx([_row("001"), _row("002")], scheme_version=scheme))
    data, code = _run_json(
        str(path), "--village", "大贵口村", "--officer", "credit_officer", "--dry-run"
    )
    assert code == 0
    assert data == {"ok": True, "created": 2, "errors": [], "warnings": []}
    assert CreditAssessment.objects.count() == 0
    data, code = _run_json(str(path), "--village", "大贵口村", "--officer", "credit_officer")
    assert (code, data["ok"], data["created"]) == (0, True, 2)
    assert CreditAssessment.objects.count() == 2


def test_command_json_errors_exit_non_zero(world, scheme, tmp_path):
    path = tmp_path / "评定.xlsx"
    path.write_bytes(_xlsx([_row("001"), _row("999")], scheme_version=scheme))
    data, code = _run_json(str(path), "--village", "大贵口村", "--officer", "credit_officer")
    assert code == 1
    assert data["ok"] is False and data["created"] == 0
    assert data["errors"] == [
        {"row": 3, "field": "户号", "message": "大贵口村没有户号为“999”的农户。"}
    ]
    assert CreditAssessment.objects.count() == 0


@pytest.mark.parametrize(
    ("officer", "fragment"),
    [
        ("committee_head", "不是信用社信贷员"),
        ("other_credit_officer", "管辖范围不包括"),
        ("nobody", "找不到用户"),
    ],
)
def test_command_actor_must_be_a_credit_officer_covering_the_village(
    world, scheme, tmp_path, officer, fragment
):
    path = tmp_path / "评定.xlsx"
    path.write_bytes(_xlsx([_row("001")], scheme_version=scheme))
    data, code = _run_json(str(path), "--village", "大贵口村", "--officer", officer)
    assert code == 1 and fragment in data["errors"][0]["message"]
    assert CreditAssessment.objects.count() == 0


def test_command_readable_report(world, scheme, tmp_path):
    path = tmp_path / "评定.xlsx"
    path.write_bytes(_xlsx([_row("999")], scheme_version=scheme))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_credit",
            str(path),
            "--village",
            "大贵口村",
            "--officer",
            "credit_officer",
            stdout=out,
        )
    assert "第 2 行［户号］" in out.getvalue()


# --- navigation ----------------------------------------------------------------------


def test_navigation_link_only_for_credit_officers(world, login):
    page = login(world.users["credit_officer"]).get("/").content.decode()
    assert 'href="/credit/"' in page
    page = login(world.users["committee_head"]).get("/").content.decode()
    assert 'href="/credit/"' not in page


def test_a_past_cut_off_keeps_the_assessment_made_by_then(world, scheme, credit_for):
    """Recomputing a past cycle after a newer visit rates the household on the
    assessment it had at the cut-off, on both the household's and the district's path."""
    from sanxin.ratings.facts import credit_of, household_facts

    older = credit_for(world.household, on=date(2025, 3, 1))
    newer = credit_for(world.household, {"repayment": "past_overdue"}, on=date(2026, 3, 1))
    assert older.total != newer.total
    for as_of, expected in [(date(2025, 12, 31), older), (date(2026, 12, 31), newer)]:
        assert latest_credit(world.household, as_of=as_of) == expected
        facts = household_facts(world.household, as_of)
        assert facts.credit is not None and facts.credit.assessed_on == expected.assessed_on
        found = credit_of([world.household.pk], as_of)[world.household.pk]
        assert found is not None and found.assessed_on == expected.assessed_on
    assert latest_credit(world.household, as_of=date(2025, 2, 28)) is None
    assert world.household.pk not in credit_of([world.household.pk], date(2025, 2, 28))
    assert latest_credit(world.household) == newer
