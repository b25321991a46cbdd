"""The API's rate limits, counted in the database so that they hold across every
server process (no shared cache is configured: each process has its own).

Fixed one-minute windows: a request adds one to its bucket's row for the current
minute with a single upsert (`INSERT … ON CONFLICT … DO UPDATE SET hits = hits + 1
RETURNING hits`, SQLite ≥ 3.35 and PostgreSQL), which answers the count including
this request. Concurrent requests queue on the row, so the count is exact. Buckets:

* a token's reads (GET, HEAD, OPTIONS) and its writes, separately:
  SANXIN_API_READS_PER_MINUTE (120) and SANXIN_API_WRITES_PER_MINUTE (30);
* a client address's failed authentications (a token presented but unknown,
  revoked, expired, or its owner deactivated): after
  SANXIN_API_AUTH_FAILURES_PER_MINUTE (20) of them, every request from that address
  answers 429 until the minute ends, whatever token it carries, so tokens cannot be
  guessed at speed and a right guess looks like a wrong one.

A refused request writes only its count. The rows of past minutes are deleted by
`prune` (the worker's heartbeat, `sanxin prune-api-rates`)."""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import IntegerField, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from sanxin.api.models import RateWindow

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Window:
    """The current window: its number (minutes since the epoch) and the seconds left."""

    minute: int
    retry_after: int

    @classmethod
    def at(cls, now: datetime) -> Window:
        seconds = now.timestamp()
        minute = int(seconds // WINDOW_SECONDS)
        left = (minute + 1) * WINDOW_SECONDS - seconds
        return cls(minute=minute, retry_after=max(1, math.ceil(left)))


def token_bucket(token_id: int, method: str) -> str:
    return f"token:{token_id}:{'read' if method in SAFE_METHODS else 'write'}"


def failure_bucket(ip: str | None) -> str:
    return f"auth-failed:{ip or '-'}"


def token_limit(method: str) -> int:
    if method in SAFE_METHODS:
        return settings.SANXIN_API_READS_PER_MINUTE
    return settings.SANXIN_API_WRITES_PER_MINUTE


def failure_limit() -> int:
    return settings.SANXIN_API_AUTH_FAILURES_PER_MINUTE


def hit(bucket: str, window: Window) -> int:
    """Count one request in `bucket`'s current window; returns the count with it."""
    table = connection.ops.quote_name(RateWindow._meta.db_table)
    sql = (
        f"INSERT INTO {table} (bucket, minute, hits) VALUES (%s, %s, 1) "
        f"ON CONFLICT (bucket, minute) DO UPDATE SET hits = {table}.hits + 1 "
        "RETURNING hits"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [bucket, window.minute])
        (hits,) = cursor.fetchone()
    return int(hits)


def failures_now(window: Window, ip: str | None) -> Coalesce:
    """The failed authentications of `ip` in the window, as a subquery (0 when none):
    the token's look-up reads it in the same query."""
    counted = RateWindow.objects.filter(bucket=failure_bucket(ip), minute=window.minute)
    return Coalesce(Subquery(counted.values("hits")[:1]), Value(0), output_field=IntegerField())


def note_over(bucket: str, hits: int, limit: int) -> None:
    """Log once per window, when a bucket first goes over its limit."""
    if hits == limit + 1:
        logger.warning("API rate limit reached: %s (%d a minute)", bucket, limit)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: behind the reverse proxy (SANXIN_BEHIND_PROXY), the
    address the proxy saw, which it appends last to X-Forwarded-For (nginx's
    `$proxy_add_x_forwarded_for`); else the connection's."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None


def prune(now: datetime) -> int:
    """Delete the windows before the current one's predecessor; returns how many."""
    current = Window.at(now).minute
    deleted, _by_model = RateWindow.objects.filter(minute__lt=current - 1).delete()
    return deleted
