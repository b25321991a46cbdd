import re

import pytest
from playwright.sync_api import expect

from sanxin.audit.models import AuditEvent
from sanxin.households.models import Person
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()


def test_committee_head_finds_a_household_and_reveals_an_id(world, live_server, page):
    _log_in(page, live_server, "committee_head")
    expect(page.get_by_text("评信团团长")).to_be_visible()
    page.get_by_role("link", name=re.compile("查看辖区内的")).click()
    page.get_by_label("搜索").fill("王大山")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("共 1 户")).to_be_visible()
    page.get_by_role("link", name="王大山").click()
    expect(page.get_by_role("heading", name=re.compile("户主 王大山"))).to_be_visible()

    head = Person.objects.get(household=world.household, is_head=True)
    row = page.get_by_role("row").filter(has=page.get_by_text("王大山", exact=True))
    expect(row.get_by_text(head.id_number_masked)).to_be_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="显示完整号码").click()
    expect(row.get_by_text(head.reveal_id_number())).to_be_visible()
    assert (
        AuditEvent.objects.filter(
            action="person.reveal_id", actor=world.users["committee_head"]
        ).count()
        == 1
    )


def test_a_reveal_past_the_limit_says_so_in_place(world, live_server, page, settings):
    """The 429 fragment is swapped where the number would have gone (base.html's
    htmx-config); no number is shown and no reveal is audited. (A limit of 0: the
    first reveal is already over it, whatever the clock's minute.)"""
    settings.SANXIN_ID_REVEALS_PER_MINUTE = 0
    _log_in(page, live_server, "committee_head")
    page.goto(f"{live_server.url}/households/{world.household.pk}/")
    head = Person.objects.get(household=world.household, is_head=True)
    row = page.get_by_role("row").filter(has=page.get_by_text("王大山", exact=True))
    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="显示完整号码").click()
    expect(row.get_by_role("alert")).to_contain_text("每人每分钟最多 0 次")
    expect(row.get_by_text(head.reveal_id_number())).to_have_count(0)
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()
    assert AuditEvent.objects.filter(action="rate.lockout").count() == 1


def test_the_full_page_past_the_limit_fits_a_phone_in_elder_mode(
    world, live_server, browser, browser_context_args, settings
):
    """An export past the limit (not HTMX) answers the whole 429 page: on a 390 px
    phone at elder mode it says what was refused and when to try again, in large
    text, without sideways scrolling, and offers the way home."""
    from django.contrib.auth import get_user_model

    from tests.e2e import test_elder_mode as elder

    settings.SANXIN_EXPORTS_PER_MINUTE = 0
    get_user_model().objects.filter(username="committee_head").update(elder_mode=True)
    context = browser.new_context(
        **{**browser_context_args, "viewport": {"width": 390, "height": 800}}
    )
    page = context.new_page()
    _log_in(page, live_server, "committee_head")
    answer = page.goto(f"{live_server.url}/households/export.xlsx")
    assert answer.status == 429
    expect(page.get_by_role("heading", name="操作太频繁")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("每人每分钟最多 0 次")
    expect(page.get_by_role("link", name="返回首页")).to_be_visible()
    assert page.evaluate(elder.OVERFLOW) <= 0, page.evaluate(elder.WIDE)
    small = [t for t in page.evaluate(elder.TEXT) if t["main"] and t["size"] < 18]
    assert not small, small
    context.close()


def test_villager_logs_in_by_phone_and_sees_only_their_household(world, live_server, page):
    _log_in(page, live_server, "13800000001")
    # The villager's home links straight to their household (one tap, issue 10).
    page.get_by_role("link", name="查看 001号户的家庭成员和信息").click()
    expect(page.get_by_text("王大山").first).to_be_visible()
    expect(page.get_by_role("button", name="显示完整号码")).to_have_count(0)
    # The household list holds their household only.
    page.goto(f"{live_server.url}/households/")
    expect(page.get_by_text("共 1 户")).to_be_visible()
    expect(page.get_by_role("link", name="王大山")).to_be_visible()
    expect(page.get_by_text("李二河")).to_have_count(0)
