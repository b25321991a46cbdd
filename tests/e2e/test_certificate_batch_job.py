"""A village's certificates printed by a background job, in the browser (docs/jobs.md):
the committee head asks for the batch on the village's results page, lands at once on
the job's page (queued, polling), a worker (a thread, on the database backend) makes
the PDF, and the same page offers the download without a reload."""

import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect

from sanxin.jobs.models import Job
from tests.access_cases.standing import _final
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _worker() -> None:
    try:
        call_command("worker", "--batch", verbosity=0)
    finally:
        connection.close()


def test_a_village_certificate_batch_is_made_in_the_background_and_downloaded(
    world, live_server, page, settings
):
    _final(world)
    settings.SANXIN_JOBS_BACKEND = "default"
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(world.users["committee_head"].username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()

    page.goto(f"{live_server.url}/ratings/villages/{world.village_a1.pk}/results/")
    page.get_by_label("最低等级").select_option("A")
    with page.expect_navigation():
        page.get_by_role("button", name="在后台生成 PDF").click()
    job = Job.objects.get()
    assert page.url.endswith(f"/jobs/{job.pk}/")
    expect(page.get_by_text("排队中")).to_be_visible()
    assert page.locator('[hx-trigger="every 2s"]').count() == 1
    assert not job.file

    worker = threading.Thread(target=_worker)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()

    link = page.get_by_role("link", name=re.compile("下载"))
    expect(link).to_be_visible(timeout=10_000)
    expect(page.get_by_text(re.compile("文件保留到"))).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "大贵口村信用等级证书（A及以上）.pdf"
    with open(download.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
