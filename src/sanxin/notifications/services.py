"""Writes for in-product notifications. `notify` fans one message out to many
households with bulk inserts (no query per household)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.utils import timezone

from sanxin.households.models import Household
from sanxin.notifications.models import Notification, NotificationRead

BATCH = 2000
TITLE_MAX = 120


@dataclass(frozen=True)
class Message:
    """One household's own notification (its words differ from its neighbours')."""

    household_id: int
    kind: str
    title: str
    body: str = ""
    url: str = ""
    # The household's district (docs/scaling.md); looked up when not given.
    district_id: int | None = None


def _title(text: str) -> str:
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def notify(
    *,
    households: Iterable[int],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    at: datetime | None = None,
    district_id: int | None = None,
) -> int:
    """The same notification for every household id; returns how many were written.
    A bulk job that works district by district passes the `district_id` of all of
    them; otherwise each household's district is looked up (one query per batch)."""
    return notify_each((Message(h, kind, title, body, url, district_id) for h in households), at=at)


def notify_each(messages: Iterable[Message], *, at: datetime | None = None) -> int:
    """A notification for each message's household, written in bulk (one insert per
    BATCH, no query per household, memory bounded by BATCH); returns how many."""
    at = at or timezone.now()
    written = 0
    messages = iter(messages)
    while batch := list(islice(messages, BATCH)):
        unknown = [m.household_id for m in batch if m.district_id is None]
        districts = (
            dict(Household.objects.filter(pk__in=unknown).values_list("pk", "district_id"))
            if unknown
            else {}
        )
        Notification.objects.bulk_create(
            [
                Notification(
                    household_id=m.household_id,
                    district_id=m.district_id or districts[m.household_id],
                    kind=m.kind,
                    title=_title(m.title),
                    body=m.body,
                    url=m.url,
                    created_at=at,
                )
                for m in batch
            ]
        )
        written += len(batch)
    return written


def notifications_mark_read(*, user, notifications: Iterable[Notification]) -> int:
    """Mark these notifications read for `user` (already-read ones are skipped)."""
    now = timezone.now()
    ids = [n.pk for n in notifications]
    done = set(
        NotificationRead.objects.filter(user=user, notification_id__in=ids).values_list(
            "notification_id", flat=True
        )
    )
    rows = [
        NotificationRead(notification_id=i, user=user, read_at=now) for i in ids if i not in done
    ]
    NotificationRead.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
