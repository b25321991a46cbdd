"""The appeal (异议) screens, as a villager and the committee use them: filing in the
notice window (and not after it), the answer by a member other than the recorder,
filing on behalf of a household, the list with its filters and a fixed query count."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanxin.ledger.models import Entry
from sanxin.ratings.choices import AppealKind
from sanxin.ratings.models import Appeal, AppealDecision
from sanxin.ratings.services import appeals
from tests.crafted_files import image_bytes
from tests.factories import approved_entry, cycle_on_notice, make_household

TODAY = timezone.localdate()
CUT_OFF = TODAY - timedelta(days=40)


def _entry(world, item="env.dumping", recorder="committee_member", reviewer="committee_deputy"):
    return approved_entry(
        world,
        occurred_on=CUT_OFF - timedelta(days=10),
        item=item,
        recorder=recorder,
        reviewer=reviewer,
    )


def _on_notice(world, notice_day=TODAY):
    return cycle_on_notice(world, cut_off=CUT_OFF, notice_day=notice_day)


def _file_url(cycle, household):
    return f"/ratings/{cycle.pk}/households/{household.pk}/appeal/"


def test_villager_files_about_an_entry_and_sees_it_listed(ready, login):
    world = ready
    entry = _entry(world)
    cycle = _on_notice(world)
    client = login(world.users["villager"])
    notice = client.get(f"/ratings/{cycle.pk}/notice/").content.decode()
    assert "对本户等级提出异议" in notice and _file_url(cycle, world.household) in notice
    page = client.get(_file_url(cycle, world.household)).content.decode()
    assert entry.item_name in page and "本周期等级" in page
    assert f"{cycle.notice_starts_on:%Y-%m-%d} 至 {cycle.notice_ends_on:%Y-%m-%d}" in page
    assert "committee_member" not in page  # villagers are not shown who recorded an entry
    # Errors are named per field, in Chinese, and nothing is saved.
    response = client.post(_file_url(cycle, world.household), {"kind": "entry", "reason": " "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请写明异议理由" in page and "请选择有异议的积分记录" in page
    assert not Appeal.objects.exists()
    response = client.post(
        _file_url(cycle, world.household),
        {
            "kind": "entry",
            "entry": entry.pk,
            "reason": "当天我不在村里，是误记",
            "evidence_text": "车票",
        },
        follow=True,
    )
    appeal = Appeal.objects.get()
    assert response.redirect_chain[-1][0] == f"/ratings/appeals/{appeal.pk}/"
    page = response.content.decode()
    assert (
        "已提出异议" in page
        and "当天我不在村里，是误记" in page
        and "车票" in page
        and "待评信团答复" in page
    )
    assert appeal.kind == AppealKind.ENTRY and appeal.entry_id == entry.pk and not appeal.on_behalf
    listing = client.get(f"/ratings/{cycle.pk}/appeals/").content.decode()
    assert f"/ratings/appeals/{appeal.pk}/" in listing and "本户共提出 1 项异议" in listing
    # A second identical appeal is refused while the first is open.
    response = client.post(
        _file_url(cycle, world.household), {"kind": "entry", "entry": entry.pk, "reason": "再提"}
    )
    assert response.status_code == 400 and "已有一项待处理的异议" in response.content.decode()
    assert Appeal.objects.count() == 1
    # The cycle page counts it and links to the list.
    page = client.get(f"/ratings/{cycle.pk}/").content.decode()
    assert "待处理 1 项，已答复 0 项" in page and f"/ratings/{cycle.pk}/appeals/" in page


def test_committee_sees_the_recorder_of_each_entry(ready, login):
    world = ready
    entry = _entry(world)
    cycle = _on_notice(world)
    page = (
        login(world.users["committee_head"]).get(_file_url(cycle, world.household)).content.decode()
    )
    assert entry.item_name in page and "committee_member" in page and "代该户提出异议" in page


def test_after_the_window_the_form_is_gone_and_a_post_is_refused(ready, login):
    world = ready
    entry = _entry(world)
    cycle = _on_notice(world, notice_day=TODAY - timedelta(days=10))
    client = login(world.users["villager"])
    page = client.get(_file_url(cycle, world.household)).content.decode()
    assert "公示期已于" in page and 'name="reason"' not in page
    notice = client.get(f"/ratings/{cycle.pk}/notice/").content.decode()
    assert "对本户等级提出异议" not in notice
    response = client.post(
        _file_url(cycle, world.household), {"kind": "entry", "entry": entry.pk, "reason": "不服"}
    )
    assert response.status_code == 400 and "公示期已于" in response.content.decode()
    assert not Appeal.objects.exists()


def _villager_entry_appeal(world, cycle, entry):
    return appeals.appeal_file(
        actor=world.users["villager"],
        cycle=cycle,
        household=world.household,
        kind=AppealKind.ENTRY,
        entry=entry,
        reason="当天我不在村里，是误记",
    )


def test_recorder_cannot_decide_another_member_upholds(ready, login):
    world = ready
    entry = _entry(world)
    cycle = _on_notice(world)
    appeal = _villager_entry_appeal(world, cycle, entry)
    url = f"/ratings/appeals/{appeal.pk}/"
    # The member who recorded the entry sees why they may not answer, and is refused.
    client = login(world.users["committee_member"])
    page = client.get(url).content.decode()
    assert "有异议的积分是您记录的" in page and "提交答复" not in page
    response = client.post(f"{url}decide/", {"upheld": "1", "reason": "核实"})
    assert response.status_code == 403 and "有异议的积分是您记录的" in response.content.decode()
    assert not AppealDecision.objects.exists()
    # Another member answers it; an empty reason is named first.
    client = login(world.users["committee_head"])
    assert "提交答复" in client.get(url).content.decode()
    response = client.post(f"{url}decide/", {"upheld": "1", "reason": ""})
    assert response.status_code == 400 and "请写明处理意见和依据" in response.content.decode()
    response = client.post(
        f"{url}decide/", {"upheld": "1", "reason": "经核实当天不在村"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url
    decision = AppealDecision.objects.get()
    reversal = decision.reversal
    assert reversal.reversal_of_id == entry.pk
    page = response.content.decode()
    assert "已答复异议：异议成立" in page and "经核实当天不在村" in page
    assert f"/points/entries/{reversal.pk}/" in page and "提交答复" not in page
    # The household sees the answer; another villager does not even see the appeal.
    page = login(world.users["villager"]).get(url).content.decode()
    assert (
        "异议成立" in page
        and "经核实当天不在村" in page
        and f"/points/entries/{reversal.pk}/" in page
    )
    assert login(world.users["other_villager"]).get(url).status_code == 404
    assert (
        login(world.users["other_villager"])
        .get(f"/ratings/{cycle.pk}/appeals/")
        .content.decode()
        .count("/ratings/appeals/")
        == 0
    )
    # The list's report line counts it as answered.
    listing = (
        login(world.users["committee_deputy"]).get(f"/ratings/{cycle.pk}/appeals/").content.decode()
    )
    assert "共提出 1 项，已答复 1 项，待处理 0 项；平均" in listing
    # The reversed entry is no longer offered for a new appeal.
    page = login(world.users["villager"]).get(_file_url(cycle, world.household)).content.decode()
    assert f'value="{entry.pk}"' not in page
    assert Entry.objects.filter(reversal_of=entry).count() == 1


def test_committee_files_on_behalf_and_another_member_sets_the_grade(ready, login):
    world = ready
    cycle = _on_notice(world)
    client = login(world.users["committee_member"])
    notice = client.get(f"/ratings/{cycle.pk}/notice/").content.decode()
    assert "代农户提出异议" in notice
    listing = client.get(f"/ratings/{cycle.pk}/appeals/").content.decode()
    assert 'name="file_for"' in listing and world.household_a1_2.head_name in listing
    response = client.get(f"/ratings/{cycle.pk}/appeals/?file_for={world.household_a1_2.pk}")
    assert response.status_code == 302 and response["Location"] == _file_url(
        cycle, world.household_a1_2
    )
    response = client.post(
        _file_url(cycle, world.household_a1_2),
        {"kind": "grade", "reason": "户主年老无账号，口头提出：漏记了献血"},
    )
    appeal = Appeal.objects.get()
    assert (
        response.status_code == 302
        and appeal.on_behalf
        and appeal.filed_by == world.users["committee_member"]
    )
    url = f"/ratings/appeals/{appeal.pk}/"
    page = client.get(url).content.decode()
    assert "评信团成员代为提出" in page and "不能处理本人提出" in page
    # Another member: the grade recomputation gives is preselected; upheld needs a grade.
    client = login(world.users["committee_deputy"])
    page = client.get(url).content.decode()
    recomputed = appeals.recompute(cycle, world.household_a1_2).grade
    assert f'<option value="{recomputed}" selected>' in page
    response = client.post(f"{url}decide/", {"upheld": "1", "reason": "漏记属实", "to_grade": ""})
    assert (
        response.status_code == 400 and "异议成立时请选择调整后的等级" in response.content.decode()
    )
    response = client.post(f"{url}decide/", {"upheld": "1", "reason": "漏记属实", "to_grade": "4A"})
    assert response.status_code == 302
    assert AppealDecision.objects.get().to_grade == "4A"
    page = login(world.users["other_villager"]).get(url).content.decode()
    assert "4A" in page and "漏记属实" in page


def test_list_filters_and_who_sees_what(ready, login):
    world = ready
    cycle = _on_notice(world)
    one = appeals.appeal_file(
        actor=world.users["villager"],
        cycle=cycle,
        household=world.household,
        kind=AppealKind.GRADE,
        reason="甲户不服",
    )
    two = appeals.appeal_file(
        actor=world.users["other_villager"],
        cycle=cycle,
        household=world.household_a1_2,
        kind=AppealKind.GRADE,
        reason="乙户不服",
    )
    appeals.appeal_decide(
        actor=world.users["committee_head"], appeal=two, upheld=False, reason="评分无误"
    )
    client = login(world.users["town_admin"])
    url = f"/ratings/{cycle.pk}/appeals/"
    page = client.get(url).content.decode()
    assert (
        "甲户不服" in page
        and "乙户不服" in page
        and "共提出 2 项，已答复 1 项，待处理 1 项" in page
    )
    assert 'name="file_for"' not in page  # admins do not file on behalf
    page = client.get(url + "?status=open").content.decode()
    assert "甲户不服" in page and "乙户不服" not in page
    page = client.get(url + "?status=dismissed").content.decode()
    assert "甲户不服" not in page and "乙户不服" in page
    page = client.get(url + "?status=upheld").content.decode()
    assert "甲户不服" not in page and "乙户不服" not in page and "没有异议" in page
    page = login(world.users["villager"]).get(url).content.decode()
    assert "甲户不服" in page and "乙户不服" not in page
    assert f"/ratings/appeals/{one.pk}/" in page
    for user in ("subteam_member", "shop_clerk", "credit_officer", "neighbour_committee_head"):
        assert login(world.users[user]).get(url).status_code == 404, user


def _list_queries(client, cycle):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/ratings/{cycle.pk}/appeals/?status=").status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_is_fixed(ready, login):
    world = ready
    households = [
        make_household(
            world.village_a1, world.group_a1_2, f"{100 + i}", head=f"户{i}", head_seq=700 + i
        )
        for i in range(19)
    ]
    cycle = _on_notice(world)
    member, head = world.users["committee_member"], world.users["committee_head"]

    def file(household):
        return appeals.appeal_file(
            actor=member, cycle=cycle, household=household, kind=AppealKind.GRADE, reason="不服"
        )

    first = file(world.household)
    appeals.appeal_decide(actor=head, appeal=first, upheld=True, reason="属实", to_grade="5A")
    client = login(head)
    few = _list_queries(client, cycle)
    villager = login(world.users["villager"])
    few_villager = _list_queries(villager, cycle)
    client = login(head)
    for i, household in enumerate(households):
        appeal = file(household)
        if i % 2:
            appeals.appeal_decide(
                actor=head, appeal=appeal, upheld=bool(i % 4 == 1), reason="核实", to_grade="3A"
            )
    assert Appeal.objects.filter(cycle=cycle).count() == 20
    assert _list_queries(client, cycle) == few
    assert _list_queries(login(world.users["villager"]), cycle) == few_villager


def test_evidence_photos_are_kept_and_shown_to_the_household_only(ready, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sanxin.ratings.models import AppealPhoto

    world = ready
    cycle = _on_notice(world)
    client = login(world.users["villager"])
    bad = SimpleUploadedFile("说明.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(
        _file_url(cycle, world.household), {"kind": "grade", "reason": "不服", "photos": [bad]}
    )
    assert (
        response.status_code == 400
        and "无法识别，请上传 JPG、PNG 或 WebP 格式的照片" in response.content.decode()
    )
    assert not Appeal.objects.exists()
    photo = SimpleUploadedFile("收据.jpg", image_bytes("JPEG"), content_type="image/jpeg")
    response = client.post(
        _file_url(cycle, world.household), {"kind": "grade", "reason": "不服", "photos": [photo]}
    )
    assert response.status_code == 302
    stored = AppealPhoto.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert f"/ratings/appeals/photos/{stored.pk}/" in page
    response = client.get(f"/ratings/appeals/photos/{stored.pk}/")
    assert (
        response.status_code == 200
        and response.content.startswith(b"\xff\xd8\xff")
        and response["Content-Type"] == "image/jpeg"
    )
    assert (
        login(world.users["other_villager"])
        .get(f"/ratings/appeals/photos/{stored.pk}/")
        .status_code
        == 404
    )


def test_committee_home_lists_cycles_with_open_appeals(ready, login):
    world = ready
    cycle = _on_notice(world)
    appeals.appeal_file(
        actor=world.users["villager"],
        cycle=cycle,
        household=world.household,
        kind=AppealKind.GRADE,
        reason="不服",
        today=TODAY,
    )
    page = login(world.users["committee_member"]).get("/").content.decode()
    assert "（1 项待处理）" in page and f"/ratings/{cycle.pk}/appeals/?status=open" in page
    for user in ("villager", "shop_clerk", "neighbour_committee_head"):
        assert "项待处理" not in login(world.users[user]).get("/").content.decode()


def test_cycle_page_counts_the_grade_an_upheld_appeal_set(ready, login):
    world = ready
    cycle = _on_notice(world)
    appeal = appeals.appeal_file(
        actor=world.users["committee_member"],
        cycle=cycle,
        household=world.household,
        kind=AppealKind.GRADE,
        reason="漏记献血",
        today=TODAY,
    )
    appeals.appeal_decide(
        actor=world.users["committee_deputy"],
        appeal=appeal,
        upheld=True,
        reason="属实",
        to_grade="5A",
    )
    page = login(world.users["committee_head"]).get(f"/ratings/{cycle.pk}/").content.decode()
    distribution = page.split("等级分布", 1)[1].split("</p>", 2)[1]
    assert '<span class="tag">5A</span> 1 户' in distribution
    assert '→ <span class="tag cadre"' in page


def test_committee_exports_the_appeals_to_excel(ready, login):
    import io

    from openpyxl import load_workbook

    world = ready
    cycle = _on_notice(world)
    appeal = appeals.appeal_file(
        actor=world.users["villager"],
        cycle=cycle,
        household=world.household,
        kind=AppealKind.GRADE,
        reason='=HYPERLINK("http://x") 不服',
        today=TODAY,
    )
    appeals.appeal_decide(
        actor=world.users["committee_deputy"], appeal=appeal, upheld=False, reason="评分无误"
    )
    response = login(world.users["committee_head"]).get(f"/ratings/{cycle.pk}/appeals/?format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("户号", "户主", "异议对象") and len(rows) == 2
    assert rows[1][0] == "001" and rows[1][10] == "异议不成立" and rows[1][12] == "评分无误"
    assert sheet.cell(row=2, column=6).data_type == "s"  # the reason stays text, not a formula
    # A household member gets the page, not the whole village's export.
    page = login(world.users["villager"]).get(f"/ratings/{cycle.pk}/appeals/?format=xlsx")
    assert page["Content-Type"].startswith("text/html")
