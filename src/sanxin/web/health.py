"""What /healthz checks: each check is a name and a function that answers True (ok)
or False (failing). The list is CHECKS; a new check (the background worker seen
recently) is one more entry. Checks are cheap: a fixed query,
a cached migration plan, one statfs call. They say ok or failing and nothing more;
why a check failed goes to the log."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from sanxin.jobs.heartbeat import worker_seen_recently

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
# A failing migration check is looked at again after this many seconds (the process
# may have started before `sanxin migrate` finished); an ok one stays ok.
MIGRATIONS_RECHECK_SECONDS = 60.0


def database_reachable() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


class _MigrationsApplied:
    """No unapplied migration. Building the plan reads every migration file, so the
    answer is kept for the life of the process once it is ok (new migrations arrive
    with new code, which restarts the process), and for a minute while it is failing."""

    def __init__(self) -> None:
        self.ok = False
        self.checked_at: float | None = None

    def __call__(self) -> bool:
        now = time.monotonic()
        if self.ok or (
            self.checked_at is not None and now - self.checked_at < MIGRATIONS_RECHECK_SECONDS
        ):
            return self.ok
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        self.ok, self.checked_at = not plan, now
        if plan:
            logger.warning("health: %d unapplied migrations", len(plan))
        return self.ok

    def forget(self) -> None:
        self.ok, self.checked_at = False, None


migrations_applied = _MigrationsApplied()


def disk_space() -> bool:
    """Free space on the file system holding the data directory is at least
    SANXIN_HEALTH_MIN_FREE_MB and at least SANXIN_HEALTH_MIN_FREE_PERCENT of it."""
    usage = shutil.disk_usage(settings.VAR_DIR)
    enough_bytes = usage.free >= settings.SANXIN_HEALTH_MIN_FREE_MB * MIB
    enough_share = usage.free * 100 >= usage.total * settings.SANXIN_HEALTH_MIN_FREE_PERCENT
    if not (enough_bytes and enough_share):
        logger.warning("health: %d MiB free of %d MiB", usage.free // MIB, usage.total // MIB)
    return enough_bytes and enough_share


CHECKS: list[tuple[str, Callable[[], bool]]] = [
    ("database", database_reachable),
    ("migrations", migrations_applied),
    ("disk", disk_space),
    # `sanxin worker` wrote its heartbeat within SANXIN_WORKER_STALE_SECONDS.
    ("worker", worker_seen_recently),
]


def run_checks() -> dict[str, bool]:
    """Every check's answer by name; a check that raises is failing (and logged). The
    migration check needs the database, so it is failing when the database is."""
    results: dict[str, bool] = {}
    for name, check in CHECKS:
        if name in ("migrations", "worker") and results.get("database") is False:
            results[name] = False
            continue
        try:
            results[name] = bool(check())
        except Exception:
            logger.warning("health: the %s check raised", name, exc_info=True)
            results[name] = False
    return results
