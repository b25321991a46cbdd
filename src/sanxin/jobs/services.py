"""Writes for background jobs: start one (returns at once; the same job already
queued or running is returned instead of a second), run it (the task body, called by
the worker), retry one that failed or whose worker died, mark the jobs of dead workers
failed, and remove the files of finished jobs once they expire."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sanxin.accounts.scope import scope_for
from sanxin.audit.services import audit
from sanxin.jobs.choices import ACTIVE, JobStatus
from sanxin.jobs.heartbeat import CURRENT
from sanxin.jobs.kinds import KINDS, JobFile
from sanxin.jobs.models import Job, WorkerHeartbeat
from sanxin.regions.models import Region

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

INTERRUPTED = (
    "后台工作进程中断，任务没有做完；已做完的部分保持不变，未做完的部分没有留下任何结果。请点“重试”"
)
INTERNAL = "任务出错，没有完成（已记入日志）；请稍后重试或联系管理员"
ALREADY_ACTIVE = "同样的任务已在排队或进行中"
# Where a file is written before it is moved to its final name (under MEDIA_ROOT).
TMP_DIR = "jobs/tmp"


def may_manage(user: User | None, job: Job) -> bool:
    """Users holding the kind's permission over the job's region may see and retry it
    (its starter among them: only while they hold it); a starter-only kind, its
    starter while they still hold the kind's `starter_perm` over the region. A user
    whose role ended, whose reach moved or whose account was deactivated (no scope)
    is refused. None: the system."""
    if user is None:
        return True
    kind = KINDS.get(job.kind)
    if kind is None:
        return False
    scope = scope_for(user)
    if kind.perms:
        return any(scope.covers_region(job.region, perm) for perm in kind.perms)
    return (
        job.started_by_id == user.pk
        and kind.starter_perm is not None
        and scope.covers_region(job.region, kind.starter_perm)
    )


def fingerprint(kind: str, target: str, region: Region, params: dict[str, Any]) -> str:
    """What makes two starts the same job: kind, target, region and parameters."""
    text = json.dumps([kind, target, region.pk, params], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _active_twin(fp: str) -> Job | None:
    return Job.objects.filter(fingerprint=fp, status__in=ACTIVE).order_by("pk").first()


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
    its progress). The same kind on the same target, region and parameters already
    queued or running (a double tap) is returned instead: one job, not two. A kind
    without a permission (`perm=None`) is checked by its caller and its body."""
    job_kind = KINDS.get(kind)
    if job_kind is None:
        raise ValidationError(f"没有这种后台任务：{kind}")
    if actor is not None and job_kind.perms:
        scope = scope_for(actor)
        if not any(scope.covers_region(region, perm) for perm in job_kind.perms):
            raise PermissionDenied("没有权限在该地区开始这项任务")
    fp = fingerprint(kind, target, region, params)
    twin = _active_twin(fp)
    if twin is not None:
        logger.info("job %d (%s) already active: not started twice", twin.pk, kind)
        return twin
    job = Job(
        kind=kind,
        target=target,
        label=label,
        params=params,
        started_by=actor,
        region=region,
        fingerprint=fp,
    )
    job.full_clean(exclude=["fingerprint"])
    try:
        with transaction.atomic():
            job.save()
            audit(actor=actor, action="job.start", obj=job, region_path=region.path,
                  after={"kind": kind, "target": target})  # fmt: skip
    except IntegrityError:
        # Started by a concurrent request between the look-up and the insert.
        twin = _active_twin(fp)
        if twin is None:
            raise
        return twin
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
        if (
            locked.fingerprint
            and Job.objects.filter(fingerprint=locked.fingerprint, status__in=ACTIVE)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise ValidationError(ALREADY_ACTIVE)
        locked.attempt += 1
        locked.status, locked.errors = JobStatus.QUEUED, []
        locked.started_at = locked.progress_at = locked.finished_at = None
        locked.worker_id = ""
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise ValidationError(ALREADY_ACTIVE) from None
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
        made = summary.pop("file", None)
        stored = _store(job, made) if made is not None else {}
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        current.update(status=JobStatus.FAILED, errors=messages, finished_at=timezone.now())
        logger.info("job %d failed: %d messages", job_id, len(messages))
        return JobStatus.FAILED
    except Exception:
        logger.exception("job %d raised", job_id)
        current.update(status=JobStatus.FAILED, errors=[INTERNAL], finished_at=timezone.now())
        return JobStatus.FAILED
    finished = timezone.now()
    if stored:
        stored["file_expires_at"] = finished + timedelta(days=settings.SANXIN_JOB_FILE_DAYS)
    # One UPDATE: the job becomes done and its file visible together, or neither.
    updated = current.update(
        status=JobStatus.SUCCEEDED,
        result={**job.result, **summary},
        done=job.total,
        finished_at=finished,
        progress_at=finished,
        **stored,
    )
    if not updated and stored:
        default_storage.delete(stored["file"])  # superseded by a retry: nobody sees it
    logger.info("job %d (%s) succeeded", job_id, job.kind)
    return JobStatus.SUCCEEDED


class _Moved(File):
    """A file already written under a temporary name: the file-system storage moves it
    into place (one rename) instead of copying it."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def _store(job: Job, made: JobFile) -> dict[str, Any]:
    """Write the file under a temporary name, then move it to its final name; the job
    row names it only once the job is marked done (so a worker killed midway leaves no
    file anyone can download; `job_files_prune` removes what it left)."""
    now = timezone.now()
    suffix = PurePosixPath(made.filename).suffix.lower()
    final = f"jobs/{now:%Y/%m}/{job.pk}-{job.attempt}-{secrets.token_hex(8)}{suffix}"
    tmp_dir = Path(settings.MEDIA_ROOT) / TMP_DIR
    tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=tmp_dir, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(made.content)
            out.flush()
            os.fsync(out.fileno())
        with open(tmp, "rb") as written:
            name = default_storage.save(final, _Moved(written, name=tmp))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return {
        "file": name,
        "file_name": made.filename,
        "file_type": made.content_type,
        "file_size": len(made.content),
    }


def job_files_prune(now: datetime | None = None) -> int:
    """Delete the files whose time is up (SANXIN_JOB_FILE_DAYS after the job finished);
    the job keeps its expiry, so its page says the file expired. Also removes what a
    killed worker left half written (temporary files older than a day). Returns how
    many job files were deleted."""
    now = now or timezone.now()
    count = 0
    expired = Job.objects.filter(file_expires_at__lte=now).exclude(file="")
    for pk, name in expired.values_list("pk", "file"):
        # The row first: a download that starts now finds no file rather than half of one.
        if Job.objects.filter(pk=pk, file=name).update(file=""):
            default_storage.delete(name)
            count += 1
    tmp_dir = Path(settings.MEDIA_ROOT) / TMP_DIR
    if tmp_dir.is_dir():
        cutoff = (now - timedelta(days=1)).timestamp()
        for leftover in tmp_dir.iterdir():
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink(missing_ok=True)
    if count:
        logger.info("%d expired job files deleted", count)
    return count
