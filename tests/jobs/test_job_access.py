"""Who keeps access to a job, its page and its file once things change: the starter
has no standing of their own. A starter whose role ended, whose reach moved away from
the job's region, or whose account was deactivated is refused like anyone else
(404 for the job and its file, the login page for a deactivated account), for the
kinds anyone over the region may see and for the starter-only kinds alike; the users
over the region keep their access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from sanxin.accounts.choices import Role
from sanxin.accounts.models import RoleAssignment
from sanxin.accounts.services import role_assign, role_end, user_set_active
from sanxin.jobs.choices import JobStatus
from sanxin.jobs.kinds import JobKind
from sanxin.jobs.models import Job
from sanxin.jobs.services import may_manage
from sanxin.oversight.jobs import REPORT_PDF
from sanxin.ratings.jobs import CERTIFICATES
from sanxin.web.jobs import HOUSEHOLD_EXPORT


def _job(world, kind: str, region, starter: str, status=JobStatus.SUCCEEDED) -> Job:
    name = default_storage.save("jobs/access/test.pdf", ContentFile(b"%PDF-1.4 test"))
    now = timezone.now()
    return Job.objects.create(
        kind=kind,
        target=f"test:{kind}:{status}",
        label="测试",
        region=region,
        started_by=world.users[starter],
        status=status,
        finished_at=now,
        file=name,
        file_name="测试.pdf",
        file_type="application/pdf",
        file_size=13,
        file_expires_at=now + timedelta(days=7),
    )


def _statuses(client, job: Job) -> list[int]:
    return [
        client.get(f"/jobs/{job.pk}/").status_code,
        client.get(f"/jobs/{job.pk}/progress/").status_code,
        client.get(f"/jobs/{job.pk}/file/").status_code,
    ]


def _end_roles(world, username: str) -> None:
    for assignment in RoleAssignment.objects.filter(
        user=world.users[username], ended_at__isnull=True
    ):
        role_end(actor=world.users["district_admin"], assignment=assignment)


def test_a_starter_whose_role_ended_loses_the_job_and_its_file(world, login):
    job = _job(world, CERTIFICATES, world.village_a1, "committee_head")
    failed = _job(world, CERTIFICATES, world.village_a1, "committee_head", JobStatus.FAILED)
    assert _statuses(login(world.users["committee_head"]), job) == [200, 200, 200]
    _end_roles(world, "committee_head")
    client = login(world.users["committee_head"])
    assert _statuses(client, job) == [404, 404, 404]
    assert client.post(f"/jobs/{failed.pk}/retry/").status_code == 404
    failed.refresh_from_db()
    assert failed.status == JobStatus.FAILED and failed.attempt == 1  # not retried
    # The users over the village keep theirs.
    assert _statuses(login(world.users["town_admin"]), job) == [200, 200, 200]


def test_a_starter_moved_to_another_village_loses_the_job(world, login):
    job = _job(world, CERTIFICATES, world.village_a1, "committee_head")
    _end_roles(world, "committee_head")
    role_assign(
        actor=world.users["district_admin"],
        user=world.users["committee_head"],
        role=Role.COMMITTEE_MEMBER,
        region=world.village_a2,
    )
    # Still a certificate issuer, but of 邻村: village A1's job is out of reach.
    assert _statuses(login(world.users["committee_head"]), job) == [404, 404, 404]


def test_a_deactivated_starter_is_sent_to_the_login_page(world, client, login):
    job = _job(world, CERTIFICATES, world.village_a1, "committee_head")
    head = world.users["committee_head"]
    login(head)
    user_set_active(actor=world.users["district_admin"], user=head, active=False)
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/file/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    head.refresh_from_db()
    assert not may_manage(head, job)  # no scope at all, whatever asks


def test_a_starter_only_report_follows_its_starters_reach(world, login):
    """The report PDF (only its starter sees it): refused once the town admin's reach
    moved to another town; nobody else over the town ever sees it."""
    job = _job(world, REPORT_PDF, world.town_a, "town_admin")
    assert _statuses(login(world.users["town_admin"]), job) == [200, 200, 200]
    assert _statuses(login(world.users["district_admin"]), job) == [404, 404, 404]
    _end_roles(world, "town_admin")
    role_assign(
        actor=world.users["district_admin"],
        user=world.users["town_admin"],
        role=Role.TOWN_ADMIN,
        region=world.town_b,
    )
    assert _statuses(login(world.users["town_admin"]), job) == [404, 404, 404]


def test_a_starter_only_export_is_refused_once_the_role_ended(world, login):
    job = _job(world, HOUSEHOLD_EXPORT, world.village_a1, "committee_head")
    assert _statuses(login(world.users["committee_head"]), job) == [200, 200, 200]
    _end_roles(world, "committee_head")
    assert _statuses(login(world.users["committee_head"]), job) == [404, 404, 404]


def test_a_starter_only_kind_names_what_its_starter_must_keep():
    with pytest.raises(ValueError, match="starter_perm"):
        JobKind(name="test.nobody", perm=None, run=lambda job, report: {})
