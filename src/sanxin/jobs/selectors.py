"""Reads for background jobs: one job as its viewer may see it, the latest job on a
target, what the progress partial shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from sanxin.jobs.choices import ACTIVE, JobStatus
from sanxin.jobs.models import Job
from sanxin.jobs.services import is_stale, may_manage

if TYPE_CHECKING:
    from sanxin.accounts.models import User


def get_job(user: User, pk: int) -> Job:
    """The job, or 404 for anyone but its starter and the users over its region."""
    job = Job.objects.select_related("region", "started_by").filter(pk=pk).first()
    if job is None or not may_manage(user, job):
        raise Http404
    return job


def latest_for(user: User, target: str) -> Job | None:
    job = Job.objects.select_related("region").filter(target=target).order_by("-pk").first()
    return job if job is not None and may_manage(user, job) else None


def view_of(job: Job) -> dict:
    """What the progress partial shows: a running job whose worker died is shown as
    failed (interrupted), with the retry button."""
    stale = is_stale(job)
    failed = job.status == JobStatus.FAILED or stale
    return {
        "job": job,
        "active": job.status in ACTIVE and not stale,
        "failed": failed,
        "interrupted": stale,
        "succeeded": job.status == JobStatus.SUCCEEDED,
    }
