"""The roster import (花名册导入): reading, checking, applying, the command and the web flow."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from functools import partial

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from sanxin.__main__ import hyphenated_command
from sanxin.audit.models import AuditEvent
from sanxin.households import importing
from sanxin.households.models import Household, PendingImport, Person
from sanxin.lib import crypto, idcard
from tests.factories import sheet_csv, sheet_xlsx, valid_id

HEADER = [
    "户号",
    "村民小组",
    "姓名",
    "与户主关系",
    "身份证号",
    "联系电话",
    "政治面貌",
    "职务",
    "住址",
]
FULL_ID = re.compile(r"\d{17}[\dXx]")
ID_X = valid_id(18)  # a valid number whose check character is X
assert ID_X.endswith("X")


xlsx = partial(sheet_xlsx, header=HEADER)
csv_bytes = partial(sheet_csv, header=HEADER)


def clean_rows() -> list[list]:
    return [
        [
            "101",
            "第一村民小组",
            "张建国",
            "户主",
            valid_id(601),
            "139 1234 5678",
            "中共党员",
            "村党支部书记",
            "大贵口村1号",
        ],
        [
            "101",
            "第一村民小组",
            "李秀英",
            "配偶",
            valid_id(602, birth=date(1982, 3, 4)),
            "",
            "群众",
            "",
            "大贵口村1号",
        ],
        ["101", "", "张小明", "长子", valid_id(603, birth=date(2008, 7, 1)), "", "", "", ""],
        [
            "102",
            "二组",
            "王芳",
            "户主",
            valid_id(604, birth=date(1975, 1, 2)),
            "0314-1234567",
            "",
            "",
            "大贵口村2号",
        ],
    ]


def run(world, content: bytes, filename: str = "roster.xlsx", *, dry_run: bool = False, actor=None):
    return importing.import_roster(
        content, filename, world.village_a1, actor=actor, dry_run=dry_run
    )


def table_counts() -> tuple[int, int, int]:
    return (
        Household.objects.count(),
        Person.objects.count(),
        AuditEvent.objects.exclude(action__startswith="job.").count(),
    )


def no_full_id(text: str) -> bool:
    return FULL_ID.search(text) is None


# --- a clean file ------------------------------------------------------------------


def test_clean_file_imports_fully(world):
    result = run(world, xlsx(clean_rows()))

    assert result.ok, result.errors
    assert (result.households_created, result.households_updated) == (2, 0)
    assert (result.people_created, result.people_updated, result.unchanged) == (4, 0, 0)
    h101 = Household.objects.get(village=world.village_a1, number="101")
    assert h101.villager_group == world.group_a1_1
    assert (h101.head_name, h101.member_count, h101.address, h101.phone) == (
        "张建国",
        3,
        "大贵口村1号",
        "13912345678",
    )
    h102 = Household.objects.get(village=world.village_a1, number="102")
    assert h102.villager_group == world.group_a1_2  # "二组" is 第二村民小组
    assert h102.phone == "0314-1234567"

    head = Person.objects.get(id_number_hash=crypto.blind_index(valid_id(601)))
    assert valid_id(601) not in head.id_number_encrypted
    assert head.reveal_id_number() == valid_id(601)
    assert head.id_number_masked == valid_id(601)[:6] + "**********" + valid_id(601)[16:]
    assert (head.birth_date, head.sex, head.is_head) == (date(1980, 5, 17), "M", True)
    assert (head.political_status, head.cadre_post, head.phone) == (
        "party_member",
        "party_secretary",
        "13912345678",
    )
    spouse = Person.objects.get(
        id_number_hash=crypto.blind_index(valid_id(602, birth=date(1982, 3, 4)))
    )
    assert (spouse.birth_date, spouse.sex, spouse.is_head, spouse.political_status) == (
        date(1982, 3, 4),
        "F",
        False,
        "masses",
    )

    summary = AuditEvent.objects.get(action="roster.import")
    assert summary.after == {
        "file": "roster.xlsx",
        "households_created": 2,
        "households_updated": 0,
        "people_created": 4,
        "people_updated": 0,
        "unchanged": 0,
    }
    assert summary.actor_name == "系统"
    assert AuditEvent.objects.filter(action="person.create").count() >= 4
    for event in AuditEvent.objects.all():
        assert no_full_id(
            json.dumps([event.before, event.after, event.object_repr], ensure_ascii=False)
        )


def test_reimporting_the_same_file_changes_nothing(world):
    content = xlsx(clean_rows())
    assert run(world, content).ok
    before = table_counts()

    again = run(world, content)

    assert again.ok
    assert (
        again.households_created,
        again.households_updated,
        again.people_created,
        again.people_updated,
    ) == (0, 0, 0, 0)
    assert again.unchanged == 4
    assert table_counts()[:2] == before[:2]
    assert AuditEvent.objects.filter(action__startswith="person.update").count() == 0


def test_a_changed_phone_and_name_is_one_update(world):
    assert run(world, xlsx(clean_rows())).ok
    rows = clean_rows()
    rows[1][2] = "李秀瑛"
    rows[1][5] = "13700000000"

    result = run(world, xlsx(rows))

    assert result.ok
    assert (result.people_updated, result.unchanged, result.households_updated) == (1, 3, 0)
    spouse = Person.objects.get(
        id_number_hash=crypto.blind_index(valid_id(602, birth=date(1982, 3, 4)))
    )
    assert (spouse.name, spouse.phone) == ("李秀瑛", "13700000000")
    update = AuditEvent.objects.get(action="person.update")
    assert update.before["name"] == "李秀英" and update.after["name"] == "李秀瑛"


def test_a_blank_phone_or_an_absent_column_keeps_what_is_registered(world):
    assert run(world, xlsx(clean_rows())).ok
    rows = [[r[0], r[1], r[2], r[3], r[4]] for r in clean_rows()]  # only the required columns

    result = run(world, xlsx(rows, header=HEADER[:5]))

    assert result.ok and result.unchanged == 4 and result.households_updated == 0
    head = Person.objects.get(id_number_hash=crypto.blind_index(valid_id(601)))
    assert (head.phone, head.political_status, head.cadre_post) == (
        "13912345678",
        "party_member",
        "party_secretary",
    )


def test_moving_a_household_to_another_group_is_a_household_update(world):
    assert run(world, xlsx(clean_rows())).ok
    rows = clean_rows()
    rows[3][1] = "第一村民小组"

    result = run(world, xlsx(rows))

    assert result.ok
    assert (result.households_updated, result.people_updated, result.unchanged) == (1, 0, 4)
    assert (
        Household.objects.get(village=world.village_a1, number="102").villager_group
        == world.group_a1_1
    )


def test_dry_run_saves_nothing_but_reports_the_counts(world):
    before = table_counts()
    result = run(world, xlsx(clean_rows()), dry_run=True)
    assert result.ok and result.households_created == 2 and result.people_created == 4
    assert table_counts() == before


def test_existing_household_with_a_new_head(world):
    """The present head is demoted before the new one is promoted (one head per household)."""
    rows = [
        ["001", "第一村民小组", "王大山", "父亲", valid_id(101), "", "", "", ""],
        [
            "001",
            "第一村民小组",
            "王大山家1",
            "户主",
            valid_id(102, birth=date(2005, 1, 9)),
            "13611112222",
            "",
            "",
            "",
        ],
        [
            "001",
            "第一村民小组",
            "王小宝",
            "子",
            valid_id(605, birth=date(2024, 2, 1)),
            "",
            "",
            "",
            "",
        ],
    ]

    result = run(world, xlsx(rows))

    assert result.ok, result.errors
    assert (result.households_created, result.households_updated) == (0, 1)
    assert (result.people_created, result.people_updated, result.unchanged) == (1, 2, 0)
    world.household.refresh_from_db()
    assert world.household.head_name == "王大山家1"
    assert world.household.member_count == 4  # 王大山家2 is not in the file and stays
    assert world.household.phone == "13611112222"
    assert Person.objects.filter(household=world.household, is_head=True).count() == 1


def test_a_new_head_while_the_present_head_is_missing_from_the_file(world):
    rows = [
        [
            "001",
            "第一村民小组",
            "王大山家1",
            "户主",
            valid_id(102, birth=date(2005, 1, 9)),
            "",
            "",
            "",
            "",
        ]
    ]
    before = table_counts()

    result = run(world, xlsx(rows))

    assert not result.ok
    assert [(e.row, e.field) for e in result.errors] == [(2, "与户主关系")]
    assert "王大山" in result.errors[0].message
    assert table_counts() == before


# --- every problem at once ----------------------------------------------------------


def test_every_bad_row_is_reported_at_once_and_nothing_is_saved(world):
    first17 = "130803" + "19800230" + "123"
    impossible_date = first17 + idcard.check_char(first17)
    bad_check = valid_id(612)[:17] + ("0" if valid_id(612)[17] != "0" else "1")
    ok = ["", "", "", ""]  # phone, political, cadre, address
    rows = [
        ["201", "第一村民小组", "甲一", "户主", valid_id(611), *ok],  # row 2: fine
        ["201", "第一村民小组", "甲二", "子", valid_id(611), *ok],  # 3: duplicate of row 2
        ["201", "第一村民小组", "甲三", "子", bad_check, *ok],  # 4: check digit
        [
            "201",
            "第一村民小组",
            "甲四",
            "子",
            valid_id(101),
            *ok,
        ],  # 5: in household 001 of this village
        ["201", "第一村民小组", "甲五", "子", valid_id(301), *ok],  # 6: in another village
        ["202", "第一村民小组", "乙一", "子", valid_id(613), *ok],  # 7: household without a head
        ["203", "第一村民小组", "丙一", "户主", valid_id(614), *ok],  # 8: two heads
        ["203", "第一村民小组", "丙二", "本人", valid_id(615), *ok],  # 9: two heads
        ["204", "第九村民小组", "丁一", "户主", valid_id(616), *ok],  # 10: unknown group
        ["205", "第一村民小组", "戊一", "户主", valid_id(617), "", "", "", "甲地"],  # 11: fine
        [
            "205",
            "第二村民小组",
            "戊二",
            "妻",
            valid_id(618),
            "",
            "",
            "",
            "乙地",
        ],  # 12: group and address differ
        ["206", "第一村民小组", "", "户主", valid_id(619), *ok],  # 13: empty name
        ["207", "第一村民小组", "名" * 31, "户主", valid_id(620), *ok],  # 14: name too long
        ["", "第一村民小组", "己一", "户主", valid_id(621), *ok],  # 15: empty 户号
        ["208", "第一村民小组", "庚一", "", valid_id(622), *ok],  # 16: empty relation
        ["209", "第一村民小组", "辛一", "户主", valid_id(623), "12345", "", "", ""],  # 17: phone
        [
            "210",
            "第一村民小组",
            "壬一",
            "户主",
            valid_id(624),
            "",
            "团员",
            "",
            "",
        ],  # 18: political status
        ["211", "第一村民小组", "癸一", "户主", valid_id(625), "", "", "会计", ""],  # 19: post
        ["212", "第一村民小组", "子一", "户主", int(valid_id(626)), *ok],  # 20: an Excel number
        ["213", "第一村民小组", "丑一", "户主", "1.30803E+17", *ok],  # 21: scientific notation
        ["214", "第一村民小组", "寅一", "户主", impossible_date, *ok],  # 22: 1980-02-30
        ["215", "第一村民小组", "卯一", "户主", valid_id(627)[:17], *ok],  # 23: 17 characters
    ]
    before = table_counts()

    result = run(world, xlsx(rows))

    assert not result.ok
    found = {(e.row, e.field) for e in result.errors}
    assert found == {
        (3, "身份证号"),
        (4, "身份证号"),
        (5, "身份证号"),
        (6, "身份证号"),
        (7, "与户主关系"),
        (8, "与户主关系"),
        (9, "与户主关系"),
        (10, "村民小组"),
        (12, "村民小组"),
        (12, "住址"),
        (13, "姓名"),
        (14, "姓名"),
        (15, "户号"),
        (16, "与户主关系"),
        (17, "联系电话"),
        (18, "政治面貌"),
        (19, "职务"),
        (20, "身份证号"),
        (21, "身份证号"),
        (22, "身份证号"),
        (23, "身份证号"),
    }
    by_row = {(e.row, e.field): e.message for e in result.errors}
    assert (
        "第 2 行" in by_row[(3, "身份证号")]
        and idcard.mask(valid_id(611)) in by_row[(3, "身份证号")]
    )
    assert "校验位" in by_row[(4, "身份证号")]
    assert "001 号户" in by_row[(5, "身份证号")]
    assert "其他村" in by_row[(6, "身份证号")]
    assert "第 8、9 行" in by_row[(8, "与户主关系")] and "第 8、9 行" in by_row[(9, "与户主关系")]
    assert "第一村民小组、第二村民小组" in by_row[(10, "村民小组")]
    assert "第 11 行" in by_row[(12, "村民小组")]
    assert "中共党员" in by_row[(18, "政治面貌")]
    assert "村党支部书记" in by_row[(19, "职务")]
    assert "数字" in by_row[(20, "身份证号")]
    assert "科学计数法" in by_row[(21, "身份证号")]
    assert "出生日期" in by_row[(22, "身份证号")]
    assert "18 位" in by_row[(23, "身份证号")]
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)
    assert (result.households_created, result.people_created) == (0, 0)
    assert no_full_id(json.dumps(result.as_dict(), ensure_ascii=False))
    assert table_counts() == before


def test_missing_columns_are_one_error_on_the_header_row(world):
    header = ["户号", "姓名", "身份证号"]
    result = run(
        world, xlsx([["1", "张三", valid_id(630)]], header=header, above=[["大贵口村花名册"]])
    )
    assert not result.ok
    assert [e.as_dict() for e in result.errors] == [
        {
            "row": 2,
            "field": "村民小组、与户主关系",
            "message": "缺少必填的列：村民小组、与户主关系。",
        }
    ]


def test_a_header_missing_a_key_column_is_still_found(world):
    header = ["户号", "村民小组", "姓名", "与户主关系", "证件号码"]
    result = run(world, xlsx([["1", "一组", "张三", "户主", valid_id(630)]], header=header))
    assert [(e.row, e.field) for e in result.errors] == [(1, "身份证号")]
    assert result.warnings[0].field == "证件号码"


def test_a_column_named_twice_is_an_error(world):
    header = [*HEADER, "姓名"]
    result = run(world, xlsx([[*clean_rows()[0], "张建国"]], header=header))
    assert [(e.row, e.field) for e in result.errors] == [(1, "姓名")]
    assert "两次" in result.errors[0].message


def test_a_file_with_too_many_rows_is_refused(world, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    rows = clean_rows()
    assert run(world, xlsx(rows[:2]), dry_run=True).ok
    result = run(world, xlsx(rows), dry_run=True)
    assert not result.ok and "超过 3 行" in result.errors[0].message
    result = run(world, csv_bytes(rows, encoding="utf-8"), "roster.csv", dry_run=True)
    assert not result.ok and result.errors[0].row is None


@pytest.mark.parametrize(
    ("content", "filename", "fragment"),
    [
        (b"", "roster.xlsx", "空"),
        (b"not a zip file at all", "roster.xlsx", "无法读取"),
        (b"\xd0\xcf\x11\xe0 old excel", "roster.xls", ".xls"),
        (b"hello", "roster.txt", ".xlsx"),
        (b"\xff\xfe\x00\x00\x81\x30", "roster.csv", "编码"),
        (xlsx([], header=["姓名"]), "roster.xlsx", "表头"),
    ],
)
def test_unreadable_files_are_a_clear_error(world, content, filename, fragment):
    result = run(world, content, filename)
    assert not result.ok
    assert len(result.errors) == 1
    assert result.errors[0].row is None
    assert fragment in result.errors[0].message


# --- layout: title rows, column order, extra columns, CSV ------------------------------


def test_title_rows_any_column_order_and_an_extra_column(world):
    order = ["姓名", "备注", "身份证号", "户号", "与户主关系", "住址", "村民小组"]
    rows = [
        ["赵一", "外出务工", valid_id(640), "301", "户主", "东街1号", "一组"],
        [None, None, None, None, None, None, None],  # an empty row is skipped
        ["赵二", "", valid_id(641), "301", "女", "", "第1组"],
        [
            "钱一",
            "",
            "1234",
            "302",
            "户主",
            "",
            "第一村民小组",
        ],  # bad: its row number counts the title rows
    ]
    result = run(
        world, xlsx(rows, header=order, above=[["大贵口村村民花名册"], ["填报日期：2026年3月"], []])
    )

    assert [(e.row, e.field) for e in result.errors] == [(8, "身份证号")]
    assert [(w.row, w.field) for w in result.warnings] == [(4, "备注")]

    result = run(world, xlsx(rows[:3], header=order, above=[["大贵口村村民花名册"]]))
    assert result.ok and result.people_created == 2
    household = Household.objects.get(village=world.village_a1, number="301")
    assert (household.villager_group, household.address, household.member_count) == (
        world.group_a1_1,
        "东街1号",
        2,
    )


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_and_utf8(world, encoding):
    result = run(world, csv_bytes(clean_rows(), encoding=encoding), "花名册.csv")
    assert result.ok, result.errors
    assert (result.households_created, result.people_created) == (2, 4)
    assert Person.objects.filter(name="李秀英").exists()


def test_csv_errors_use_the_csv_line_number(world):
    rows = clean_rows()
    rows[2][4] = "130803"
    result = run(world, csv_bytes(rows, encoding="gbk"), "roster.csv")
    assert [(e.row, e.field) for e in result.errors] == [(4, "身份证号")]


def test_full_width_digits_and_lowercase_x_are_accepted(world):
    full_width = ID_X[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "x"
    result = run(
        world,
        xlsx([["401", "一组", "孙一", "户主", full_width, "１３９１２３４５６７８", "", "", ""]]),
    )
    assert result.ok, result.errors
    person = Person.objects.get(name="孙一")
    assert person.id_number_hash == crypto.blind_index(ID_X)
    assert person.id_number_masked.endswith(ID_X[-2:]) and person.id_number_masked.endswith("X")
    assert person.phone == "13912345678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13912345678", "13912345678"),
        (13912345678, "13912345678"),
        (13912345678.0, "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("0314-1234567", "0314-1234567"),
        ("03141234567", "0314-1234567"),
        ("010-12345678", "010-12345678"),
        ("(0314)1234567", "0314-1234567"),
        ("2345678", "2345678"),
        ("12345", None),
        ("1391234567", None),
        ("23912345678", None),
        (3141234567, None),  # a landline whose 0 Excel dropped
        ("电话", None),
    ],
)
def test_phone_numbers(raw, expected):
    assert importing.normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("第一村民小组", 1),
        ("一组", 1),
        ("1组", 1),
        ("第1组", 1),
        ("第一组", 1),
        ("1", 1),
        ("二组", 2),
        ("第2小组", 2),
        ("第三组", None),
        ("东组", None),
    ],
)
def test_villager_group_shorthand(world, text, group):
    expected = {1: world.group_a1_1, 2: world.group_a1_2, None: None}[group]
    assert importing.GroupResolver(world.village_a1).resolve(text) == expected


def test_group_ordinals():
    assert [
        importing.group_ordinal(t) for t in ("第十村民小组", "十二组", "二十组", "第21组", "张庄组")
    ] == [10, 12, 20, 21, None]


def test_planning_uses_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    rows = [
        [f"5{i:02d}", "一组", f"周{i}", "户主", valid_id(700 + i), "", "", "", ""]
        for i in range(60)
    ]
    sheet = importing.read_rows(xlsx(rows), "big.xlsx")
    with django_assert_max_num_queries(5):
        plan = importing.plan_import(sheet, world.village_a1)
    assert plan.result().households_created == 60


# --- the command ------------------------------------------------------------------


def _write(tmp_path, rows, name="roster.xlsx") -> str:
    path = tmp_path / name
    path.write_bytes(xlsx(rows))
    return str(path)


def test_command_json_output(world, tmp_path):
    out = io.StringIO()
    call_command(
        "import_roster",
        _write(tmp_path, clean_rows()),
        "--village",
        "大贵口村",
        "--json",
        stdout=out,
    )

    data = json.loads(out.getvalue())
    assert data == {
        "ok": True,
        "households_created": 2,
        "households_updated": 0,
        "people_created": 4,
        "people_updated": 0,
        "unchanged": 0,
        "errors": [],
        "warnings": [],
    }
    assert AuditEvent.objects.get(action="roster.import").actor_name == "系统"


def test_command_json_with_errors_exits_non_zero_and_saves_nothing(world, tmp_path):
    rows = clean_rows()
    rows[0][4] = "130803198005171235"  # wrong check digit
    out = io.StringIO()
    before = table_counts()
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_roster", _write(tmp_path, rows), "--village", "大贵口村", "--json", stdout=out
        )

    assert exit_info.value.code == 1
    data = json.loads(out.getvalue())  # exactly one JSON object
    assert data["ok"] is False
    assert data["errors"] == [
        {"row": 2, "field": "身份证号", "message": "身份证号校验位不正确，请核对是否抄错"}
    ]
    assert table_counts() == before


def test_command_json_unknown_village(world, tmp_path):
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "import_roster",
            _write(tmp_path, clean_rows()),
            "--village",
            "没有这个村",
            "--json",
            stdout=out,
        )
    data = json.loads(out.getvalue())
    assert data["ok"] is False and "没有这个村" in data["errors"][0]["message"]


def test_command_dry_run_and_readable_report(world, tmp_path):
    out = io.StringIO()
    path = _write(tmp_path, clean_rows())
    call_command("import_roster", path, "--village", "大贵口村", "--dry-run", stdout=out)
    assert "试运行" in out.getvalue() and "新增农户 2 户" in out.getvalue()
    assert not Household.objects.filter(number="101").exists()

    rows = clean_rows()
    rows[1][6] = "团员"
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_roster", _write(tmp_path, rows, "bad.xlsx"), "--village", "大贵口村", stdout=out
        )
    assert "第 3 行［政治面貌］" in out.getvalue()


def test_hyphenated_command_names():
    commands = {"import_roster", "migrate", "runserver"}
    assert hyphenated_command(["sanxin", "import-roster", "f.xlsx", "--dry-run"], commands) == [
        "sanxin",
        "import_roster",
        "f.xlsx",
        "--dry-run",
    ]
    assert hyphenated_command(["sanxin", "import_roster", "f.xlsx"], commands) == [
        "sanxin",
        "import_roster",
        "f.xlsx",
    ]
    assert hyphenated_command(["sanxin", "no-such-thing"], commands) == ["sanxin", "no-such-thing"]
    assert hyphenated_command(["sanxin", "--version"], commands) == ["sanxin", "--version"]
    assert hyphenated_command(["sanxin"], commands) == ["sanxin"]


# --- the web flow --------------------------------------------------------------------


def _upload(client, world, content: bytes, name: str = "roster.xlsx", village=None):
    file = io.BytesIO(content)
    file.name = name
    return client.post(
        "/households/import/", {"village": (village or world.village_a1).pk, "file": file}
    )


def test_upload_page_preselects_the_only_village(world, login):
    response = login(world.users["committee_head"]).get("/households/import/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "大贵口村" in html and "邻村" not in html
    assert re.search(rf'<option value="{world.village_a1.pk}" selected>', html)
    assert "/households/import/template.xlsx" in html


def test_upload_with_errors_shows_every_problem_and_saves_nothing(world, login):
    client = login(world.users["committee_head"])
    rows = clean_rows()
    rows[1][4] = valid_id(101)  # 王大山, household 001
    rows[3][1] = "第九村民小组"
    before = table_counts()

    response = _upload(client, world, xlsx(rows))

    assert response.status_code == 200
    html = response.content.decode()
    assert "行号" in html and "字段" in html and "问题" in html
    assert "001 号户" in html and "第九村民小组" in html
    assert "确认导入" not in html
    assert no_full_id(html)
    assert table_counts() == before
    assert not PendingImport.objects.exists()


def test_clean_upload_then_confirm_saves(world, login):
    client = login(world.users["committee_head"])
    content = xlsx(clean_rows())

    preview = _upload(client, world, content)

    html = preview.content.decode()
    assert preview.status_code == 200 and "确认导入" in html
    assert no_full_id(html)
    assert not Household.objects.filter(number="101").exists()
    pending = PendingImport.objects.get()
    assert pending.user == world.users["committee_head"]
    assert valid_id(601).encode() not in bytes(pending.content_encrypted)
    assert crypto.decrypt_bytes(bytes(pending.content_encrypted)) == content

    response = client.post(f"/households/import/{pending.token}/confirm/")

    assert response.status_code == 302 and response["Location"] == "/households/"
    assert Household.objects.get(village=world.village_a1, number="101").member_count == 3
    assert not PendingImport.objects.exists()
    event = AuditEvent.objects.get(action="roster.import")
    assert event.actor == world.users["committee_head"]
    assert "新增农户 2 户" in client.get("/households/").content.decode()
    # The token is spent.
    assert client.post(f"/households/import/{pending.token}/confirm/").status_code == 404


def test_uploading_an_already_imported_file_offers_nothing_to_confirm(world, login):
    client = login(world.users["committee_head"])
    assert run(world, xlsx(clean_rows())).ok
    html = _upload(client, world, xlsx(clean_rows())).content.decode()
    assert "没有需要保存的变化" in html and "确认导入" not in html
    assert not PendingImport.objects.exists()


def test_confirm_is_post_only(world, login):
    client = login(world.users["committee_head"])
    _upload(client, world, xlsx(clean_rows()))
    token = PendingImport.objects.get().token
    assert client.get(f"/households/import/{token}/confirm/").status_code == 405
    assert not Household.objects.filter(number="101").exists()


def test_confirm_rechecks_the_stored_file(world, login):
    client = login(world.users["committee_head"])
    _upload(client, world, xlsx(clean_rows()))
    token = PendingImport.objects.get().token
    # Meanwhile someone registers one of the file's people in household 001.
    from sanxin.households import services

    services._person_create(
        actor=None,
        household=world.household,
        data=services.PersonData(
            name="张小明",
            id_number=idcard.parse(valid_id(603, birth=date(2008, 7, 1))),
            relation="孙",
        ),
    )
    before = table_counts()

    response = client.post(f"/households/import/{token}/confirm/")

    assert response.status_code == 200
    assert "001 号户" in response.content.decode()
    assert no_full_id(response.content.decode())
    assert table_counts() == before
    assert not PendingImport.objects.exists()


def test_an_expired_preview_cannot_be_confirmed(world, login):
    from django.utils import timezone

    client = login(world.users["committee_head"])
    _upload(client, world, xlsx(clean_rows()))
    pending = PendingImport.objects.get()
    PendingImport.objects.update(created_at=timezone.now() - importing.PENDING_MAX_AGE * 2)

    response = client.post(f"/households/import/{pending.token}/confirm/", follow=True)

    assert "已过期" in response.content.decode()
    assert not Household.objects.filter(number="101").exists()
    assert not PendingImport.objects.exists()


def test_another_user_cannot_confirm_my_token(world, login):
    client = login(world.users["committee_head"])
    _upload(client, world, xlsx(clean_rows()))
    token = PendingImport.objects.get().token

    other = login(world.users["committee_deputy"])  # same village, same permission
    assert other.post(f"/households/import/{token}/confirm/").status_code == 404
    assert not Household.objects.filter(number="101").exists()
    assert PendingImport.objects.filter(token=token).exists()


def test_a_town_admin_of_another_town_cannot_import_into_the_village(world, login):
    client = login(world.users["other_town_admin"])
    before = table_counts()
    assert _upload(client, world, xlsx(clean_rows())).status_code == 404
    assert table_counts() == before
    assert "大贵口村" not in client.get("/households/import/").content.decode()


@pytest.mark.parametrize(
    "user", ["villager", "committee_member", "subteam_member", "credit_officer", "no_role"]
)
def test_users_without_the_permission_are_refused(world, login, user):
    client = login(world.users[user])
    assert client.get("/households/import/").status_code == 403
    assert _upload(client, world, xlsx(clean_rows())).status_code == 403
    assert client.get("/households/import/template.xlsx").status_code == 403


def test_anonymous_users_are_sent_to_log_in(client):
    assert client.get("/households/import/").status_code == 302


def test_a_file_over_5_mb_is_refused(world, login):
    client = login(world.users["committee_head"])
    response = _upload(client, world, b"x" * (5 * 1024 * 1024 + 1), "big.csv")
    assert response.status_code == 200
    assert "5 MB" in response.content.decode()
    assert not PendingImport.objects.exists()


def test_the_template_is_a_valid_xlsx_that_imports_nothing(world, login):
    client = login(world.users["committee_head"])
    response = client.get("/households/import/template.xlsx")

    assert response.status_code == 200
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    content = response.content
    assert "filename*=utf-8''" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    assert all(c.font.bold for c in sheet[1])
    assert sheet["E2"].number_format == "@"
    assert "填写说明" in workbook.sheetnames

    before = table_counts()
    result = run(world, content, "花名册导入模板.xlsx")
    assert result.ok and result.as_dict()["errors"] == []
    assert (result.households_created, result.people_created, result.unchanged) == (0, 0, 0)

    preview = _upload(client, world, content, "花名册导入模板.xlsx")
    assert preview.status_code == 200 and "没有需要保存的变化" in preview.content.decode()
    assert "确认导入" not in preview.content.decode()
    assert not PendingImport.objects.exists()
    assert table_counts()[:2] == before[:2]
