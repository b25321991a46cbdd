"""A background job the pages can show (its progress, then its result or errors), and
the worker's heartbeat that /healthz reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from sanxin.jobs.choices import ACTIVE, JobStatus
from sanxin.regions.models import Region


class Job(models.Model):
    """One piece of long work started from a page. The task that runs it is
    django-tasks' (`task_id`, its result id); this row is what the page shows. A retry
    runs the same row again under a new `attempt`: an older attempt's writes are
    refused (every update names the attempt)."""

    SCOPE_PATH = "region__path"
    SCOPE_HOUSEHOLD = None

    kind = models.CharField(max_length=60)
    # What the job works on, for the page that shows it (e.g. "ratings.cycle:12").
    target = models.CharField(max_length=100, db_index=True)
    label = models.CharField(max_length=200)
    params = models.JSONField(default=dict)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempt = models.PositiveIntegerField(default=1)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life of the running attempt (start or progress).
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Kind, target and parameters hashed: one such job queued or running at a time.
    fingerprint = models.CharField(max_length=64, blank=True)
    # A job whose result is a file (batch certificates, card sheets, reports, large
    # exports): stored under the private media storage (never served publicly), handed
    # out by /jobs/<id>/file/ to those who may see the job, deleted once expired.
    file = models.FileField(upload_to="jobs/%Y/%m/", max_length=200, blank=True)
    file_name = models.CharField(max_length=200, blank=True)  # the download's name (Chinese)
    file_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    file_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=models.Q(status__in=ACTIVE) & ~models.Q(fingerprint=""),
                name="jobs_job_one_active_per_fingerprint",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=JobStatus.values), name="jobs_job_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")) | models.Q(total=0),
                name="jobs_job_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def file_expired(self) -> bool:
        """A file was made and has since expired (removed, or due for removal)."""
        return self.file_expires_at is not None and (
            not self.file or self.file_expires_at <= timezone.now()
        )


class WorkerHeartbeat(models.Model):
    """One row per worker process: `sanxin worker` writes `seen_at` every
    SANXIN_WORKER_HEARTBEAT_SECONDS."""

    worker_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} {self.seen_at:%Y-%m-%d %H:%M:%S}"
