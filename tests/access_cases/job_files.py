"""Jobs whose result is a file (docs/jobs.md): who may download a job's file (the
same users as its page: the starter and the holders of the kind's permission over its
region; only the starter for a kind without one, e.g. the report PDF), and who may
start the new kinds (a whole village's card sheets, the report PDF, the large
household export). The village certificates and a group's card sheet keep their
cases in standing.py and shop_villager.py."""

from __future__ import annotations

from tests.access_cases import WITH_ROLES, Case
from tests.access_cases.effects import audited, succeeded
from tests.access_cases.shop_villager import CARD_KEEPERS

# Perm.ISSUE_CERTIFICATES over village A1 (the committee, the town and district admins).
CERTIFICATE_ISSUERS = {
    "committee_head",
    "committee_deputy",
    "committee_member",
    "town_admin",
    "district_admin",
}


def _file_job(w, kind: str, region, starter: str):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from sanxin.jobs.choices import JobStatus
    from sanxin.jobs.models import Job

    target = f"access-case:{kind}"
    job = Job.objects.filter(target=target).first()
    if job is None:
        name = default_storage.save("jobs/access/case.pdf", ContentFile(b"%PDF-1.4 case"))
        now = timezone.now()
        job = Job.objects.create(
            kind=kind,
            target=target,
            label="测试文件",
            region=region,
            started_by=w.users[starter],
            status=JobStatus.SUCCEEDED,
            finished_at=now,
            file=name,
            file_name="测试.pdf",
            file_type="application/pdf",
            file_size=13,
            file_expires_at=now + timedelta(days=7),
        )
    return job


def _certificates_job(w):
    from sanxin.ratings.jobs import CERTIFICATES

    return _file_job(w, CERTIFICATES, w.village_a1, "committee_head")


def _report_job(w):
    from sanxin.oversight.jobs import REPORT_PDF

    return _file_job(w, REPORT_PDF, w.town_a, "town_admin")


def _village_sheets_made(w, username):
    from sanxin.rewards.models import HouseholdCard
    from tests.job_files import job_of

    succeeded(w, username)
    job = job_of(w.response)  # run at once in tests
    assert job.started_by == w.users[username] and job.status == "succeeded", job.errors
    assert job.file_name == "大贵口村门牌码.pdf" and job.file
    assert HouseholdCard.objects.filter(household=w.household, revoked_at=None).count() == 1
    audited(w, username, "card.print_sheet", object_id=str(w.group_a1_1.pk))


def _report_made(w, username):
    from tests.job_files import job_of

    job = job_of(w.response)
    assert job.started_by == w.users[username] and job.status == "succeeded", job.errors
    assert job.file_name.startswith("双塔山镇三信工作报告_") and job.file_type == "application/pdf"
    audited(w, username, "job.start")


def _report_data(w):
    return {"region": w.town_a.pk, "start": "2026-01-01", "end": "2026-06-30"}


def _export_made(w, username):
    from sanxin.jobs.models import Job

    succeeded(w, username)
    if username in {
        "villager",
        "other_villager",
    }:  # a household's own list: exported at once instead
        assert w.response.url.startswith("/households/export.xlsx")
        assert not Job.objects.exists()
        return
    from tests.job_files import job_of

    job = job_of(w.response)
    assert job.started_by == w.users[username] and job.status == "succeeded", job.errors
    assert job.file_name == "农户名单.xlsx"
    audited(w, username, "household.export")


CASES = [
    Case(
        "jobs:file",
        lambda w: f"/jobs/{_certificates_job(w).pk}/file/",
        CERTIFICATE_ISSUERS,
        setup=_certificates_job,
    ),
    # A kind without a permission (the report: what its reader may see): the starter only.
    Case(
        "jobs:file",
        lambda w: f"/jobs/{_report_job(w).pk}/file/",
        {"town_admin"},
        setup=_report_job,
    ),
    Case(
        "rewards:card_village_sheet",
        lambda w: f"/shop/cards/village/{w.village_a1.pk}/sheet/",
        CARD_KEEPERS,
        method="post",
        effect=_village_sheets_made,
    ),
    Case(
        "oversight:report_pdf_job",
        lambda w: "/oversight/report/pdf/",
        {"district_admin", "department_viewer", "town_admin"},
        method="post",
        data=_report_data,
        effect=_report_made,
    ),
    Case(
        "households:export_job",
        lambda w: "/households/export/job/",
        WITH_ROLES,
        method="post",
        effect=_export_made,
    ),
]
