"""The API's rate limits, counted by the mechanism the pages share
(`sanxin.accounts.rates`: one-minute windows in the database, exact across server
processes). Buckets:

* a user's reads (GET, HEAD, OPTIONS) and their writes, separately, whichever of their
  tokens sends them (so issuing more tokens gives no more requests):
  SANXIN_API_READS_PER_MINUTE (120) and SANXIN_API_WRITES_PER_MINUTE (30); the first
  request over a limit in a minute writes the lockout's audit row;
* a client address's failed authentications (a token presented but unknown,
  revoked, expired, or its owner deactivated): after
  SANXIN_API_AUTH_FAILURES_PER_MINUTE (20) of them, every request from that address
  answers 429 until the minute ends, whatever token it carries, so tokens cannot be
  guessed at speed and a right guess looks like a wrong one.

A refused request writes only its count (and that audit row). The rows of past
minutes are deleted by `accounts.rates.prune` (the worker's heartbeat,
`sanxin prune-rates`)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import IntegerField, Subquery, Value
from django.db.models.functions import Coalesce

from sanxin.accounts.models import RateWindow
from sanxin.accounts.rates import API_READ, API_WRITE, Kind, Window

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def kind_of(method: str) -> Kind:
    """Which of the user's API buckets a request counts in."""
    return API_READ if method in SAFE_METHODS else API_WRITE


def failure_bucket(ip: str | None) -> str:
    return f"auth-failed:{ip or '-'}"


def failure_limit() -> int:
    return settings.SANXIN_API_AUTH_FAILURES_PER_MINUTE


def failures_now(window: Window, ip: str | None) -> Coalesce:
    """The failed authentications of `ip` in the window, as a subquery (0 when none):
    the token's look-up reads it in the same query."""
    counted = RateWindow.objects.filter(bucket=failure_bucket(ip), minute=window.minute)
    return Coalesce(Subquery(counted.values("hits")[:1]), Value(0), output_field=IntegerField())
