"""The rotating check-in code: it changes every minute, is accepted for its minute and
the one before, only inside the activity's window, and only for its own activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanxin.engagement.checkin_codes import (
    EARLY,
    MESSAGES,
    Verdict,
    code_for,
    seconds_left,
    slot_of,
    verify,
    window_state,
)

START = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@dataclass
class Act:
    pk: int = 7
    checkin_secret: str = "a" * 32
    starts_at: datetime = START
    ends_at: datetime = START + timedelta(hours=2)


def test_the_code_changes_every_minute():
    act = Act()
    at = START + timedelta(minutes=5, seconds=1)
    assert code_for(act, at) == code_for(act, at + timedelta(seconds=58))
    assert code_for(act, at) != code_for(act, at + timedelta(seconds=60))


def test_accepted_for_its_minute_and_the_next_then_expired():
    act = Act()
    shown = START + timedelta(minutes=30, seconds=50)
    code = code_for(act, shown)
    assert verify(act, code, shown) is Verdict.OK
    assert verify(act, code, shown + timedelta(seconds=60)) is Verdict.OK  # clock skew
    assert verify(act, code, shown + timedelta(seconds=130)) is Verdict.EXPIRED
    assert "已过期" in MESSAGES[Verdict.EXPIRED]


def test_only_inside_the_window():
    act = Act()
    before = START - EARLY - timedelta(seconds=1)
    assert verify(act, code_for(act, before), before) is Verdict.NOT_OPEN
    early = START - EARLY + timedelta(seconds=1)
    assert verify(act, code_for(act, early), early) is Verdict.OK
    after = act.ends_at + timedelta(seconds=1)
    assert verify(act, code_for(act, after), after) is Verdict.CLOSED
    assert window_state(act, act.ends_at) is Verdict.OK


def test_a_code_from_the_future_is_not_one_the_server_showed():
    act = Act()
    now = START + timedelta(minutes=10)
    assert verify(act, code_for(act, now + timedelta(minutes=1)), now) is Verdict.INVALID


def test_another_activity_or_another_secret_gives_nothing():
    now = START + timedelta(minutes=10)
    mine, other = Act(pk=7), Act(pk=8)
    assert verify(mine, code_for(other, now), now) is Verdict.INVALID
    reseeded = Act(pk=7, checkin_secret="b" * 32)
    assert verify(mine, code_for(reseeded, now), now) is Verdict.INVALID


def test_the_key_is_the_servers(settings):
    act, now = Act(), START + timedelta(minutes=10)
    code = code_for(act, now)
    settings.SECRET_KEY = "another-server-" + "x" * 40
    assert verify(act, code, now) is Verdict.INVALID


@pytest.mark.parametrize(
    "tampered",
    ["", "-", "abc", "123", "１２３-abc", "99999999999999-" + "0" * 20, " 1-2", "1-2-3"],
)
def test_malformed_codes_are_invalid(tampered):
    assert verify(Act(), tampered, START) is Verdict.INVALID


@given(st.integers(min_value=0, max_value=19), st.sampled_from("0123456789abcdef"))
def test_any_changed_character_of_the_signature_is_refused(position, char):
    act, now = Act(), START + timedelta(minutes=3)
    code = code_for(act, now)
    slot, signature = code.split("-")
    changed = signature[:position] + char + signature[position + 1 :]
    expected = Verdict.OK if changed == signature else Verdict.INVALID
    assert verify(act, f"{slot}-{changed}", now) is expected
    # the slot cannot be moved forward or back with the same signature
    assert verify(act, f"{int(slot) - 1}-{signature}", now) is Verdict.INVALID


def test_seconds_left_and_slots():
    at = datetime(2026, 6, 10, 1, 0, 45, tzinfo=UTC)
    assert seconds_left(at) == 15
    assert slot_of(at) == slot_of(at.replace(second=0))
