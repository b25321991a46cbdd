"""Background jobs (docs/jobs.md): a compute started from the cycle page returns at
once, the worker (django-tasks' database backend, run in-process) does it, the page
shows progress and then the result or the errors; a worker killed midway leaves no
half result and the job can be retried; /healthz says whether a worker is alive."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.backends.database.models import DBTaskResult

from sanxin.jobs import heartbeat
from sanxin.jobs.choices import JobStatus
from sanxin.jobs.models import Job, WorkerHeartbeat
from sanxin.jobs.services import INTERRUPTED, job_retry, job_run, job_start, jobs_fail_stale
from sanxin.ratings import jobs as rating_jobs
from sanxin.ratings.models import Cycle, Rating
from sanxin.ratings.services import cycles as cycle_services


@pytest.fixture
def on_worker(settings):
    """Jobs go to the database backend, as in production."""
    settings.SANXIN_JOBS_BACKEND = "default"


def _cycle(world, village=None):
    return cycle_services.cycle_open(
        actor=world.users["district_admin"],
        village=village or world.village_a1,
        period="2025",
        cut_off=date(2025, 11, 20),
        today=date(2025, 11, 1),
    )


def _run_worker():
    call_command("worker", "--batch", verbosity=0)


def test_a_compute_from_the_page_returns_at_once_and_the_worker_does_it(
    committed, world, scheme, login, on_worker
):
    cycle = _cycle(world)
    client = login(world.users["committee_head"])
    response = client.post(f"/ratings/{cycle.pk}/compute/", {"seen_run": "0"})
    assert response.status_code == 302 and response.url == f"/ratings/{cycle.pk}/"
    job = Job.objects.get()
    assert job.status == JobStatus.QUEUED and job.started_by == world.users["committee_head"]
    assert not Rating.objects.exists()  # nothing computed inside the request
    assert DBTaskResult.objects.get().id.hex == job.task_id.replace("-", "")
    page = client.get(f"/ratings/{cycle.pk}/").content.decode()
    assert "排队中" in page and 'hx-trigger="every 2s"' in page
    assert "计算等级" not in page  # no second start while it waits

    _run_worker()

    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (JobStatus.SUCCEEDED, 1, 1)
    cycle.refresh_from_db()
    assert (cycle.state, cycle.current_run) == ("computed", 1)
    assert Rating.objects.filter(cycle=cycle).count() == 2
    assert WorkerHeartbeat.objects.exists()
    partial = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "已完成" in partial and "已计算 2 户" in partial and "hx-trigger" not in partial
    assert f'href="/ratings/{cycle.pk}/"' in partial


def test_progress_is_visible_while_the_job_runs(world, scheme, login, on_worker):
    cycles = [_cycle(world), _cycle(world, world.village_a2)]
    admin = world.users["district_admin"]
    job = job_start(
        actor=admin,
        kind=rating_jobs.COMPUTE,
        region=world.district,
        target="ratings.district:test",
        label="计算两村",
        params={"cycles": [[c.pk, None] for c in cycles]},
    )
    seen = []
    client = login(admin)
    real = cycle_services.cycle_compute

    def watching(**kwargs):
        seen.append(client.get(f"/jobs/{job.pk}/progress/").content.decode())
        return real(**kwargs)

    rating_jobs.cycle_compute, saved = watching, rating_jobs.cycle_compute
    try:
        assert job_run(job.pk, 1) == JobStatus.SUCCEEDED
    finally:
        rating_jobs.cycle_compute = saved
    assert "已完成 0 / 2" in seen[0] and "已完成 1 / 2" in seen[1]
    assert all('hx-trigger="every 2s"' in p and "<progress" in p for p in seen)


def test_a_failing_job_shows_its_errors_and_a_retry_button(world, login, on_worker):
    cycle = _cycle(world)  # no scheme in force: the computation is refused
    job = job_start(
        actor=world.users["committee_head"],
        kind=rating_jobs.COMPUTE,
        region=world.village_a1,
        target=rating_jobs.cycle_target(cycle.pk),
        label="计算",
        params={"cycles": [[cycle.pk, 0]]},
    )
    assert job_run(job.pk, 1) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "评分方案" in job.errors[0]
    page = login(world.users["committee_head"]).get(f"/ratings/{cycle.pk}/").content.decode()
    assert "失败" in page and "评分方案" in page and "重试" in page


class Killed(BaseException):
    """The worker process dying: nothing in the job's code catches it."""


