"""The rotating check-in code of a village activity: pure functions, no database.

The organiser's phone shows a QR code of a URL ending in a code for (activity, minute
slot): `<slot>-<signature>`, the slot being the Unix minute and the signature an HMAC
(SHA-256, `django.utils.crypto.salted_hmac`) of the activity's id, its own random
`checkin_secret` and the slot, keyed by SECRET_KEY with a salt of its own. So the code
changes every minute, cannot be made without the server's key, and a code of one
activity is worth nothing for another.

A code is accepted for its own minute and the one before (a phone's clock may lag and
a villager may take a few seconds to scan), and only inside the activity's window:
from `EARLY` before the start until the end. A replayed code within those two minutes
is harmless: a person is checked in once per activity (the database's unique
constraint), so the second scan records nothing. An older code is refused in plain
words, never with the reason a forger would like to know more precisely than that.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from django.utils.crypto import salted_hmac

SALT = "sanxin.engagement.checkin_code"
SLOT_SECONDS = 60
EARLY = timedelta(minutes=10)  # check-in opens this long before the start
SIGNATURE_CHARS = 20  # hex characters of the HMAC kept in the code (80 bits)


class CodedActivity(Protocol):
    """What a code needs of an activity (the model, or anything shaped like it)."""

    pk: int
    checkin_secret: str
    starts_at: datetime
    ends_at: datetime


class Verdict(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # not a code of this activity (tampered, forged, another's)
    EXPIRED = "expired"  # a genuine code, but older than the previous minute
    NOT_OPEN = "not_open"  # before the window
    CLOSED = "closed"  # after the window


MESSAGES = {
    Verdict.INVALID: "这不是本活动的签到码，请扫描组织者手机上正在显示的二维码",
    Verdict.EXPIRED: "签到码已过期（每分钟更换一次），请重新扫描组织者手机上正在显示的二维码",
    Verdict.NOT_OPEN: "活动还没有开始签到（开始前 10 分钟开放）",
    Verdict.CLOSED: "活动已经结束，不能再签到",
}


def slot_of(moment: datetime) -> int:
    """The minute slot of an aware moment (Unix minutes)."""
    return int(moment.timestamp()) // SLOT_SECONDS


def _signature(activity: CodedActivity, slot: int) -> str:
    value = f"{activity.pk}:{activity.checkin_secret}:{slot}"
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:SIGNATURE_CHARS]


def code_for(activity: CodedActivity, moment: datetime) -> str:
    """The code of `activity` for the minute of `moment`."""
    slot = slot_of(moment)
    return f"{slot}-{_signature(activity, slot)}"


def window(activity: CodedActivity) -> tuple[datetime, datetime]:
    """When check-in is open: from EARLY before the start until the end."""
    return activity.starts_at - EARLY, activity.ends_at


def window_state(activity: CodedActivity, now: datetime) -> Verdict:
    """OK inside the window, else NOT_OPEN or CLOSED."""
    opens, closes = window(activity)
    if now < opens:
        return Verdict.NOT_OPEN
    if now > closes:
        return Verdict.CLOSED
    return Verdict.OK


def seconds_left(now: datetime) -> int:
    """Seconds until the code changes (for the organiser's page to refresh then)."""
    return SLOT_SECONDS - int(now.timestamp()) % SLOT_SECONDS


def verify(activity: CodedActivity, code: str, now: datetime) -> Verdict:
    """Whether `code` checks a person in to `activity` at `now`."""
    slot_text, _, signature = (code or "").partition("-")
    if not slot_text.isascii() or not slot_text.isdigit() or len(slot_text) > 12:
        return Verdict.INVALID
    slot = int(slot_text)
    if not hmac.compare_digest(signature.encode(), _signature(activity, slot).encode()):
        return Verdict.INVALID
    state = window_state(activity, now)
    if state is not Verdict.OK:
        return state
    current = slot_of(now)
    if slot > current:
        return Verdict.INVALID  # from the future: not a code the server has shown
    if slot < current - 1:
        return Verdict.EXPIRED
    return Verdict.OK
