"""Jobs whose result is a file (docs/jobs.md): a village's certificates, a village's
QR-card sheets, the report PDF and the large household export are made by the worker
(run at once in these tests, through the database backend where the test says so);
the file is the one the synchronous path made, it is downloaded from the job's page by
those who may see the job, it expires and is pruned, a double tap starts one job, and
a worker killed midway leaves no file anyone can download."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from sanxin.jobs.choices import JobStatus
from sanxin.jobs.models import Job
from sanxin.jobs.services import job_files_prune, job_retry, job_run, jobs_fail_stale
from sanxin.ratings import jobs as rating_jobs
from sanxin.ratings.certificates import certificate_doc
from sanxin.ratings.pdf import certificates_pdf
from sanxin.ratings.services.certificates import certificates_issue_village
from tests.access_cases.standing import _final
from tests.job_files import download, job_of

SITE = "http://testserver/"


def _texts(content: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(content)).pages]


def _job_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "jobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _start_certificates(client, world, grade="A"):
    return client.post(
        f"/ratings/villages/{world.village_a1.pk}/certificates/", {"min_grade": grade}
    )


@pytest.fixture
def graded(world):
    _final(world)
    return world


@pytest.fixture
def on_worker(settings):
    settings.SANXIN_JOBS_BACKEND = "default"


def test_village_certificates_come_from_a_job_as_the_same_pdf(graded, login, settings):
    world, head = graded, graded.users["committee_head"]
    client = login(head)
    response = _start_certificates(client, world)
    job = job_of(response)
    assert (job.status, job.kind, job.started_by) == (
        JobStatus.SUCCEEDED,
        "ratings.certificates",
        head,
    )
    got = download(client, response)
    assert got["Content-Type"] == "application/pdf"
    assert "大贵口村信用等级证书（A及以上）.pdf" in unquote(got["Content-Disposition"])
    assert int(got["Content-Length"]) == job.file_size == len(got.content)
    # What the page printed before, straight from the service and the layout.
    certs, new = certificates_issue_village(actor=head, village=world.village_a1, min_grade="A")
    assert new == 0 and job.done == job.total == len(certs)  # the job issued them
    direct = certificates_pdf(
        [certificate_doc(c, world.village_a1, SITE) for c in certs],
        title="大贵口村信用等级证书（A及以上）",
    )
    assert _texts(got.content) == _texts(direct) and len(_texts(direct)) == len(certs)
    assert "王*山" in _texts(got.content)[0] and "王大山" not in "".join(_texts(got.content))
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"共 {len(certs)} 户的证书" in page
    until = timezone.localtime(job.file_expires_at).strftime("%Y-%m-%d %H:%M")
    assert f"文件保留到 {until}" in page
    assert job.file_expires_at - job.finished_at == timedelta(days=settings.SANXIN_JOB_FILE_DAYS)
    # Stored under the private media storage, never under a served URL.
    assert job.file.name.startswith("jobs/") and not job.file.name.endswith("tmp")


def test_a_village_card_sheet_holds_every_group(world, login):
    from sanxin.ratings.notice import mask_name
    from sanxin.rewards.cards import token_for
    from sanxin.rewards.pdf_cards import CardDoc, GroupSheet, cards_pdf
    from sanxin.rewards.services.cards import cards_for_group

    clerk = world.users["shop_clerk"]
    client = login(clerk)
    assert "打印大贵口村全村门牌码" in client.get("/shop/cards/").content.decode()
    response = client.post(f"/shop/cards/village/{world.village_a1.pk}/sheet/")
    job = job_of(response)
    assert (job.done, job.total) == (2, 2)  # two villager groups
    got = download(client, response)
    assert "大贵口村门牌码.pdf" in unquote(got["Content-Disposition"])
    texts = ["".join(t.split()) for t in _texts(got.content)]
    assert len(texts) == 2  # each group on its own page
    assert "第一村民小组" in texts[0] and "王*山" in texts[0]
    assert "第二村民小组" in texts[1] and "李*河" in texts[1]
    # The group sheets the synchronous path drew: the same cards (reused, not remade).
    sheets = []
    for group in (world.group_a1_1, world.group_a1_2):
        made = cards_for_group(actor=clerk, group=group)
        sheets.append(
            GroupSheet(
                village_name="大贵口村",
                group_name=group.name,
                town_name="双塔山镇",
                cards=[
                    CardDoc(
                        number=c.household.number,
                        head_masked=mask_name(c.household.head_name),
                        url=f"http://testserver/shop/c/{token_for(c)}/",
                    )
                    for c in made
                ],
            )
        )
    direct = cards_pdf(sheets, title="大贵口村门牌码", author=str(clerk))
    assert _texts(got.content) == _texts(direct)


def test_the_report_pdf_job_gives_the_pdf_of_the_download(world, scheme, login):
    admin = world.users["district_admin"]
    client = login(admin)
    query = {"region": world.district.pk, "start": "2026-01-01", "end": "2026-06-30"}
    page = client.get("/oversight/report/", query).content.decode()
    assert 'action="/oversight/report/pdf/"' in page
    response = client.post("/oversight/report/pdf/", query)
    job = job_of(response)
    assert job.status == JobStatus.SUCCEEDED, job.errors
    got = download(client, response)
    direct = client.get("/oversight/report/report.pdf", query)
    assert unquote(got["Content-Disposition"]).endswith("双滦区三信工作报告_20260101-20260630.pdf")
    assert _texts(got.content) == _texts(direct.content)
    # Only its starter: a department viewer over the district is not shown its figures.
    assert login(world.users["department_viewer"]).get(f"/jobs/{job.pk}/file/").status_code == 404
    assert login(world.users["department_viewer"]).get(f"/jobs/{job.pk}/").status_code == 404


def _sheet_values(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_a_large_household_export_runs_as_a_job(world, login, settings):
    client = login(world.users["town_admin"])
    settings.SANXIN_EXPORT_SYNC_ROWS = 100
    direct = client.get("/households/export.xlsx", {"q": ""})
    assert direct["Content-Type"].startswith("application/vnd.openxmlformats")
    settings.SANXIN_EXPORT_SYNC_ROWS = 1
    page = client.get("/households/export.xlsx")
    assert page.status_code == 200 and "在后台导出 Excel" in page.content.decode()
    response = client.post("/households/export/job/", {"q": "", "group": "", "grade": ""})
    job = job_of(response)
    assert (job.done, job.total) == (3, 3)  # the town's households
    got = download(client, response)
    assert "农户名单.xlsx" in unquote(got["Content-Disposition"])
    assert _sheet_values(got.content) == _sheet_values(direct.content)
    assert len(_sheet_values(got.content)) == 4  # the header and three households
    # The columns are the starter's: nobody else gets the file, not even the district admin.
    assert login(world.users["district_admin"]).get(f"/jobs/{job.pk}/file/").status_code == 404


def test_the_file_goes_to_the_starter_and_the_holders_of_the_kind_only(graded, login):
    world = graded
    response = _start_certificates(login(world.users["committee_head"]), world)
    job = job_of(response)
    url = f"/jobs/{job.pk}/file/"
    for name in ("committee_head", "committee_member", "town_admin", "district_admin"):
        assert login(world.users[name]).get(url).status_code == 200, name
    for name in ("neighbour_committee_head", "other_town_admin", "shop_clerk", "villager"):
        assert login(world.users[name]).get(url).status_code == 404, name


def test_an_expired_file_is_gone_and_the_page_says_so(graded, login, settings):
    world = graded
    client = login(world.users["committee_head"])
    job = job_of(_start_certificates(client, world))
    stored = job.file.name
    assert default_storage.exists(stored)
    Job.objects.filter(pk=job.pk).update(file_expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(f"/jobs/{job.pk}/file/").status_code == 404  # due, not yet pruned
    leftover = Path(settings.MEDIA_ROOT) / "jobs" / "tmp" / "old.part"
    leftover.write_bytes(b"half")
    day_ago = time.time() - 2 * 86400
    os.utime(leftover, (day_ago, day_ago))
    assert job_files_prune() == 1
    assert not default_storage.exists(stored) and not leftover.exists()
    job.refresh_from_db()
    assert job.file.name == "" and job.file_expires_at is not None
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "过期删除" in page and f"/jobs/{job.pk}/file/" not in page
    out = io.StringIO()
    call_command("prune_job_files", stdout=out)
    assert "已删除 0 个过期文件" in out.getvalue()


def test_a_double_tap_starts_one_job(graded, login, on_worker):
    world = graded
    client = login(world.users["committee_head"])
    first, second = _start_certificates(client, world), _start_certificates(client, world)
    assert first.url == second.url and Job.objects.count() == 1
    # Another user's tap on the same batch joins the same job too.
    assert _start_certificates(login(world.users["town_admin"]), world).url == first.url
    job = Job.objects.get()
    assert job_run(job.pk, 1) == JobStatus.SUCCEEDED
    # Once it is done, a new tap makes a new file.
    assert _start_certificates(client, world).url != first.url and Job.objects.count() == 2
    # Other parameters: another job.
    _start_certificates(client, world, "5A")
    assert Job.objects.count() == 3


class Killed(BaseException):
    """The worker process dying: nothing in the job's code catches it."""


