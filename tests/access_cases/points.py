"""Who may use the 积分 screens. `_entries` gives the main household a pending entry
(recorded by the sub-team member), an approved one and an evidence photo."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from sanxin.ledger.models import Entry, EntryPhoto
from tests.access_cases import COMMITTEE, INSIDERS_OF_HOUSEHOLD, Case

# Everyone who records points somewhere (the record and batch pages themselves).
RECORDERS = COMMITTEE | {"subteam_member", "other_group_subteam", "neighbour_committee_head"}
# Everyone who records points for the main household.
RECORDERS_OF_HOUSEHOLD = COMMITTEE | {"subteam_member"}
# Everyone who reviews points somewhere.
REVIEWERS = COMMITTEE | {"neighbour_committee_head"}

# The matrix reads every allowed response as text, so the stand-in photo is ASCII.
PHOTO_NAME = "evidence/tests/access-case.png"
PHOTO_BYTES = b"access-case evidence photo"


def _entries(w) -> None:
    from sanxin.ledger import services
    from sanxin.rules.services import scheme_install_default

    scheme_install_default(district=w.district)
    if Entry.objects.filter(household=w.household).exists():
        return
    today = timezone.localdate()
    recorder = w.users["subteam_member"]
    pending = services.entry_record(
        actor=recorder,
        request=services.EntryRequest(
            household=w.household, item_code="env.tidy", occurred_on=today
        ),
    )
    approved = services.entry_record(
        actor=recorder,
        request=services.EntryRequest(
            household=w.household, item_code="env.untidy", occurred_on=today
        ),
    )
    services.entry_review(actor=w.users["committee_deputy"], entry=approved, approve=True)
    if not default_storage.exists(PHOTO_NAME):
        default_storage.save(PHOTO_NAME, ContentFile(PHOTO_BYTES))
    EntryPhoto.objects.create(
        entry=pending, image=PHOTO_NAME, sha256=hashlib.sha256(PHOTO_BYTES).hexdigest()
    )


def _pending(w) -> Entry:
    return Entry.objects.filter(household=w.household, review__isnull=True).order_by("id").first()


def _approved(w) -> Entry:
    return Entry.objects.filter(household=w.household, review__approved=True).order_by("id").first()


def _record_data(w) -> dict:
    return {
        "household": w.household.pk,
        "item_code": "env.tidy",
        "quantity": 1,
        "occurred_on": timezone.localdate().isoformat(),
        "evidence_text": "",
        "idempotency_key": "access-case",
    }


def _batch_data(w) -> dict:
    return {
        "households": [w.household.pk],
        "item_code": "env.tidy",
        "quantity": 1,
        "occurred_on": timezone.localdate().isoformat(),
        "evidence_text": "",
    }


CASES = [
    Case("points:record", lambda w: "/points/record/", RECORDERS, setup=_entries),
    Case(
        "points:record",
        lambda w: f"/points/record/?household={w.household.pk}",
        RECORDERS_OF_HOUSEHOLD,
        setup=_entries,
    ),
    Case(
        "points:record",
        lambda w: "/points/record/",
        RECORDERS_OF_HOUSEHOLD,
        method="post",
        data=_record_data,
        setup=_entries,
    ),
    Case("points:batch", lambda w: "/points/batch/", RECORDERS, setup=_entries),
    Case(
        "points:batch",
        lambda w: "/points/batch/",
        RECORDERS_OF_HOUSEHOLD,
        method="post",
        data=_batch_data,
        setup=_entries,
    ),
    Case("points:review", lambda w: "/points/review/", REVIEWERS, setup=_entries),
    Case(
        "points:review",
        lambda w: "/points/review/",
        COMMITTEE,
        method="post",
        data=lambda w: {"entry": [_pending(w).pk], "action": "approve", "reason": ""},
        setup=_entries,
    ),
    Case(
        "points:entry",
        lambda w: f"/points/entries/{_pending(w).pk}/",
        INSIDERS_OF_HOUSEHOLD,
        setup=_entries,
    ),
    Case(
        "points:entry_decide",
        lambda w: f"/points/entries/{_pending(w).pk}/decide/",
        COMMITTEE,
        method="post",
        data=lambda w: {"action": "approve", "reason": ""},
        setup=_entries,
    ),
    Case(
        "points:entry_reverse",
        lambda w: f"/points/entries/{_approved(w).pk}/reverse/",
        COMMITTEE,
        method="post",
        data=lambda w: {"reason": "记错了户"},
        setup=_entries,
    ),
    Case(
        "points:photo",
        lambda w: f"/points/photos/{EntryPhoto.objects.order_by('id').first().pk}/",
        INSIDERS_OF_HOUSEHOLD,
        setup=_entries,
    ),
    Case(
        "points:household",
        lambda w: f"/points/households/{w.household.pk}/",
        INSIDERS_OF_HOUSEHOLD,
        setup=_entries,
    ),
]
