"""`sanxin worker`: runs the background jobs (django-tasks' database worker) and, in a
thread beside it, writes the worker's heartbeat every SANXIN_WORKER_HEARTBEAT_SECONDS,
marks failed the running jobs of workers that died, deletes expired job files and does
the chores other apps registered (`jobs.heartbeat.register_chore`)."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks.backends.database.management.commands.db_worker import Worker
from django_tasks.task import DEFAULT_QUEUE_NAME
from django_tasks.utils import get_random_id

from sanxin.jobs.heartbeat import CHORES, CURRENT, beat
from sanxin.jobs.services import job_files_prune, jobs_fail_stale

logger = logging.getLogger(__name__)


def heartbeat_once(worker_id: str, started_at) -> None:
    try:
        beat(worker_id, started_at=started_at)
        jobs_fail_stale()
        job_files_prune()
        for chore in CHORES:
            chore(timezone.now())
    except Exception:  # a busy database: the next beat tries again
        logger.warning("worker %s: heartbeat not written", worker_id, exc_info=True)


def _heartbeat_loop(worker_id: str, started_at, stop: threading.Event) -> None:
    try:
        while not stop.wait(settings.SANXIN_WORKER_HEARTBEAT_SECONDS):
            heartbeat_once(worker_id, started_at)
    finally:
        connection.close()


class Command(BaseCommand):
    help = "运行后台任务（django-tasks 数据库后端的工作进程），并定时记录心跳"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="无任务时的轮询间隔（秒）")
        parser.add_argument("--batch", action="store_true", help="做完排队中的任务后退出")
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *, interval: float, batch: bool, max_tasks: int | None, **options) -> None:
        worker_id = get_random_id()
        started_at = timezone.now()
        CURRENT["worker_id"] = worker_id
        heartbeat_once(worker_id, started_at)
        stop = threading.Event()
        thread = threading.Thread(
            target=_heartbeat_loop, args=(worker_id, started_at, stop), daemon=True
        )
        thread.start()
        logger.info("worker %s started", worker_id)
        worker = Worker(
            queue_names=[DEFAULT_QUEUE_NAME],
            interval=interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=not batch,
            max_tasks=max_tasks,
            worker_id=worker_id,
        )
        if not batch:
            worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
            thread.join(timeout=5)
            CURRENT["worker_id"] = ""
