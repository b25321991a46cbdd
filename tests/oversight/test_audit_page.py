"""The audit log in words: Chinese action names for every action the services write,
readable before/after, filters chosen from lists, the Excel export of what the
filters show, and a fixed number of queries."""

from __future__ import annotations

import io
import re
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from sanxin.audit.services import audit
from sanxin.oversight import words

SRC = Path(__file__).resolve().parents[2] / "src" / "sanxin"
ACTION = re.compile(r'action="([a-z_]+\.[a-z_.]+)"|AUDIT_ACTION = "([a-z_.]+)"')
DEFAULT = re.compile(r'audit_action: str = "([a-z_.]+)"')
CONDITIONAL = re.compile(r'action="([a-z_.]+)" if [^"]+ else "([a-z_.]+)"')


def _actions_in_src() -> set[str]:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in (ACTION, DEFAULT, CONDITIONAL):
            for groups in pattern.findall(text):
                found.update(g for g in (groups if isinstance(groups, tuple) else (groups,)) if g)
    return found


def test_every_action_written_in_src_has_a_chinese_name():
    actions = _actions_in_src()
    assert {"entry.record", "grade.dynamic", "role.assign", "appeal.dismiss"} <= actions
    missing = sorted(a for a in actions if a not in words.ACTION_LABELS)
    assert not missing, missing


def test_before_and_after_read_as_words():
    assert words.changes({"grade": "5A"}, {"grade": "unrated", "reason": "拖欠贷款"}) == [
        "等级 5A → 未评级",
        "理由：拖欠贷款",
    ]
    assert words.changes(None, {"grades": {"unrated": 300, "5A": 2}}) == [
        "等级分布：未评级 300 户、5A 2 户"
    ]
    assert words.changes({"state": "review"}, {"state": "notice", "x": None}) == [
        "状态 委员会审核 → 公示",
        "x：—",
    ]


def _page(client, query=""):
    return client.get(f"/oversight/audit/{query}").content.decode()


def test_page_shows_names_and_filters_from_lists(world, login):
    village = world.village_a1
    audit(
        actor=world.users["committee_head"],
        action="grade.dynamic",
        object_type="households.household",
        object_repr="001号户",
        region_path=world.household.villager_group.path,
        before={"grade": "5A"},
        after={"grade": "unrated", "reason": '=HYPERLINK("x")'},
    )
    client = login(world.users["district_admin"])
    html = _page(client)
    assert "等级动态调整" in html and "等级 5A → 未评级" in html
    assert "grades={" not in html and "None" not in html
    assert '<select name="action"' in html and '<select name="actor"' in html
    assert '<select name="village"' in html and 'type="date"' in html
    assert "大贵口村" in html
    # Filters narrow the rows.
    html = _page(client, "?action=grade.dynamic")
    assert "等级动态调整" in html and "新增农户" not in html.split("<tbody>")[1]
    html = _page(client, f"?actor={world.users['committee_head'].pk}&village={village.pk}")
    assert "等级 5A → 未评级" in html
    html = _page(client, "?since=2000-01-01&until=2000-01-02")
    assert "暂无记录" in html
    # The export holds the filtered rows; text stays text.
    response = client.get("/oversight/audit/export/?action=grade.dynamic")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "操作")
    assert len(rows) == 2 and rows[1][2] == "等级动态调整"
    assert "等级 5A → 未评级" in rows[1][4]
    assert sheet.cell(row=2, column=5).data_type == "s"


def test_the_page_runs_a_fixed_number_of_queries(world, login):
    client = login(world.users["district_admin"])
    _page(client)
    with CaptureQueriesContext(connection) as few:
        _page(client)
    for n in range(30):
        audit(
            actor=world.users["committee_head"],
            action="entry.record",
            object_type="ledger.entry",
            object_repr=f"e{n}",
            region_path=world.household.villager_group.path,
            after={"points": "2"},
        )
    with CaptureQueriesContext(connection) as many:
        _page(client)
    assert len(many.captured_queries) == len(few.captured_queries)
