"""The worker's sign of life: `sanxin worker` writes its WorkerHeartbeat row every
SANXIN_WORKER_HEARTBEAT_SECONDS; /healthz and the stale-job rule read it. With each
beat the worker also does the housekeeping apps above jobs registered as chores
(`register_chore` in their `AppConfig.ready`; jobs never imports them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from sanxin.jobs.models import WorkerHeartbeat

# The id of the worker running in this process ('' outside a worker); a job records it.
CURRENT = {"worker_id": ""}

# Housekeeping done at each beat: a callable taking the time of the beat.
CHORES: list[Callable[[datetime], object]] = []


def register_chore(chore: Callable[[datetime], object]) -> None:
    if chore not in CHORES:
        CHORES.append(chore)


def beat(worker_id: str, *, started_at: datetime, now: datetime | None = None) -> None:
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"seen_at": now, "started_at": started_at}
    )


def worker_seen_recently(now: datetime | None = None) -> bool:
    """Some worker wrote its heartbeat within SANXIN_WORKER_STALE_SECONDS."""
    since = (now or timezone.now()) - timedelta(seconds=settings.SANXIN_WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(seen_at__gte=since).exists()
