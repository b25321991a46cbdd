"""Who may use the appeal (异议) screens of village A1's cycle. The cycle is put on
notice by `ratings._on_notice`, whose window starts on the real today (so filing
is open); `_appealed` adds the villager's grade appeal for the main household."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.access_cases import COMMITTEE, Case
from tests.access_cases.effects import audited, succeeded
from tests.access_cases.ratings import _cycle, _on_notice

# The village's committee and the town and district admins over it see every appeal.
SEE_ALL = COMMITTEE | {"district_admin", "town_admin"}
# Households of village A1 see the list (their own appeals only).
APPEAL_LIST = SEE_ALL | {"villager", "other_villager"}
# The main household's appeal: those who see all, and the household itself.
APPEAL_PAGE = SEE_ALL | {"villager"}
# Filing for the main household: the household itself, or a committee member on its behalf.
FILERS = COMMITTEE | {"villager"}


def _appealed(w):
    from sanxin.ratings.choices import AppealKind
    from sanxin.ratings.models import Appeal
    from sanxin.ratings.services.appeals import appeal_file

    _on_notice(w)
    if not Appeal.objects.exists():
        appeal_file(
            actor=w.users["villager"],
            cycle=_cycle(w),
            household=w.household,
            kind=AppealKind.GRADE,
            reason="测试异议",
        )


# The matrix reads every allowed response as text, so the stand-in photo is ASCII.
PHOTO_NAME = "appeals/tests/access-case.png"
PHOTO_BYTES = b"access-case appeal evidence photo"


def _with_photo(w):
    from sanxin.ratings.models import Appeal, AppealPhoto

    _appealed(w)
    if not default_storage.exists(PHOTO_NAME):
        default_storage.save(PHOTO_NAME, ContentFile(PHOTO_BYTES))
    if not AppealPhoto.objects.exists():
        AppealPhoto.objects.create(
            appeal=Appeal.objects.get(),
            image=PHOTO_NAME,
            sha256=hashlib.sha256(PHOTO_BYTES).hexdigest(),
        )


def _photo_pk(w):
    from sanxin.ratings.models import AppealPhoto

    return AppealPhoto.objects.get().pk


def _appeal_pk(w):
    from sanxin.ratings.models import Appeal

    return Appeal.objects.get().pk


def _pk(w):
    return _cycle(w).pk


def _filed(w, username):
    from sanxin.ratings.models import Appeal

    succeeded(w, username)
    appeal = Appeal.objects.get(household=w.household, filed_by=w.users[username])
    assert (appeal.kind, appeal.reason, appeal.on_behalf) == (
        "grade",
        "等级偏低",
        username != "villager",
    )
    audited(w, username, "appeal.file")


def _dismissed(w, username):
    from sanxin.ratings.models import Appeal

    succeeded(w, username)
    decision = Appeal.objects.get().decision
    assert (decision.upheld, decision.reason, decision.decided_by) == (
        False,
        "评分无误",
        w.users[username],
    )
    audited(w, username, "appeal.dismiss")


CASES = [
    Case("ratings:appeals", lambda w: f"/ratings/{_pk(w)}/appeals/", APPEAL_LIST, setup=_appealed),
    Case(
        "ratings:appeals",
        lambda w: f"/ratings/{_pk(w)}/appeals/?status=open",
        APPEAL_LIST,
        setup=_appealed,
    ),
    Case(
        "ratings:appeals",
        lambda w: f"/ratings/{_pk(w)}/appeals/?format=xlsx",
        APPEAL_LIST,
        setup=_appealed,
    ),
    Case(
        "ratings:appeal_file",
        lambda w: f"/ratings/{_pk(w)}/households/{w.household.pk}/appeal/",
        FILERS,
        setup=_on_notice,
    ),
    Case(
        "ratings:appeal_file",
        lambda w: f"/ratings/{_pk(w)}/households/{w.household.pk}/appeal/",
        FILERS,
        method="post",
        setup=_on_notice,
        data=lambda w: {"kind": "grade", "reason": "等级偏低"},
        effect=_filed,
    ),
    Case(
        "ratings:appeal",
        lambda w: f"/ratings/appeals/{_appeal_pk(w)}/",
        APPEAL_PAGE,
        setup=_with_photo,
    ),
    Case(
        "ratings:appeal_photo",
        lambda w: f"/ratings/appeals/photos/{_photo_pk(w)}/",
        APPEAL_PAGE,
        setup=_with_photo,
    ),
    Case(
        "ratings:appeal_decide",
        lambda w: f"/ratings/appeals/{_appeal_pk(w)}/decide/",
        COMMITTEE,
        method="post",
        setup=_appealed,
        data=lambda w: {"upheld": "0", "reason": "评分无误"},
        effect=_dismissed,
    ),
]
