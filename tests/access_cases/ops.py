"""The machines' pages: /healthz is public (monitoring polls it without logging in);
/metrics exists only with SANXIN_METRICS on and is guarded by address or token, not by
login (tests/web/test_ops.py)."""

from django.conf import settings

from tests.access_cases import ALL_USERS, Case


def _worker_seen(w):
    """A worker wrote its heartbeat just now, so every check of /healthz is ok."""
    from django.utils import timezone

    from sanxin.jobs.heartbeat import beat

    beat("test-worker", started_at=timezone.now())


CASES = [Case("healthz", lambda w: "/healthz", set(ALL_USERS), public=True, setup=_worker_seen)]
if settings.SANXIN_METRICS:
    # The test client connects from 127.0.0.1 without a proxy header: allowed.
    CASES.append(Case("metrics", lambda w: "/metrics", set(ALL_USERS), public=True))
