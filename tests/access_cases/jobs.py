"""Who may see a background job and retry it: the user who started it and the users
whose scope covers its region with the kind's permission (a cycle compute: the
committee head/deputy of the village, the town and district admins over it)."""

from __future__ import annotations

from django.utils import timezone

from tests.access_cases import WITH_ROLES, Case
from tests.access_cases.effects import audited, succeeded

# Who runs village A1's cycles (Perm.RUN_RATINGS over it); the committee head started it.
MANAGERS = {"district_admin", "town_admin", "committee_head", "committee_deputy"}


def _job(w):
    from sanxin.jobs.choices import JobStatus
    from sanxin.jobs.models import Job
    from sanxin.ratings.jobs import COMPUTE, cycle_target
    from tests.access_cases.ratings import _cycle

    cycle = _cycle(w)
    job = Job.objects.filter(target=cycle_target(cycle.pk)).first()
    if job is None:
        job = Job.objects.create(
            kind=COMPUTE,
            target=cycle_target(cycle.pk),
            label="计算大贵口村 2025 年度的等级",
            params={"cycles": [[cycle.pk, None]]},
            started_by=w.users["committee_head"],
            region=w.village_a1,
            status=JobStatus.FAILED,
            errors=["测试：失败"],
        )
    return job


def _retried_by(w, username):
    from sanxin.jobs.choices import JobStatus

    succeeded(w, username)
    job = _job(w)
    job.refresh_from_db()
    assert job.attempt == 2 and job.status == JobStatus.SUCCEEDED  # run at once in tests
    audited(w, username, "job.retry")


CASES = [
    Case("jobs:detail", lambda w: f"/jobs/{_job(w).pk}/", MANAGERS, setup=_job),
    Case("jobs:progress", lambda w: f"/jobs/{_job(w).pk}/progress/", MANAGERS, setup=_job),
    Case(
        "jobs:retry",
        lambda w: f"/jobs/{_job(w).pk}/retry/",
        MANAGERS,
        method="post",
        setup=_job,
        effect=_retried_by,
    ),
]
assert MANAGERS <= WITH_ROLES


def _district_computed_by(w, username):
    from sanxin.jobs.choices import JobStatus
    from sanxin.jobs.models import Job
    from sanxin.ratings.models import Cycle

    succeeded(w, username)
    job = Job.objects.get(kind="ratings.compute_district")
    assert job.status == JobStatus.SUCCEEDED, job.errors  # run at once in tests
    assert job.started_by == w.users[username]
    period = str(timezone.localdate().year)
    states = set(Cycle.objects.filter(period=period).values_list("state", flat=True))
    assert states == {"computed"}, states
    audited(w, username, "job.start")


def _district_data(w):
    # The current period (the open form offers this one and the next).
    year = timezone.localdate().year
    return {"district": w.district.pk, "period": str(year), "cut_off": f"{year}-01-01"}


def _scheme(w):
    from sanxin.rules.services import scheme_install_default

    scheme_install_default(district=w.district)


CASES.append(
    Case(
        "ratings:compute_district",
        lambda w: "/ratings/compute-district/",
        {"district_admin"},
        method="post",
        data=_district_data,
        setup=_scheme,
        effect=_district_computed_by,
    )
)
