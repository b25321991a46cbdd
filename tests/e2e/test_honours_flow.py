"""A 美丽庭院 selection on a phone: a villager nominates their courtyard with a photo,
the committee checks it, the representatives vote, the result goes on notice, the
award records pending points that another committee member approves, and the
household sees its badge and its certificate."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from sanxin.engagement.models import Ballot, BallotCast, Honour, Nomination, Selection
from sanxin.engagement.services import honours as svc
from tests.engagement.conftest import give_grade, representative_user
from tests.factories import PASSWORD, make_household

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 390, "height": 780}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _days_pass(selection, **dates):
    Selection.objects.filter(pk=selection.pk).update(**dates)


def test_a_courtyard_from_nomination_to_badge(world, scheme, live_server, browser, tmp_path):
    today = timezone.localdate()
    give_grade(world.household, "4A", day=today - timedelta(days=30))
    reps = [
        representative_user(
            world,
            make_household(
                world.village_a1, world.group_a1_2, f"02{i}", head=f"代表{i}", head_seq=720 + i
            ),
            f"rep{i}",
        )
        for i in range(2)
    ]
    courtyard = next(
        t for t in svc.honour_types_install_default(district=world.district) if t.name == "美丽庭院"
    )
    selection = svc.selection_open(
        actor=world.users["committee_head"],
        honour_type=courtyard,
        region=world.village_a1,
        year=today.year,
        nominate_from=today,
        nominate_until=today + timedelta(days=3),
        vote_from=today + timedelta(days=4),
        vote_until=today + timedelta(days=6),
        quota=1,
    )
    url = f"{live_server.url}/village/honours/{selection.pk}/"
    yard = tmp_path / "yard.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (60, 160, 70)).save(buffer, "JPEG")
    yard.write_bytes(buffer.getvalue())

    # The villager nominates their own courtyard with a photo.
    villager = _log_in(browser, live_server, "villager")
    villager.goto(url)
    villager.get_by_role("link", name="我要推荐").click()
    expect(villager.get_by_label("户号")).to_have_value("001")
    villager.get_by_label("推荐理由").fill("院子干净整洁，种满了月季和青菜")
    villager.get_by_label("照片").set_input_files(str(yard))
    villager.get_by_role("button", name="提交推荐").click()
    expect(villager.get_by_text("推荐已提交")).to_be_visible()
    expect(villager.get_by_alt_text("推荐照片")).to_be_visible()
    nomination = Nomination.objects.get()

    # The nomination window ends; the committee checks it and opens the vote.
    _days_pass(
        selection,
        nominate_from=today - timedelta(days=4),
        nominate_until=today - timedelta(days=1),
        vote_from=today,
        vote_until=today + timedelta(days=2),
    )
    head = _log_in(browser, live_server, "committee_head")
    head.goto(url)
    head.get_by_role("button", name="截止提名，进入资格审查").click()
    card = head.locator(f"#nomination-{nomination.pk}")
    card.get_by_label("审查结果").select_option(label="通过")
    card.get_by_label("审查意见").fill("在用等级4A，无否决")
    card.get_by_role("button", name="记录审查结果").click()
    expect(head.get_by_text("审查结果已记录")).to_be_visible()
    head.get_by_role("button", name="审查完毕，开始投票").click()
    expect(head.get_by_text("投票已开始")).to_be_visible()
    expect(head.get_by_text("每人一票、无记名")).to_be_visible()

    # The representatives vote; a second ballot is refused; the villager has none.
    for rep in reps:
        voter = _log_in(browser, live_server, rep.username)
        voter.goto(url)
        voter.get_by_role("link", name="去投票").click()
        voter.get_by_role("checkbox").check()
        voter.get_by_role("button", name="投出选票").click()
        expect(voter.get_by_text("投票成功")).to_be_visible()
        voter.goto(f"{url}vote/")
        expect(voter.get_by_text("您已经投过票了")).to_be_visible()
    assert BallotCast.objects.count() == Ballot.objects.count() == 2
    assert villager.goto(f"{url}vote/").status == 403

    # The count puts the courtyard on notice, the name masked for other villagers.
    head.goto(url)
    head.get_by_role("button", name="计票").click()
    expect(head.get_by_text("当选 1 人（户）")).to_be_visible()
    neighbour = _log_in(browser, live_server, "other_villager")
    neighbour.goto(url)
    expect(neighbour.get_by_text("王*山")).to_be_visible()
    expect(neighbour.get_by_text("王大山")).to_have_count(0)

    # The notice ends; the award records pending points; another member approves them.
    _days_pass(
        selection, notice_from=today - timedelta(days=8), notice_until=today - timedelta(days=1)
    )
    head.goto(url)
    head.get_by_role("button", name="公示期满，授予荣誉").click()
    expect(head.get_by_text("待另一名成员审核")).to_be_visible()
    honour = Honour.objects.get()
    assert not hasattr(honour.entry, "review")
    member = _log_in(browser, live_server, "committee_member")
    member.goto(f"{live_server.url}/points/review/")
    member.get_by_role("button", name="全选本页").click()
    member.get_by_role("button", name="通过所选").click()
    honour.entry.refresh_from_db()
    assert honour.entry.review.approved

    # The household sees its badge and its certificate.
    villager.goto(f"{live_server.url}/households/{world.household.pk}/")
    badge = villager.get_by_role("link", name=re.compile("美丽庭院"))
    expect(badge).to_be_visible()
    pdf = villager.request.get(
        f"{live_server.url}/village/honours/awarded/{honour.pk}/certificate.pdf"
    )
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
