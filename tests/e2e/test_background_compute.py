"""A cycle computed in the background, seen in the browser (docs/jobs.md): the
committee head clicks 计算等级, the page comes back at once with the job queued and
polling; a worker (run in a thread, on the database backend) does it, and the same
page shows the result without a reload."""

import re
import threading
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect

from sanxin.jobs.models import Job
from sanxin.ratings.models import Rating
from sanxin.ratings.services.cycles import cycle_open
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _worker() -> None:
    try:
        call_command("worker", "--batch", verbosity=0)
    finally:
        connection.close()


def test_a_compute_runs_in_the_background_and_its_progress_is_shown(
    world, scheme, live_server, page, settings
):
    settings.SANXIN_JOBS_BACKEND = "default"
    cycle = cycle_open(
        actor=world.users["committee_head"],
        village=world.village_a1,
        period="2025",
        cut_off=date(2025, 11, 20),
        today=date(2025, 11, 1),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(world.users["committee_head"].username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()

    page.goto(f"{live_server.url}/ratings/{cycle.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="计算等级").click()
    # Back at once: queued, nothing computed, no second compute button.
    expect(page.get_by_text("排队中")).to_be_visible()
    expect(page.get_by_role("button", name="计算等级")).to_have_count(0)
    assert not Rating.objects.exists()

    worker = threading.Thread(target=_worker)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()

    # The polled partial turns into the result, without reloading the page.
    expect(page.get_by_text("已计算 2 户")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("link", name="查看结果")).to_be_visible()
    assert Job.objects.get().status == "succeeded"
    page.reload()
    expect(page.get_by_text("等级分布")).to_be_visible()
