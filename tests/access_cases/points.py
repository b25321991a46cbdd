"""Who may use the 积分 screens. `_entries` gives the main household a pending entry
(recorded by the sub-team member), an approved one and an evidence photo."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from sanxin.ledger.models import Entry, EntryPhoto
from tests.access_cases import COMMITTEE, SEES_POINTS, Case
from tests.access_cases.effects import audited, succeeded

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


def _first_tidy(w) -> Entry:
    """The pending 六齐 entry `_entries` recorded (by the sub-team member)."""
    return Entry.objects.filter(household=w.household, item_code="env.tidy").order_by("id").first()


def _recorded(w, username) -> None:
    succeeded(w, username)
    entry = Entry.objects.get(idempotency_key__contains=":access-case:")
    assert (entry.household, entry.item_code, entry.points, entry.recorded_by) == (
        w.household,
        "env.tidy",
        2,
        w.users[username],
    )
    assert not hasattr(entry, "review"), "a new entry waits for review"
    audited(w, username, "entry.record", object_id=str(entry.pk))


def _batch_recorded(w, username) -> None:
    succeeded(w, username)
    (entry,) = Entry.objects.filter(recorded_by=w.users[username]).exclude(batch_key="")
    assert (entry.household, entry.item_code, entry.points) == (w.household, "env.tidy", 2)
    assert not hasattr(entry, "review"), "a new entry waits for review"


def _approved_by(w, username) -> None:
    succeeded(w, username)
    entry = _first_tidy(w)
    entry.refresh_from_db()
    assert entry.review.approved and entry.review.reviewer == w.users[username]
    audited(w, username, "entry.approve", object_id=str(entry.pk))


def _reversed_by(w, username) -> None:
    succeeded(w, username)
    original = Entry.objects.get(household=w.household, item_code="env.untidy", reversal_of=None)
    (reversal,) = original.reversals.all()
    assert (reversal.points, reversal.reason, reversal.recorded_by) == (
        -original.points,
        "记错了户",
        w.users[username],
    )
    assert not hasattr(reversal, "review"), "a reversal waits for another member's review"


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
        effect=_recorded,
    ),
    Case("points:batch", lambda w: "/points/batch/", RECORDERS, setup=_entries),
    Case(
        "points:batch",
        lambda w: "/points/batch/",
        RECORDERS_OF_HOUSEHOLD,
        method="post",
        data=_batch_data,
        setup=_entries,
        effect=_batch_recorded,
    ),
    Case("points:review", lambda w: "/points/review/", REVIEWERS, setup=_entries),
    Case(
        "points:review",
        lambda w: "/points/review/",
        COMMITTEE,
        method="post",
        data=lambda w: {"entry": [_pending(w).pk], "action": "approve", "reason": ""},
        setup=_entries,
        effect=_approved_by,
    ),
    Case(
        "points:entry",
        lambda w: f"/points/entries/{_pending(w).pk}/",
        SEES_POINTS,
        setup=_entries,
    ),
    Case(
        "points:entry_decide",
        lambda w: f"/points/entries/{_pending(w).pk}/decide/",
        COMMITTEE,
        method="post",
        data=lambda w: {"action": "approve", "reason": ""},
        setup=_entries,
        effect=_approved_by,
    ),
    Case(
        "points:entry_reverse",
        lambda w: f"/points/entries/{_approved(w).pk}/reverse/",
        COMMITTEE,
        method="post",
        data=lambda w: {"reason": "记错了户"},
        setup=_entries,
        effect=_reversed_by,
    ),
    Case(
        "points:photo",
        lambda w: f"/points/photos/{EntryPhoto.objects.order_by('id').first().pk}/",
        SEES_POINTS,
        setup=_entries,
    ),
    Case(
        "points:household",
        lambda w: f"/points/households/{w.household.pk}/",
        SEES_POINTS,
        setup=_entries,
    ),
]
