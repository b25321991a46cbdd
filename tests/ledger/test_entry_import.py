"""The import of point entries from paper sheets: reading, checking every row, caps
and repeats across rows, all or nothing, the command and the web flow."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command, get_commands
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from sanxin.__main__ import hyphenated_command
from sanxin.audit.models import AuditEvent
from sanxin.households.models import PendingImport
from sanxin.ledger import entry_import, services
from sanxin.ledger.choices import Source
from sanxin.ledger.entry_import import HEADERS
from sanxin.ledger.models import Entry, Review
from sanxin.ledger.services import EntryRequest
from tests.factories import sheet_csv, sheet_xlsx

HEADER = ["户号", "姓名", "积分项", "数量", "发生日期", "事实依据"]
JUNE = date(2025, 6, 1)


xlsx = partial(sheet_xlsx, header=HEADER)
csv_bytes = partial(sheet_csv, header=HEADER)


def run(world, content: bytes, *, user="committee_member", dry_run=False, filename="积分.xlsx"):
    return entry_import.import_entries(
        content, filename, world.village_a1, actor=world.users[user], dry_run=dry_run
    )


def problems(result) -> list[tuple[int | None, str]]:
    return [(p.row, p.field) for p in result.errors]


# --- a clean file ------------------------------------------------------------------


def test_clean_import_creates_pending_entries_with_frozen_points(world, scheme):
    rows = [
        [
            "001",
            "王大山",
            "public.volunteer",
            2,
            datetime(2025, 6, 1),
            "河道清理志愿服务 8 小时，有签到表",
        ],
        [1, "", "家庭“六齐”达标（每项）", "", "2025/6/2", ""],  # by name; "1" finds "001"
        ["001", "", "env.dumping", 1, "2025年6月3日", "在村口乱倒建筑垃圾"],
        ["001", "", "env.dumping", 1, "2025-07-01", "再次在村口乱倒垃圾"],  # a repeat: doubled
        ["002", "李二河", "affairs.meeting_on_time", 3, 45809, ""],  # an Excel serial date
    ]
    result = run(world, xlsx(rows, above=[["大贵口村积分登记表（2025年6月）"]]))

    assert result.ok, result.errors
    assert result.created == 5 and result.households == 2
    entries = list(Entry.objects.order_by("id"))
    assert [
        (e.household.number, e.item_code, e.quantity, e.occurred_on, e.points) for e in entries
    ] == [
        ("001", "public.volunteer", 2, JUNE, Decimal("2")),
        ("001", "env.tidy", 1, date(2025, 6, 2), Decimal("2")),
        ("001", "env.dumping", 1, date(2025, 6, 3), Decimal("-5")),
        ("001", "env.dumping", 1, date(2025, 7, 1), Decimal("-10")),
        ("002", "affairs.meeting_on_time", 3, JUNE, Decimal("3")),
    ]
    assert entries[0].person.name == "王大山" and entries[1].person is None
    assert entries[0].evidence_text.startswith("河道清理")
    assert {e.source for e in entries} == {Source.IMPORT}
    assert {e.recorded_by for e in entries} == {world.users["committee_member"]}
    assert len({e.batch_key for e in entries}) == 1 and entries[0].batch_key
    assert all(e.scheme_version == scheme for e in entries)
    # Pending review like any other; the uploader cannot approve them.
    assert not Review.objects.exists()
    with pytest.raises(ValidationError, match="不能审核自己记录"):
        services.entry_review(actor=world.users["committee_member"], entry=entries[0], approve=True)
    services.entry_review(actor=world.users["committee_head"], entry=entries[0], approve=True)
    # One audit row per entry, as when recorded by hand, and one for the import.
    assert AuditEvent.objects.filter(action="entry.record").count() == 5
    summary = AuditEvent.objects.get(action=entry_import.AUDIT_ACTION)
    assert summary.after["created"] == 5 and summary.region_path == world.village_a1.path


def test_points_are_those_of_recording_the_rows_one_by_one(world, scheme):
    """Repeats counted across rows (even out of date order) freeze the same points as
    entry_record would, row after row."""
    rows = [
        ["001", "", "env.burning", 1, "2025-05-10", "焚烧秸秆"],
        ["001", "", "env.burning", 1, "2025-03-01", "焚烧树叶"],
        ["001", "", "env.burning", 2, "2025-06-01", "焚烧垃圾"],
        ["002", "", "env.burning", 1, "2025-06-01", "焚烧秸秆"],
        ["001", "王大山", "law.fighting", 1, "2024-07-01", "酒后与邻居斗殴"],
        ["001", "王大山", "law.fighting", 1, "2025-07-01", "再次斗殴"],  # 365 days later: outside
        ["001", "王大山家1", "law.fighting", 1, "2025-06-30", "斗殴"],  # another person
    ]
    sequential = []
    with transaction.atomic():
        for number, name, code, qty, on, evidence in rows:
            household = world.household if number == "001" else world.household_a1_2
            person = household.members.filter(name=name).first() if name else None
            entry = services.entry_record(
                actor=world.users["committee_member"],
                request=EntryRequest(
                    household=household,
                    item_code=code,
                    occurred_on=date.fromisoformat(on),
                    quantity=qty,
                    person=person,
                    evidence_text=evidence,
                ),
            )
            sequential.append(entry.points)
        transaction.set_rollback(True)
    assert not Entry.objects.exists()

    result = run(world, xlsx(rows))
    assert result.ok, result.errors
    assert [e.points for e in Entry.objects.order_by("id")] == sequential
    assert sequential == [Decimal(x) for x in ("-5", "-5", "-20", "-5", "-10", "-10", "-10")]


def test_csv_in_gbk_with_a_title_row(world, scheme):
    content = csv_bytes(
        [["001", "", "env.tidy", "2", "2025-06-01", "六齐达标两项"]],
        encoding="gb18030",
        above=[["大贵口村积分登记表"]],
    )
    result = run(world, content, filename="积分.csv")
    assert result.ok, result.errors
    assert Entry.objects.get().points == 4


def test_dry_run_saves_nothing(world, scheme):
    result = run(world, xlsx([["001", "", "env.tidy", 1, "2025-06-01", ""]]), dry_run=True)
    assert result.ok and result.dry_run and result.created == 1
    assert not Entry.objects.exists()


# --- problems ------------------------------------------------------------------------


def test_each_problem_is_reported_on_its_row_and_nothing_is_saved(world, scheme):
    tomorrow = timezone.localdate() + timedelta(days=1)
    rows = [
        ["001", "", "env.tidy", 1, "2025-06-01", ""],  # 4: fine on its own
        ["999", "", "env.tidy", 1, "2025-06-01", ""],  # 5: unknown household
        ["001", "张三", "public.volunteer", 1, "2025-06-01", "志愿服务"],  # 6: not a member
        ["001", "", "no.such", 1, "2025-06-01", ""],  # 7: unknown item
        ["001", "", "env.tidy", 1, tomorrow.isoformat(), ""],  # 8: in the future
        ["001", "", "env.tidy", 1, "六月一日", ""],  # 9: not a date
        ["001", "", "env.tidy", "2.5", "2025-06-01", ""],  # 10: not a whole number
        ["001", "", "env.tidy", 0, "2025-06-01", ""],  # 11: not positive
        ["001", "", "env.dumping", 1, "2025-06-01", ""],  # 12: evidence required
        ["001", "", "public.volunteer", 1, "2025-06-01", "志愿服务"],  # 13: person-level, no name
        ["001", "王大山", "party.meeting", 1, "2025-06-01", ""],  # 14: vanguard, not a party member
        ["001", "", "env.tidy", 7, "2025-06-01", ""],  # 15: 14 points over the cap of 12
        ["002", "", "env.tidy", 1, "2025-06-01", ""],  # 16: another group (sub-team member)
        ["", "", "", "", "", "备注：以上共 13 条"],  # 17: a stray note: every required cell empty
        ["001", "", "env.tidy", 1, "2020-01-01", ""],  # 18: before any scheme
    ]
    result = run(
        world, xlsx(rows, above=[["大贵口村积分登记表"], ["第一村民小组"]]), user="subteam_member"
    )

    assert not result.ok and result.created == 0
    assert problems(result) == [
        (5, "户号"),
        (6, "姓名"),
        (7, "积分项"),
        (8, "发生日期"),
        (9, "发生日期"),
        (10, "数量"),
        (11, "数量"),
        (12, "事实依据"),
        (13, "姓名"),
        (14, "姓名"),
        (15, "数量"),
        (16, "户号"),
        (17, "户号"),
        (17, "积分项"),
        (17, "发生日期"),
        (18, "积分项"),
    ]
    messages = {(p.row, p.field): p.message for p in result.errors}
    assert "没有户号为“999”的农户" in messages[(5, "户号")]
    assert "张三 不是 001 号户的在册成员" in messages[(6, "姓名")]
    assert "no.such" in messages[(7, "积分项")] and "不在本户" in messages[(7, "积分项")]
    assert "在今天" in messages[(8, "发生日期")]
    assert "无法识别" in messages[(9, "发生日期")]
    assert "正整数" in messages[(10, "数量")]
    assert "必须填写事实依据" in messages[(12, "事实依据")]
    assert "按人记分" in messages[(13, "姓名")]
    assert "只适用于党员" in messages[(14, "姓名")]
    assert "最多还能记" in messages[(15, "数量")]
    assert "不在您可以记录积分的范围内" in messages[(16, "户号")]
    assert "还没有生效的评分方案" in messages[(18, "积分项")]
    assert (
        not Entry.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="entr").exists()
    )


def test_file_problems(world, scheme):
    result = run(world, b"not a spreadsheet", filename="积分.xls")
    assert not result.ok and result.errors[0].row is None and ".xlsx" in result.errors[0].message
    result = run(world, xlsx([["001", "env.tidy"]], header=["户号", "积分项"]))
    assert not result.ok and "没有找到表头" in result.errors[0].message
    result = run(world, xlsx([], header=[*HEADER, "积分项"]))
    assert (
        not result.ok and result.errors[0].field == "积分项" and "两次" in result.errors[0].message
    )
    result = run(world, xlsx([], header=[*HEADER, "备注"]))
    assert result.ok and result.created == 0
    assert {p.message for p in result.warnings} >= {"表头下面没有数据行，没有可导入的内容。"}


def test_cells_int_cannot_read_are_row_problems(world, scheme):
    """Found while writing the fuzz target (fuzz/targets.py `entries`): a quantity of
    5,000 digits (int() refuses more than 4,300) and a 户号 of digits int() does not
    read ("፩" and "²" are str.isdigit()) raised ValueError instead of a row problem."""
    rows = [
        ["001", "", "env.tidy", "1" * 5000, "2025-06-01", ""],
        ["፩", "", "env.tidy", 1, "2025-06-01", ""],
    ]
    result = run(world, csv_bytes(rows), filename="积分.csv")
    assert not result.ok and result.created == 0
    messages = {(p.row, p.field): p.message for p in result.errors}
    assert "正整数" in messages[(2, "数量")]
    assert "没有户号为“፩”的农户" in messages[(3, "户号")]
    assert not Entry.objects.exists()


def test_caps_count_the_earlier_rows_of_the_file(world, scheme):
    # Already in the ledger: 2 of the 12 points env.tidy allows a household a year.
    services.entry_record(
        actor=world.users["subteam_member"],
        request=EntryRequest(
            household=world.household, item_code="env.tidy", occurred_on=date(2025, 2, 1)
        ),
    )
    rows = [
        ["001", "", "env.tidy", 3, "2025-03-01", ""],  # 2: 6 points, 8 in all
        ["001", "", "env.tidy", 1, "2024-12-01", ""],  # 3: another year
        ["001", "", "env.tidy", 1, "2025-04-01", ""],  # 4: 10 in all
        ["001", "", "env.tidy", 1, "2025-05-01", ""],  # 5: 12 in all, the cap
        ["001", "", "env.tidy", 1, "2025-06-01", ""],  # 6: 14: over
        ["001", "王大山", "affairs.meeting_on_time", 8, "2025-03-01", ""],  # 7
        ["001", "王大山", "affairs.meeting_on_time", 5, "2025-09-01", ""],  # 8: 13 for him: over
        ["001", "王大山家1", "affairs.meeting_on_time", 5, "2025-09-01", ""],  # 9: per person
    ]
    result = run(world, xlsx(rows))
    assert problems(result) == [(6, "数量"), (8, "数量")]
    message = result.errors[0].message
    assert "每年最多 12 分" in message and "已记 2 分" in message and "第 2、4、5 行" in message
    assert "最多还能记 0 分" in message
    assert "王大山" in result.errors[1].message and "最多还能记 4 分" in result.errors[1].message
    assert Entry.objects.count() == 1

    rows = [r for i, r in enumerate(rows, start=2) if i not in (6, 8)]
    result = run(world, xlsx(rows))
    assert result.ok and result.created == 6


def test_duplicates_are_warned_about(world, scheme):
    row = ["001", "", "env.tidy", 1, "2025-06-01", ""]
    result = run(world, xlsx([row, row]))
    assert result.ok and [(p.row, "重复录入" in p.message) for p in result.warnings] == [(3, True)]
    again = run(world, xlsx([row]), dry_run=True)
    assert again.ok and "重复导入" in again.warnings[0].message


# --- the command ---------------------------------------------------------------------


def test_command_json_and_exit_code(world, scheme, tmp_path):
    assert hyphenated_command(["sanxin", "import-entries"], get_commands())[1] == "import_entries"
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([["001", "", "env.tidy", 2, "2025-06-01", "两项达标"]]))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        xlsx(
            [["001", "", "env.tidy", 1, "2025-06-01", ""], ["001", "", "nope", 1, "2025-06-01", ""]]
        )
    )

    out = io.StringIO()
    call_command(
        "import_entries",
        str(good),
        village="大贵口村",
        recorder="subteam_member",
        json=True,
        dry_run=True,
        stdout=out,
    )
    assert json.loads(out.getvalue()) == {
        "ok": True,
        "dry_run": True,
        "created": 1,
        "errors": [],
        "warnings": [],
    }
    assert not Entry.objects.exists()

    out = io.StringIO()
    call_command(
        "import_entries",
        str(good),
        village=world.village_a1.code or "大贵口村",
        recorder="subteam_member",
        json=True,
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["ok"] and data["created"] == 1 and not data["dry_run"]
    entry = Entry.objects.get()
    assert entry.recorded_by == world.users["subteam_member"] and entry.source == Source.IMPORT

    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_entries",
            str(bad),
            village="大贵口村",
            recorder="subteam_member",
            json=True,
            stdout=out,
        )
    assert exit_info.value.code == 1
    data = json.loads(out.getvalue())
    assert data["ok"] is False and data["created"] == 0
    assert data["errors"] == [
        {"row": 3, "field": "积分项", "message": data["errors"][0]["message"]}
    ]
    assert Entry.objects.count() == 1

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_entries", str(bad), village="大贵口村", recorder="subteam_member", stdout=out
        )
    assert "第 3 行［积分项］" in out.getvalue()

    for kwargs, message in (
        ({"village": "没有这个村", "recorder": "subteam_member"}, "找不到村"),
        ({"village": "大贵口村", "recorder": "nobody"}, "找不到用户"),
        ({"village": "大贵口村", "recorder": "neighbour_committee_head"}, "不能为大贵口村记录积分"),
        ({"village": "大贵口村", "recorder": "shop_clerk"}, "不能为大贵口村记录积分"),
    ):
        out = io.StringIO()
        with pytest.raises(SystemExit):
            call_command("import_entries", str(good), json=True, stdout=out, **kwargs)
        assert message in json.loads(out.getvalue())["errors"][0]["message"]
    assert Entry.objects.count() == 1


# --- the web flow ----------------------------------------------------------------------


def _upload(client, world, content: bytes, *, village=None, name="积分.xlsx"):
    return client.post(
        "/points/import/",
        {"village": (village or world.village_a1).pk, "file": SimpleUploadedFile(name, content)},
    )


def test_web_upload_preview_confirm(world, scheme, login):
    client = login(world.users["subteam_member"])
    page = client.get("/points/import/")
    assert page.status_code == 200
    # A sub-team member's village comes from their villager group.
    assert list(page.context["form"].fields["village"].queryset) == [world.village_a1]
    content = xlsx(
        [
            ["001", "王大山", "public.volunteer", 1, "2025-06-01", "志愿服务4小时"],
            ["001", "", "env.tidy", 2, "2025-06-02", ""],
        ]
    )

    preview = _upload(client, world, content)
    assert preview.status_code == 200 and preview["Cache-Control"] == "no-store"
    text = preview.content.decode()
    assert "确认导入" in text and "参加志愿服务（每满4小时）" in text and "王大山" in text
    token = preview.context["token"]
    assert token.startswith(entry_import.TOKEN_PREFIX)
    pending = PendingImport.objects.get(token=token)
    assert pending.user == world.users["subteam_member"] and content not in bytes(
        pending.content_encrypted
    )
    assert not Entry.objects.exists()

    # Only the uploader can confirm it; nobody else even learns it exists.
    for other in ("committee_head", "other_group_subteam", "neighbour_committee_head"):
        assert login(world.users[other]).post(f"/points/import/{token}/confirm/").status_code == 404
    client = login(world.users["subteam_member"])
    done = client.post(f"/points/import/{token}/confirm/")
    # Back to the upload form, the village chosen again (docs/jobs.md).
    assert done.status_code == 302
    assert done["Location"] == f"/points/import/?village={world.village_a1.pk}"
    assert [e.points for e in Entry.objects.order_by("id")] == [Decimal(1), Decimal(4)]
    assert not PendingImport.objects.filter(token=token).exists()
    assert client.post(f"/points/import/{token}/confirm/").status_code == 404


def test_web_preview_lists_problems_and_offers_no_confirm(world, scheme, login):
    client = login(world.users["subteam_member"])
    preview = _upload(client, world, xlsx([["002", "", "env.tidy", 1, "2025-06-01", ""]]))
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "不在您可以记录积分的范围内" in text and "确认导入" not in text
    assert preview.context["token"] is None and not PendingImport.objects.exists()


def test_another_villages_user_gets_404(world, scheme, login):
    content = xlsx([["001", "", "env.tidy", 1, "2025-06-01", ""]])
    client = login(world.users["neighbour_committee_head"])
    assert list(client.get("/points/import/").context["form"].fields["village"].queryset) == [
        world.village_a2
    ]
    assert _upload(client, world, content).status_code == 404
    assert (
        client.get(f"/points/import/template.xlsx?village={world.village_a1.pk}").status_code == 404
    )
    assert login(world.users["shop_clerk"]).get("/points/import/").status_code == 403
    assert not PendingImport.objects.exists() and not Entry.objects.exists()


def test_template_lists_the_items_of_the_scheme_in_force(world, scheme, login):
    response = login(world.users["committee_member"]).get("/points/import/template.xlsx")
    assert response.status_code == 200
    content = response.content
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["积分记录", "积分项目录", "填写说明"]
    assert [c.value for c in workbook["积分记录"][1]] == list(HEADERS)
    items = {row[0]: row for row in workbook["积分项目录"].iter_rows(min_row=2, values_only=True)}
    assert len(items) == len(scheme.scheme.items)
    assert items["env.tidy"][1] == "家庭“六齐”达标（每项）" and items["env.tidy"][4] == "2"
    assert items["public.volunteer"][5] == "按人" and items["filial.abuse"][9] == "是"
    # The untouched template imports nothing and complains about nothing.
    result = run(world, content, dry_run=True)
    assert result.ok and result.created == 0


def test_a_pending_file_is_recorded_once_even_if_confirmed_twice(world, scheme):
    content = xlsx([["001", "王大山", "env.tidy", 1, datetime(2025, 6, 1), "六齐检查达标"]])
    actor = world.users["committee_member"]
    pending = entry_import.pending_entries_create(
        user=actor, village=world.village_a1, filename="积分.xlsx", content=content
    )
    first = entry_import.pending_entries_confirm(pending=pending, actor=actor)
    second = entry_import.pending_entries_confirm(pending=pending, actor=actor)  # a double submit
    assert first.ok and first.created == 1
    assert not second.ok and [p.message for p in second.errors] == ["该文件已经确认导入过了。"]
    assert Entry.objects.count() == 1
