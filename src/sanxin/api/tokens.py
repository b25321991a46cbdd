"""Making, hashing and checking personal API tokens.

A token reads `sx_<prefix>_<secret>`: the prefix (8 characters) is stored in clear
to tell tokens apart in lists; the whole token is stored only as its SHA-256. A
presented token is looked up by its hash, and refused when revoked, expired, or
its owner is inactive. The last use (time and address) is written at most once per
`LAST_USED_EVERY` (a minute), by a conditional UPDATE, so a busy client does not write on
every request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from sanxin.api.models import ApiToken

PREFIX = "sx_"
LAST_USED_EVERY = timedelta(minutes=1)


def make() -> tuple[str, str]:
    """A new token and its prefix (the token itself is shown once, never stored)."""
    prefix = secrets.token_hex(4)
    return f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def hash_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active(token: str, *, now: datetime) -> QuerySet[ApiToken]:
    """The presented token if it is active and its owner an active user (at most one
    row; none for a malformed token). The API's auth (`api/auth.py`) reads it."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return ApiToken.objects.none()
    return (
        ApiToken.objects.select_related("owner")
        .filter(token_hash=hash_of(token), revoked_at__isnull=True, owner__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )


def note_use(token: ApiToken, *, ip: str | None, now=None) -> bool:
    """Record the use (time and address) when the last recorded one is older than
    LAST_USED_EVERY. One conditional UPDATE, so concurrent requests write once."""
    now = now or timezone.now()
    since = now - LAST_USED_EVERY
    if token.last_used_at is not None and token.last_used_at > since:
        return False
    updated = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=since))
        .update(last_used_at=now, last_used_ip=ip)
    )
    if updated:
        token.last_used_at, token.last_used_ip = now, ip
    return bool(updated)
