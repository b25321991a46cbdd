"""Access cases for the roster import (proposed tests/access_cases/roster.py)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from tests.access_cases import Case
from tests.access_cases.effects import succeeded
from tests.factories import valid_id

# Whoever holds registry.change somewhere may open the upload page and the template.
CHANGERS = {
    "district_admin",
    "town_admin",
    "committee_head",
    "committee_deputy",
    "other_district_admin",
    "other_town_admin",
    "neighbour_committee_head",
}
# ... but only those whose region holds 大贵口村 may import into it.
CHANGERS_OF_VILLAGE_A1 = {"district_admin", "town_admin", "committee_head", "committee_deputy"}


def _roster() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["户号", "村民小组", "姓名", "与户主关系", "身份证号"])
    sheet.append(["901", "第一村民小组", "测试户主", "户主", valid_id(901)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(world) -> dict:
    file = io.BytesIO(_roster())
    file.name = "roster.xlsx"
    return {"village": world.village_a1.pk, "file": file}


def _pending(world) -> None:
    from sanxin.households import importing

    importing.pending_import_create(
        user=world.users["committee_head"],
        village=world.village_a1,
        filename="roster.xlsx",
        content=_roster(),
    )


def _confirm_url(world) -> str:
    from sanxin.households.models import PendingImport

    return f"/households/import/{PendingImport.objects.get().token}/confirm/"


def _previewed(w, username):
    """The preview shows what would change and saves nothing but the pending file."""
    from sanxin.households.models import Household, PendingImport

    assert not Household.objects.filter(number="901").exists()
    pending = PendingImport.objects.get(user=w.users[username])
    assert f"/households/import/{pending.token}/confirm/" in w.response.content.decode()


def _imported(w, username):
    from sanxin.households.models import Household, PendingImport

    succeeded(w, username)
    household = Household.objects.get(village=w.village_a1, number="901")
    assert (household.villager_group, household.head_name) == (w.group_a1_1, "测试户主")
    assert not PendingImport.objects.exists(), "a confirmed upload is not kept"


CASES = [
    Case("households:roster_import", lambda w: "/households/import/", CHANGERS),
    Case(
        "households:roster_import",
        lambda w: "/households/import/",
        CHANGERS_OF_VILLAGE_A1,
        method="post",
        data=_upload,
        effect=_previewed,
    ),
    # HEAD: the same checks as GET, without the binary body the table would try to decode.
    Case(
        "households:roster_template",
        lambda w: "/households/import/template.xlsx",
        CHANGERS,
        method="head",
    ),
    # Only the uploader may confirm their upload.
    Case(
        "households:roster_confirm",
        _confirm_url,
        {"committee_head"},
        method="post",
        setup=_pending,
        effect=_imported,
    ),
]
