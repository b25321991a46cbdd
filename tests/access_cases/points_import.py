"""Access cases for the import of point entries from paper sheets."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.access_cases import COMMITTEE, Case
from tests.access_cases.effects import succeeded

# Everyone who may record points somewhere: sub-team members (their village comes
# from their villager group) and the committees, the neighbour village's included.
RECORDERS = COMMITTEE | {"subteam_member", "other_group_subteam", "neighbour_committee_head"}
# Those whose reach includes village A1.
RECORDERS_OF_A1 = COMMITTEE | {"subteam_member", "other_group_subteam"}


def _csv(number: str = "001") -> bytes:
    return f"户号,姓名,积分项,数量,发生日期,事实依据\r\n{number},,env.tidy,1,2025-06-01,六齐达标\r\n".encode()


def _scheme(w) -> None:
    from sanxin.rules.services import scheme_install_default

    scheme_install_default(district=w.district)


def _pending(w) -> None:
    from sanxin.ledger.entry_import import pending_entries_create

    _scheme(w)
    w.points_token = pending_entries_create(
        user=w.users["subteam_member"], village=w.village_a1, filename="积分.csv", content=_csv()
    ).token


def _previewed(w, username):
    """The preview shows what would be saved and saves nothing but the pending file."""
    from sanxin.households.models import PendingImport
    from sanxin.ledger.models import Entry

    assert not Entry.objects.exists()
    page = w.response.content.decode()
    if username == "other_group_subteam":
        # Village A1, but not the group of household 001: the row is refused, nothing kept.
        assert "001 号户（第一村民小组）不在您可以记录积分的范围内。" in page
        assert not PendingImport.objects.exists()
        return
    pending = PendingImport.objects.get(user=w.users[username])
    assert f"/points/import/{pending.token}/confirm/" in page


def _imported(w, username):
    from sanxin.households.models import PendingImport
    from sanxin.ledger.models import Entry

    succeeded(w, username)
    (entry,) = Entry.objects.all()
    assert (entry.household, entry.item_code, str(entry.occurred_on), entry.points) == (
        w.household,
        "env.tidy",
        "2025-06-01",
        2,
    )
    assert entry.recorded_by == w.users[username] and not hasattr(entry, "review")
    assert not PendingImport.objects.exists(), "a confirmed upload is not kept"


CASES = [
    Case("points_import:upload", lambda w: "/points/import/", RECORDERS),
    # The preview: the file is checked, nothing is saved; another village's users get 404.
    Case(
        "points_import:upload",
        lambda w: "/points/import/",
        RECORDERS_OF_A1,
        method="post",
        setup=_scheme,
        data=lambda w: {"village": w.village_a1.pk, "file": SimpleUploadedFile("积分.csv", _csv())},
        effect=_previewed,
    ),
    Case(
        "points_import:template", lambda w: "/points/import/template.xlsx", RECORDERS, setup=_scheme
    ),
    # Only the uploader may confirm their upload.
    Case(
        "points_import:confirm",
        lambda w: f"/points/import/{w.points_token}/confirm/",
        {"subteam_member"},
        method="post",
        setup=_pending,
        effect=_imported,
    ),
]
