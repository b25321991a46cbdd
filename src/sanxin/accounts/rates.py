"""Rate limits, counted in the database so that they hold across every server process
(no shared cache is configured: each process has its own). The public API and the
pages' sensitive actions both count here (docs/access.md, docs/api.md).

Fixed one-minute windows: a request adds one to its bucket's row for the current
minute with a single upsert (`INSERT … ON CONFLICT … DO UPDATE SET hits = hits + 1
RETURNING hits`, SQLite ≥ 3.35 and PostgreSQL), which answers the count including
this request. Concurrent requests queue on the row, so the count is exact.

Buckets are per *user* and kind (`Kind`): however many tokens or sessions a user has,
they share one count. The kinds and their settings (requests per user and minute):

* `API_READ`, `API_WRITE`: the API's reads (GET, HEAD, OPTIONS) and writes,
  SANXIN_API_READS_PER_MINUTE (120) and SANXIN_API_WRITES_PER_MINUTE (30);
* `REVEAL`: a person's full identity number shown, SANXIN_ID_REVEALS_PER_MINUTE (10);
* `EXPORT`: a spreadsheet or PDF of a list of people or money, or the start of a job
  making one, or a job's file downloaded, SANXIN_EXPORTS_PER_MINUTE (10);
* `REDEEM`: a redemption confirmed at the counter or a batch of paper slips entered,
  SANXIN_REDEMPTIONS_PER_MINUTE (30).

The request that first goes over a user's limit in a window writes one audit row
(`rate.lockout`) and a warning in the log; the refused requests after it in the same
window write only their count. The API also counts a client address's failed
authentications (sanxin/api/rates.py). The rows of past minutes are deleted by
`prune` (the worker's heartbeat, `sanxin prune-rates`)."""

from __future__ import annotations

import ipaddress
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sanxin.accounts.models import RateWindow
from sanxin.accounts.scope import Scope, scope_for
from sanxin.audit.services import audit

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


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

    @property
    def ends_at(self) -> datetime:
        return datetime.fromtimestamp((self.minute + 1) * WINDOW_SECONDS, tz=UTC)


@dataclass(frozen=True)
class Kind:
    """What a user's requests are counted as: `name` in the bucket, the setting that
    holds its limit a minute, and what it is called in the refusal and the audit log."""

    name: str
    setting: str
    label: Promise

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.setting))


API_READ = Kind("api-read", "SANXIN_API_READS_PER_MINUTE", _("开放接口读取"))
API_WRITE = Kind("api-write", "SANXIN_API_WRITES_PER_MINUTE", _("开放接口写入"))
REVEAL = Kind("reveal", "SANXIN_ID_REVEALS_PER_MINUTE", _("查看完整身份证号"))
EXPORT = Kind("export", "SANXIN_EXPORTS_PER_MINUTE", _("导出或下载名单、报表"))
REDEEM = Kind("redeem", "SANXIN_REDEMPTIONS_PER_MINUTE", _("确认兑换或补录纸质单据"))
KINDS = (API_READ, API_WRITE, REVEAL, EXPORT, REDEEM)


@dataclass(frozen=True)
class Refusal:
    """A request over its user's limit: what was limited, to how many, and the
    seconds until the window ends (the Retry-After)."""

    kind: Kind
    limit: int
    retry_after: int


def user_bucket(user_id: int, kind: Kind) -> str:
    return f"user:{user_id}:{kind.name}"


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


def note_over(bucket: str, hits: int, limit: int) -> bool:
    """Log once per window, when a bucket first goes over its limit; True then."""
    if hits == limit + 1:
        logger.warning("Rate limit reached: %s (%d a minute)", bucket, limit)
        return True
    return False


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


def home_path(scope: Scope) -> str:
    """Where a user's audit rows about themselves hang, so that the auditors of their
    place see them: the widest of their grants' region paths ('' without grants)."""
    paths = [g.region_path or g.household_group_path or "" for g in scope.grants]
    paths = [p for p in paths if p]
    return min(paths, key=lambda p: (len(p), p)) if paths else ""


def count(
    request: HttpRequest, user: User, kind: Kind, *, now: datetime | None = None
) -> Refusal | None:
    """Count one request of `user` of `kind`. None while within the limit; else a
    Refusal, and the first refused request of the window writes the lockout's audit
    row (who, what, the limit, until when, the path and address)."""
    window = Window.at(now or timezone.now())
    bucket = user_bucket(user.pk, kind)
    hits = hit(bucket, window)
    limit = kind.limit
    if hits <= limit:
        return None
    if note_over(bucket, hits, limit):
        scope = getattr(request, "scope", None) or scope_for(user)
        audit(
            actor=user,
            action="rate.lockout",
            obj=user,
            region_path=home_path(scope),
            after={
                "rate_kind": str(kind.label),
                "rate_limit": limit,
                "blocked_until": timezone.localtime(window.ends_at).strftime("%Y-%m-%d %H:%M"),
                "request_path": request.path[:200],
            },
            ip_address=client_ip(request),
        )
    return Refusal(kind=kind, limit=limit, retry_after=window.retry_after)


def refused_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """429 with Retry-After and the reason in Chinese: the fragment for an HTMX
    request (swapped where the answer would have gone, base.html's htmx-config), the
    page otherwise."""
    template = "_rate_limited.html" if request.headers.get("HX-Request") else "rate_limited.html"
    response = render(
        request,
        template,
        {
            "what": refusal.kind.label,
            "limit": refusal.limit,
            "seconds": refusal.retry_after,
        },
        status=429,
    )
    response["Retry-After"] = str(refusal.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def limited(kind: Kind, *, when: Callable[[HttpRequest], bool] | None = None):
    """A page's per-user limit: put it under `@requires(...)` (the user is signed in
    and `request.scope` set). Each request (or each one `when` accepts) is counted;
    one over the limit answers 429 (`refused_response`) and the view does not run, so
    nothing changes. The view is marked `rate_limit` (tests/access checks exports)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if when is None or when(request):
                refusal = count(request, request.user, kind)
                if refusal is not None:
                    return refused_response(request, refusal)
            return view(request, *args, **kwargs)

        wrapper.rate_limit = kind
        return wrapper

    return decorator


def prune(now: datetime) -> int:
    """Delete the windows before the current one's predecessor; returns how many."""
    current = Window.at(now).minute
    deleted, _by_model = RateWindow.objects.filter(minute__lt=current - 1).delete()
    return deleted
