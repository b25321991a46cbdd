"""Idempotency keys for the forms that record something (batch recording, credit
assessments, veto events): a form carries a random key; submitting it twice records
once, and the second answer shows what the first recorded."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sanxin.ledger.models import Submission

if TYPE_CHECKING:
    from sanxin.accounts.models import User


@dataclass(frozen=True)
class Outcome:
    object_ids: list[int]
    repeated: bool  # True: an earlier submission with this key recorded these


def fingerprint(content) -> str:
    return hashlib.sha256(
        json.dumps(content, default=str, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _earlier(full_key: str, print_: str) -> Outcome | None:
    earlier = Submission.objects.filter(key=full_key).first()
    if earlier is None:
        return None
    if earlier.fingerprint != print_:
        raise ValidationError("该提交编号已用于另一份不同的提交，请刷新页面后重新填写")
    return Outcome(object_ids=list(earlier.object_ids), repeated=True)


def earlier(*, actor: User, kind: str, key: str | None, content) -> Outcome | None:
    """What an earlier submission of this form (same user, kind and key) recorded."""
    if not key:
        return None
    return _earlier(_full_key(actor, kind, key), fingerprint(content))


def _full_key(actor: User, kind: str, key: str) -> str:
    return f"{actor.pk}:{kind}:{key}"[:120]


def submit_once(
    *,
    actor: User,
    kind: str,
    key: str | None,
    content,
    perform: Callable[[], list[int] | None],
) -> Outcome | None:
    """Run `perform` (which records and returns the ids it recorded, or None when it
    recorded nothing, e.g. the input had errors) at most once for `actor`'s `key`.
    Without a key it simply runs. Returns None when `perform` recorded nothing."""
    if not key:
        ids = perform()
        return None if ids is None else Outcome(object_ids=ids, repeated=False)
    full_key = _full_key(actor, kind, key)
    print_ = fingerprint(content)
    if (outcome := _earlier(full_key, print_)) is not None:
        return outcome
    try:
        with transaction.atomic():
            # Inserted first: a concurrent submission with the same key waits on this
            # row (PostgreSQL) or on the write lock (SQLite), then finds it.
            submission = Submission.objects.create(
                key=full_key, kind=kind, fingerprint=print_, user=actor
            )
            ids = perform()
            if ids is None:
                transaction.set_rollback(True)
                return None
            submission.object_ids = ids
            submission.save(update_fields=["object_ids"])
            return Outcome(object_ids=ids, repeated=False)
    except IntegrityError:
        outcome = _earlier(full_key, print_)
        if outcome is None:
            raise
        return outcome
