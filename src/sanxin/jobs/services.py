"""Writes for background jobs: start one (returns at once), run it (the task body,
called by the worker), retry one that failed or whose worker died, and mark the jobs
of dead workers failed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sanxin.accounts.scope import scope_for
from sanxin.audit.services import audit
from sanxin.jobs.choices import JobStatus
from sanxin.jobs.heartbeat import CURRENT
from sanxin.jobs.kinds import KINDS
from sanxin.jobs.models import Job, WorkerHeartbeat
from sanxin.regions.models import Region

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

INTERRUPTED = (
    "后台工作进程中断，任务没有做完；已做完的部分保持不变，未做完的部分没有留下任何结果。请点“重试”"
)
INTERNAL = "任务出错，没有完成（已记入日志）；请稍后重试或联系管理员"


def may_manage(user: User | None, job: Job) -> bool:
    """The user who started the job, and users holding the kind's permission over
    its region, may see and retry it (None: the system)."""
    if user is None:
        return True
    if job.started_by_id == user.pk:
        return True
    kind = KINDS.get(job.kind)
    return kind is not None and scope_for(user).covers_region(job.region, kind.perm)


def _enqueue(job: Job) -> None:
    from sanxin.jobs.tasks import run_job

    result = run_job.using(backend=settings.SANXIN_JOBS_BACKEND).enqueue(job.pk, job.attempt)
    Job.objects.filter(pk=job.pk, attempt=job.attempt).update(task_id=str(result.id))
    job.task_id = str(result.id)


def job_start(
    *,
    actor: User | None,
    kind: str,
    region: Region,
    target: str,
    label: str,
    params: dict[str, Any],
) -> Job:
    """Record a job and hand it to the worker; returns at once (the page then shows
    its progress)."""
    job_kind = KINDS.get(kind)
    if job_kind is None:
        raise ValidationError(f"没有这种后台任务：{kind}")
    if actor is not None and not scope_for(actor).covers_region(region, job_kind.perm):
        raise PermissionDenied("没有权限在该地区开始这项任务")
    with transaction.atomic():
        job = Job(
            kind=kind, target=target, label=label, params=params, started_by=actor, region=region
        )
        job.full_clean()
        job.save()
        audit(actor=actor, action="job.start", obj=job, region_path=region.path,
              after={"kind": kind, "target": target})  # fmt: skip
    _enqueue(job)
    logger.info("job %d (%s) queued", job.pk, kind)
    return job


def stale_running(now: datetime | None = None) -> Q:
    """Running jobs whose worker is gone: no progress for SANXIN_JOB_STALE_SECONDS, or
    their worker's heartbeat is older than SANXIN_WORKER_STALE_SECONDS."""
    now = now or timezone.now()
    dead_workers = WorkerHeartbeat.objects.filter(
        seen_at__lt=now - timedelta(seconds=settings.SANXIN_WORKER_STALE_SECONDS)
    ).values("worker_id")
    return Q(status=JobStatus.RUNNING) & (
        Q(progress_at__lt=now - timedelta(seconds=settings.SANXIN_JOB_STALE_SECONDS))
        | Q(worker_id__in=dead_workers)
    )


def is_stale(job: Job, now: datetime | None = None) -> bool:
    return (
        job.status == JobStatus.RUNNING
        and Job.objects.filter(stale_running(now), pk=job.pk).exists()
    )


def jobs_fail_stale(now: datetime | None = None) -> int:
    """Mark failed the running jobs whose worker died (the worker calls this with each
    heartbeat). What their body committed stays; the rest left nothing."""
    now = now or timezone.now()
    count = Job.objects.filter(stale_running(now)).update(
        status=JobStatus.FAILED, errors=[INTERRUPTED], finished_at=now
    )
    if count:
        logger.warning("%d background jobs were interrupted (worker gone)", count)
    return count


def job_retry(*, actor: User | None, job: Job) -> Job:
    """Run a failed job again (also one still marked running whose worker died). A
    job's body skips the parts an earlier attempt finished."""
    if not may_manage(actor, job):
        raise PermissionDenied("没有权限重试这项任务")
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.FAILED and not is_stale(locked):
            raise ValidationError("只有失败或中断的任务可以重试")
        locked.attempt += 1
        locked.status, locked.errors = JobStatus.QUEUED, []
        locked.started_at = locked.progress_at = locked.finished_at = None
        locked.worker_id = ""
        locked.save()
        audit(actor=actor, action="job.retry", obj=locked, region_path=locked.region.path,
              after={"attempt": locked.attempt})  # fmt: skip
    _enqueue(locked)
    logger.info("job %d retried (attempt %d)", locked.pk, locked.attempt)
    return locked


class _Reporter:
    """Progress of one attempt, written at once (outside the body's transactions) and
    only while the attempt is current."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def _update(self, **fields: Any) -> None:
        fields["progress_at"] = timezone.now()
        Job.objects.filter(
            pk=self.job.pk, attempt=self.job.attempt, status=JobStatus.RUNNING
        ).update(**fields)

    def set_total(self, total: int) -> None:
        self.job.total = total
        self._update(total=total)

    def advance(self, done: int) -> None:
        self.job.done = min(done, self.job.total)
        self._update(done=self.job.done)

    def remember(self, **values: Any) -> None:
        self.job.result = {**self.job.result, **values}
        self._update(result=self.job.result)


def job_run(job_id: int, attempt: int) -> str:
    """The task body: claim the attempt, run the kind's work, record the result or the
    errors. An exception that is not an Exception (the process being killed) leaves
    the job running; `jobs_fail_stale` finds it later."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, attempt=attempt, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, progress_at=now, worker_id=CURRENT["worker_id"]
    )
    if not claimed:
        logger.info("job %d attempt %d: superseded or already run, skipped", job_id, attempt)
        return "skipped"
    job = Job.objects.select_related("started_by", "region").get(pk=job_id)
    reporter = _Reporter(job)
    current = Job.objects.filter(pk=job_id, attempt=attempt, status=JobStatus.RUNNING)
    try:
        summary = KINDS[job.kind].run(job, reporter)
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        current.update(status=JobStatus.FAILED, errors=messages, finished_at=timezone.now())
        logger.info("job %d failed: %d messages", job_id, len(messages))
        return JobStatus.FAILED
    except Exception:
        logger.exception("job %d raised", job_id)
        current.update(status=JobStatus.FAILED, errors=[INTERNAL], finished_at=timezone.now())
        return JobStatus.FAILED
    current.update(
        status=JobStatus.SUCCEEDED,
        result={**job.result, **summary},
        done=job.total,
        finished_at=timezone.now(),
        progress_at=timezone.now(),
    )
    logger.info("job %d (%s) succeeded", job_id, job.kind)
    return JobStatus.SUCCEEDED
