"""Under the Content-Security-Policy (no inline script or style), key pages in Chromium
report no violation, and the behaviour moved to static/sanxin/sanxin.js still works:
select all / none with the live count on the review queue, select all on the batch
form, the results bar drawn as SVG."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sanxin.ledger import services as ledger
from sanxin.ledger.services import EntryRequest
from tests.e2e import test_elder_mode as elder
from tests.factories import cycle_on_notice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
open_as = elder.open_as

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(browser, browser_context_args, live_server, open_as):
    """open(username or None) → a page whose CSP violations (DOM events and console
    reports) are gathered; check(page) asserts there were none on the current page."""
    console: list[str] = []
    anonymous_contexts = []

    def _open(username):
        if username is None:
            context = browser.new_context(**browser_context_args)
            anonymous_contexts.append(context)
            page = context.new_page()
        else:
            page = open_as(username)
        page.context.add_init_script(LISTEN)
        page.on(
            "console",
            lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
        )
        return page

    def _check(page, path):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        violations = page.evaluate("window.__cspViolations")
        assert violations == [] and console == [], (path, violations, console)

    _open.check = _check
    yield _open
    for context in anonymous_contexts:
        context.close()


def test_key_pages_report_no_csp_violation(world, scheme, live_server, watched):
    today = timezone.localdate()
    for i in range(3):
        ledger.entry_record(
            actor=world.users["subteam_member"],
            request=EntryRequest(
                household=world.household, item_code="env.untidy", occurred_on=today - timedelta(i)
            ),
        )
    cycle_on_notice(world, cut_off=today - timedelta(days=5), notice_day=today)

    anonymous = watched(None)
    watched.check(anonymous, "/accounts/login/")
    watched.check(anonymous, "/rules/catalogue/")

    head = watched("committee_head")
    for path in ["/", "/households/", f"/ratings/villages/{world.village_a1.pk}/results/"]:
        watched.check(head, path)
    bar = head.locator("svg.results-bar rect")
    expect(bar.first).to_be_visible()

    member = watched("committee_member")
    watched.check(member, "/points/review/")
    member.get_by_role("button", name="全选本页").click()
    expect(member.locator(".selected-count")).to_contain_text("已选 3 条")
    member.get_by_role("button", name="全不选").click()
    expect(member.locator(".selected-count")).to_contain_text("已选 0 条")
    watched.check(member, "/points/batch/")
    member.get_by_role("button", name="全选", exact=True).click()
    boxes = member.locator("input[name=households]")
    assert boxes.count() > 0
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))

    villager = watched("villager")
    for path in ["/", "/notifications/", f"/ratings/{cycle_on_notice_pk(world)}/notice/"]:
        watched.check(villager, path)


def cycle_on_notice_pk(world):
    from sanxin.ratings.models import Cycle

    return Cycle.objects.filter(village=world.village_a1).latest("pk").pk
