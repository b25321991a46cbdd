"""The one django-tasks task: run a Job's attempt (the body is jobs.services.job_run)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int, attempt: int) -> str:
    from sanxin.jobs.services import job_run

    return job_run(job_id, attempt)
