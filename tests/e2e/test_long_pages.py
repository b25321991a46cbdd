"""The long pages of issue 10, in Chromium on a phone: the review queue's action bar
stays in view while the list scrolls, a villager finds their household on the public
notice in one step, and the catalogue, notice, review queue and household list do
not scroll sideways at 320 CSS px."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sanxin.ledger import services as ledger
from sanxin.ledger.models import Entry
from sanxin.ledger.services import EntryRequest
from tests.e2e import test_elder_mode as elder
from tests.factories import cycle_on_notice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
open_as = elder.open_as  # the logged-in page fixture
PHONE = {"viewport": {"width": 390, "height": 844}}
IN_VIEW = """(el) => { const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight; }"""


def _pending(world, n):
    today = timezone.localdate()
    for i in range(n):
        ledger.entry_record(
            actor=world.users["subteam_member"],
            request=EntryRequest(
                household=world.household,
                item_code="env.untidy",
                occurred_on=today - timedelta(days=i % 20),
            ),
        )


def test_the_review_action_bar_stays_in_view(world, scheme, live_server, open_as):
    _pending(world, 20)
    page = open_as("committee_member", **PHONE)
    page.goto(f"{live_server.url}/points/review/")
    elder._check_normal(page, "/points/review/")
    approve = page.get_by_role("button", name="通过所选")
    assert page.evaluate("document.documentElement.scrollHeight") > 3 * 844
    # Tick the last row at the bottom of the page: the bar is still on screen.
    last = page.locator("input[name=entry]").last
    last.scroll_into_view_if_needed()
    last.check()
    expect(page.locator(".selected-count")).to_contain_text("已选 1 条")
    assert approve.evaluate(IN_VIEW)
    approve.click()
    expect(page.get_by_text("待审核 19 条")).to_be_visible()
    assert Entry.objects.filter(review__approved=True).count() == 1


def test_a_villager_finds_their_household_on_the_notice(world, scheme, live_server, open_as):
    today = timezone.localdate()
    cycle = cycle_on_notice(world, cut_off=today - timedelta(days=5), notice_day=today)
    page = open_as("villager", **PHONE)
    page.goto(f"{live_server.url}/ratings/{cycle.pk}/notice/")
    page.get_by_label("查找本户：输入户号或户主姓名").fill("王大山")
    page.get_by_role("button", name="查找").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("王*山")
    expect(page.get_by_text("全村 2 户的等级")).to_be_visible()


@pytest.mark.parametrize("username", ["committee_head", "villager"])
def test_long_pages_do_not_scroll_sideways_at_320(world, scheme, live_server, open_as, username):
    today = timezone.localdate()
    cycle = cycle_on_notice(world, cut_off=today - timedelta(days=5), notice_day=today)
    _pending(world, 3)
    page = open_as(username, viewport={"width": 320, "height": 700})
    urls = ["/rules/", "/rules/?q=垃圾", f"/ratings/{cycle.pk}/notice/", "/households/"]
    if username == "committee_head":
        urls.append("/points/review/")
    for url in urls:
        page.goto(live_server.url + url)
        assert page.evaluate(elder.OVERFLOW) <= 0, f"{url} scrolls sideways at 320 px"
