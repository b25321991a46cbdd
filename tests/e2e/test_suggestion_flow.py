"""A suggestion in Chromium on a phone: a villager (in elder mode) writes one with a
photo from the village board, a crafted photo is refused with the reason, the
committee head adopts it with a reply, the villager is notified and reads the reply,
and the points wait for another member's approval."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sanxin.engagement.models import Suggestion
from tests.crafted_files import image_bytes, png_bomb
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_as(browser, browser_context_args, live_server):
    contexts = []

    def _open(username):
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名或手机号").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
        return page

    yield _open
    for context in contexts:
        context.close()


def test_suggest_answer_and_read_the_reply(world, scheme, live_server, open_as, tmp_path):
    village = world.village_a1
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bomb())
    photo = tmp_path / "street.jpg"
    photo.write_bytes(image_bytes("JPEG", (64, 48)))

    # The villager, in elder mode, opens the board from the menu and writes a suggestion.
    me = open_as("13800000001")
    me.get_by_role("button", name="长辈模式").click()
    me.goto(f"{live_server.url}/village/board/")
    expect(me.get_by_role("heading", name="大贵口村村务公开栏")).to_be_visible()
    me.get_by_role("link", name="我要提建议").click()
    me.get_by_label("您的建议").fill("村东头路口太黑，建议装一盏路灯。")
    me.get_by_label("照片").set_input_files(str(bomb))
    me.get_by_role("button", name="提交建议").click()
    expect(me.get_by_text(re.compile("像素过多"))).to_be_visible()
    assert not Suggestion.objects.exists()
    me.get_by_label("照片").set_input_files(str(photo))
    me.get_by_label(re.compile("向其他村民显示我的名字")).check()
    submit = me.get_by_role("button", name="提交建议")
    box = submit.bounding_box()
    assert box and box["height"] >= 60  # elder mode: large tap targets
    submit.click()
    expect(me.get_by_text("建议已提交，村评信团答复后会通知您。")).to_be_visible()
    suggestion = Suggestion.objects.get()
    assert suggestion.photos.count() == 1 and suggestion.show_name

    # The committee head adopts it with a reply.
    head = open_as("committee_head")
    head.goto(f"{live_server.url}/village/{village.pk}/suggestions/")
    head.get_by_role("link", name=re.compile("建议装一盏路灯")).click()
    expect(head.get_by_text(re.compile("王大山"))).to_be_visible()  # never anonymous to them
    head.get_by_label("已采纳").check()
    head.get_by_label("答复内容").fill("好建议，本月底前安装。")
    head.get_by_role("button", name="提交答复").click()
    expect(head.get_by_text("已答复，村民会收到通知。")).to_be_visible()
    suggestion.refresh_from_db()
    assert suggestion.state == "adopted" and suggestion.entry is not None
    assert not hasattr(suggestion.entry, "review")  # waits for another member

    # The villager is notified and reads the reply.
    me.goto(f"{live_server.url}/notifications/")
    me.get_by_role("link", name=re.compile("您家的建议已答复：已采纳")).first.click()
    expect(me.get_by_text("好建议，本月底前安装。")).to_be_visible()
    expect(me.get_by_text("已采纳").first).to_be_visible()