def test_a_worker_killed_midway_leaves_no_half_result_and_the_retry_completes(
    committed, world, scheme, login, on_worker, monkeypatch, settings
):
    first, second = _cycle(world), _cycle(world, world.village_a2)
    admin = world.users["district_admin"]
    job = job_start(
        actor=admin,
        kind=rating_jobs.COMPUTE,
        region=world.district,
        target="ratings.district:test",
        label="计算两村",
        params={"cycles": [[first.pk, None], [second.pk, None]]},
    )
    real, calls = cycle_services.scheme_version_mark_in_use, []

    def dies_in_the_second_village(version):
        # Called after the village's ratings were written, inside its transaction.
        calls.append(version)
        if len(calls) == 2:
            raise Killed
        return real(version)

    monkeypatch.setattr(cycle_services, "scheme_version_mark_in_use", dies_in_the_second_village)
    with pytest.raises(Killed):
        job_run(job.pk, 1)
    monkeypatch.setattr(cycle_services, "scheme_version_mark_in_use", real)

    # The first village is computed; the second has no rating at all.
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.current_run) == ("computed", 1)
    assert (second.state, second.current_run) == ("open", 0)
    assert not Rating.objects.filter(cycle=second).exists()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.done == 1

    # Later: no sign of life for longer than SANXIN_JOB_STALE_SECONDS.
    Job.objects.filter(pk=job.pk).update(
        progress_at=timezone.now() - timedelta(seconds=settings.SANXIN_JOB_STALE_SECONDS + 1)
    )
    client = login(admin)
    partial = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "中断" in partial and "重试" in partial and "hx-trigger" not in partial
    assert jobs_fail_stale() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.errors == [INTERRUPTED]

    response = client.post(f"/jobs/{job.pk}/retry/", {"next": "/ratings/"})
    assert response.status_code == 302 and response.url == "/ratings/"
    _run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempt, job.done, job.total) == (JobStatus.SUCCEEDED, 2, 2, 2)
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.state, second.current_run) == ("computed", 1)
    assert first.current_run == 1  # finished by the first attempt: not computed again
    assert job.result["households"] == Rating.objects.count()


def test_an_older_attempt_is_not_run_after_a_retry(world, scheme, on_worker):
    cycle = _cycle(world)
    job = job_start(
        actor=None,
        kind=rating_jobs.COMPUTE,
        region=world.village_a1,
        target=rating_jobs.cycle_target(cycle.pk),
        label="计算",
        params={"cycles": [[cycle.pk, None]]},
    )
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    job_retry(actor=None, job=job)
    assert job_run(job.pk, 1) == "skipped"
    assert job_run(job.pk, 2) == JobStatus.SUCCEEDED
    with pytest.raises(Exception, match="只有失败或中断的任务可以重试"):
        job_retry(actor=None, job=job)


def test_healthz_worker_check_follows_the_heartbeat(db, client, settings):
    assert client.get("/healthz").json()["checks"]["worker"] == "failing"
    started = timezone.now()
    heartbeat.beat("w1", started_at=started)
    response = client.get("/healthz")
    assert response.json()["checks"]["worker"] == "ok"
    old = timezone.now() - timedelta(seconds=settings.SANXIN_WORKER_STALE_SECONDS + 1)
    WorkerHeartbeat.objects.update(seen_at=old)
    assert client.get("/healthz").json()["checks"]["worker"] == "failing"


def test_a_running_job_of_a_dead_worker_is_failed(world, scheme, settings):
    cycle = _cycle(world)
    now = timezone.now()
    heartbeat.beat("gone", started_at=now, now=now - timedelta(hours=1))
    job = Job.objects.create(
        kind=rating_jobs.COMPUTE,
        target=rating_jobs.cycle_target(cycle.pk),
        label="计算",
        params={"cycles": [[cycle.pk, None]]},
        region=world.village_a1,
        status=JobStatus.RUNNING,
        worker_id="gone",
        progress_at=now,
    )
    assert jobs_fail_stale() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_only_the_starter_and_the_users_over_the_region_see_a_job(world, scheme, login):
    cycle = _cycle(world)
    job = job_start(
        actor=world.users["committee_head"],
        kind=rating_jobs.COMPUTE,
        region=world.village_a1,
        target=rating_jobs.cycle_target(cycle.pk),
        label="计算",
        params={"cycles": [[cycle.pk, None]]},
    )
    assert login(world.users["town_admin"]).get(f"/jobs/{job.pk}/").status_code == 200
    assert login(world.users["neighbour_committee_head"]).get(f"/jobs/{job.pk}/").status_code == 404
    assert login(world.users["committee_member"]).get(f"/jobs/{job.pk}/").status_code == 404


def test_a_district_compute_opens_and_computes_every_village_in_the_background(
    world, scheme, login, on_worker
):
    year = timezone.localdate().year
    client = login(world.users["district_admin"])
    page = client.get("/ratings/").content.decode()
    assert "计算全区各村" in page
    response = client.post(
        "/ratings/compute-district/",
        {"district": world.district.pk, "period": str(year), "cut_off": f"{year}-01-01"},
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.QUEUED and not Cycle.objects.exists()
    assert job_run(job.pk, 1) == JobStatus.SUCCEEDED
    job.refresh_from_db()
    villages = {world.village_a1.pk, world.village_a2.pk, world.village_b1.pk}
    assert set(Cycle.objects.values_list("village_id", flat=True)) == villages
    assert set(Cycle.objects.values_list("state", flat=True)) == {"computed"}
    assert (job.done, job.total) == (3, 3)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "已计算 3 个村" in page
    # Only users over the whole district may start it.
    town = login(world.users["town_admin"])
    assert (
        town.post(
            "/ratings/compute-district/",
            {"district": world.district.pk, "period": str(year), "cut_off": f"{year}-01-01"},
        ).status_code
        == 404
    )


def test_an_old_finished_job_leaves_the_cycle_page(world, scheme, login):
    cycle = _cycle(world)
    head = world.users["committee_head"]
    client = login(head)
    client.post(f"/ratings/{cycle.pk}/compute/", {"seen_run": "0"})  # run at once in tests
    assert "已计算 2 户" in client.get(f"/ratings/{cycle.pk}/").content.decode()
    Job.objects.update(finished_at=timezone.now() - timedelta(hours=2))
    page = client.get(f"/ratings/{cycle.pk}/").content.decode()
    assert "已计算 2 户" not in page and "等级分布" in page
