"""Idempotent writes of the API: the `Idempotency-Key` header of a recording request
goes through the ledger's idempotent-submission record (`ledger.submissions.submit_once`,
the one the forms use), per token owner and kind of request. The same key with the
same body answers with what the first request recorded (and records nothing); the
same key with another body is refused (`KeyReused`, answered 409); a request that
records nothing (refused, invalid) leaves the key free."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sanxin.api.errors import ApiError
from sanxin.ledger import submissions

if TYPE_CHECKING:
    from sanxin.accounts.models import User

KEY_PATTERN = r"^[\x21-\x7e]{1,64}$"  # printable ASCII, as clients make them (UUIDs)


class KeyReused(Exception):
    """The key was used before for a request with another body."""


def key_reused() -> ApiError:
    return ApiError(
        409,
        _("这个 Idempotency-Key 已用于另一份内容不同的请求，请为新的请求另起一个编号"),
        code="idempotency_key_reused",
    )


def record_once(
    *, actor: User, kind: str, key: str, body: dict, perform: Callable[[], int]
) -> tuple[int, bool]:
    """Run `perform` (it records and returns the id of what it recorded, or raises)
    once per (actor, kind, key): (id, replayed). `body` is what makes two requests
    the same one (the path's ids and the validated body)."""
    try:
        submissions.earlier(actor=actor, kind=kind, key=key, content=body)
    except ValidationError:
        raise KeyReused from None
    try:
        outcome = submissions.submit_once(
            actor=actor, kind=kind, key=key, content=body, perform=lambda: [perform()]
        )
    except ValidationError:
        # A concurrent request with this key and another body won the race
        # (submit_once found it after its insert failed), or the service refused.
        try:
            submissions.earlier(actor=actor, kind=kind, key=key, content=body)
        except ValidationError:
            raise KeyReused from None
        raise
    assert outcome is not None  # perform returns an id or raises
    return outcome.object_ids[0], outcome.repeated