def test_a_worker_killed_while_writing_leaves_no_file_and_the_retry_makes_it(
    graded, login, on_worker, monkeypatch, settings
):
    world = graded
    client = login(world.users["committee_head"])
    job = job_of(_start_certificates(client, world))

    def dies(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(default_storage, "save", dies)
    with pytest.raises(Killed):
        job_run(job.pk, 1)
    monkeypatch.undo()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and not job.file and not job.file_name
    assert _job_files(settings) == []  # the half-written temporary file is gone too
    assert client.get(f"/jobs/{job.pk}/file/").status_code == 404

    Job.objects.filter(pk=job.pk).update(
        progress_at=timezone.now() - timedelta(seconds=settings.SANXIN_JOB_STALE_SECONDS + 1)
    )
    assert jobs_fail_stale() == 1
    job_retry(actor=world.users["committee_head"], job=job)
    assert job_run(job.pk, 2) == JobStatus.SUCCEEDED
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and default_storage.exists(job.file.name)
    got = client.get(f"/jobs/{job.pk}/file/")
    assert "信用等级证书" in _texts(b"".join(got.streaming_content))[0]


def test_a_superseded_attempt_leaves_no_file(graded, login, on_worker, monkeypatch, settings):
    world = graded
    job = job_of(_start_certificates(login(world.users["committee_head"]), world))
    real = rating_jobs.certificates_pdf

    def retried_meanwhile(*args, **kwargs):
        Job.objects.filter(pk=job.pk).update(attempt=2, status=JobStatus.QUEUED)
        return real(*args, **kwargs)

    monkeypatch.setattr(rating_jobs, "certificates_pdf", retried_meanwhile)
    job_run(job.pk, 1)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and not job.file
    assert _job_files(settings) == []
