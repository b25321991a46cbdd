"""The 积分 screens: recording one entry (with a photo) and a batch, the review
queue, an entry's trace with reversal, evidence photos and the household points
page with the grade, its reasons and running totals."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from sanxin.households.choices import PoliticalStatus
from sanxin.households.models import Person
from sanxin.ledger import services
from sanxin.ledger.models import Entry, EntryPhoto, Review
from sanxin.ledger.services import EntryRequest
from sanxin.ratings.facts import household_grade
from tests.crafted_files import image_bytes
from tests.factories import make_household

PNG = image_bytes("PNG", (3, 2))


def same_png(stored: bytes) -> bool:
    """A stored photo is the upload re-encoded: the same pixels, as a PNG."""
    with Image.open(io.BytesIO(stored)) as got, Image.open(io.BytesIO(PNG)) as sent:
        return got.format == "PNG" and got.convert("RGB").tobytes() == sent.convert("RGB").tobytes()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _today():
    return timezone.localdate()


def _record(world, user="subteam_member", household=None, item="env.untidy", on=None, **kw):
    return services.entry_record(
        actor=world.users[user],
        request=EntryRequest(
            household=household or world.household, item_code=item, occurred_on=on or _today(), **kw
        ),
    )


def _approve(world, entry, user="committee_member"):
    return services.entry_review(actor=world.users[user], entry=entry, approve=True)


def _form(world, **overrides):
    data = {
        "household": world.household.pk,
        "item_code": "env.tidy",
        "quantity": "1",
        "occurred_on": _today().isoformat(),
        "evidence_text": "",
        "idempotency_key": "k-1",
    }
    data.update(overrides)
    return data


# ------------------------------------------------------------------ recording


def test_record_form_lists_items_by_category_for_the_household(world, scheme, login):
    client = login(world.users["subteam_member"])
    page = client.get(f"/points/record/?household={world.household.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<optgroup label="环境卫生">' in html
    assert "家庭“六齐”达标（每项） · +2分" in html
    assert "参加志愿服务（每满4小时） · +1分 · 按人记" in html
    assert "参加“三会一课”" not in html, (
        "vanguard items are left out for a household without party members"
    )
    assert 'accept="image/*"' in html and "capture" not in html, (
        "the photo field lets the user choose the camera or the album"
    )
    assert "可以拍照或从相册选择" in html
    assert page.context["form"]["idempotency_key"].value()


def test_record_with_a_photo(world, scheme, login, media):
    user = world.users["subteam_member"]
    client = login(user)
    key = (
        client.get(f"/points/record/?household={world.household.pk}")
        .context["form"]["idempotency_key"]
        .value()
    )
    photo = SimpleUploadedFile("door.png", PNG, content_type="image/png")
    response = client.post(
        "/points/record/",
        _form(
            world,
            item_code="env.dumping",
            evidence_text="门前乱堆杂物",
            idempotency_key=key,
            photos=[photo],
        ),
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert (entry.item_code, entry.points, entry.recorded_by, entry.household) == (
        "env.dumping",
        -5,
        user,
        world.household,
    )
    stored = entry.photos.get()
    content = stored.image.read()
    assert entry.photos.count() == 1 and same_png(content)
    assert stored.image.name.endswith(".png")
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert response["Location"] == f"/points/record/?household={world.household.pk}&last={entry.pk}"
    page = client.get(response["Location"]).content.decode()
    assert (
        "已记录，待评信团审核" in page
        and "刚才记录" in page
        and "乱倒垃圾、乱堆杂物" in page
        and "照片 1 张" in page
    )
    assert f'value="{key}"' not in page, "the next entry gets a new idempotency key"


def test_a_file_that_is_not_a_photo_is_refused_on_the_form(world, scheme, login, media):
    client = login(world.users["subteam_member"])
    svg = SimpleUploadedFile(
        "door.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>', content_type="image/png"
    )
    response = client.post(
        "/points/record/",
        _form(world, item_code="env.dumping", evidence_text="门前乱堆杂物", photos=[svg]),
    )
    assert response.status_code == 200
    assert "照片“door.png”无法识别，请上传 JPG、PNG 或 WebP 格式的照片" in response.content.decode()
    assert not Entry.objects.exists() and not EntryPhoto.objects.exists()


def test_validation_errors_are_shown_in_chinese_and_nothing_is_saved(world, scheme, login):
    client = login(world.users["subteam_member"])
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    cases = [
        ({"occurred_on": tomorrow}, "发生日期不能晚于今天"),
        ({"item_code": "public.volunteer", "evidence_text": "4小时"}, "按人记分，请选择人员"),
        ({"item_code": "env.dumping"}, "必须填写事实依据或上传照片"),
        ({"item_code": "party.meeting"}, "请从列表中选择积分项"),
        ({"quantity": "0"}, "确保该值大于或等于1"),
        ({"quantity": "7"}, "最多还能记"),
    ]
    for overrides, message in cases:
        response = client.post("/points/record/", _form(world, **overrides))
        assert response.status_code == 200
        assert message in response.content.decode(), message
    assert not Entry.objects.exists()


def test_person_level_item_with_a_member(world, scheme, login):
    person = Person.objects.filter(household=world.household, is_head=False).first()
    client = login(world.users["committee_head"])
    response = client.post(
        "/points/record/", _form(world, item_code="public.repair", person=person.pk)
    )
    assert response.status_code == 302
    assert Entry.objects.get().person == person


def test_double_submit_saves_once(world, scheme, login):
    client = login(world.users["subteam_member"])
    first = client.post("/points/record/", _form(world, idempotency_key="tap-tap"))
    second = client.post("/points/record/", _form(world, idempotency_key="tap-tap"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Entry.objects.count() == 1


def test_subteam_member_cannot_pick_another_groups_household(world, scheme, login):
    client = login(world.users["subteam_member"])
    listing = client.get("/points/record/").content.decode()
    assert world.household.head_name in listing and world.household_a1_2.head_name not in listing
    assert client.get(f"/points/record/?household={world.household_a1_2.pk}").status_code == 404
    response = client.post("/points/record/", _form(world, household=world.household_a1_2.pk))
    assert response.status_code == 404
    assert not Entry.objects.exists()


def test_roles_without_recording_are_refused(world, scheme, login):
    for username in ["villager", "shop_clerk", "district_admin"]:
        client = login(world.users[username])
        assert client.get("/points/record/").status_code == 403
        assert client.post("/points/record/", _form(world)).status_code == 403
    assert not Entry.objects.exists()


def test_batch_for_three_households(world, scheme, login, media):
    third = make_household(world.village_a1, world.group_a1_1, "003", head="周六顺", head_seq=601)
    households = [world.household, world.household_a1_2, third]
    client = login(world.users["committee_head"])
    page = client.get("/points/batch/").content.decode()
    assert all(h.head_name in page for h in households)
    assert "参加志愿服务" not in page, "person-level items cannot be recorded in a batch"
    photo = SimpleUploadedFile("cleanup.jpg", PNG, content_type="image/jpeg")
    response = client.post(
        "/points/batch/",
        {
            "households": [h.pk for h in households],
            "item_code": "env.tidy",
            "quantity": "1",
            "occurred_on": _today().isoformat(),
            "evidence_text": "全村环境整治",
            "photos": [photo],
        },
    )
    assert response.status_code == 302
    entries = list(Entry.objects.all())
    assert len(entries) == 3 and len({e.batch_key for e in entries}) == 1
    assert {e.household_id for e in entries} == {h.pk for h in households}
    assert EntryPhoto.objects.count() == 3
    assert "已为 3 户记录积分" in client.get(response["Location"]).content.decode()


def test_batch_shows_each_households_problem_and_saves_nothing(world, scheme, login):
    client = login(world.users["committee_head"])
    response = client.post(
        "/points/batch/",
        {
            "households": [world.household.pk, world.household_a1_2.pk],
            "item_code": "env.dumping",
            "quantity": "1",
            "occurred_on": _today().isoformat(),
            "evidence_text": "",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "001号户 王大山：" in html and "002号户 李二河：" in html and "必须填写事实依据" in html
    assert not Entry.objects.exists()


def test_batch_refuses_households_outside_the_scope(world, scheme, login):
    client = login(world.users["subteam_member"])
    page = client.get("/points/batch/").content.decode()
    assert world.household_a1_2.head_name not in page
    response = client.post(
        "/points/batch/",
        {
            "households": [world.household.pk, world.household_a1_2.pk],
            "item_code": "env.tidy",
            "quantity": "1",
            "occurred_on": _today().isoformat(),
        },
    )
    assert response.status_code == 404
    assert not Entry.objects.exists()


# --------------------------------------------------------------------- review


def test_review_queue_and_bulk_approve(world, scheme, login):
    others = [_record(world), _record(world, household=world.household_a1_2, user="committee_head")]
    own = _record(world, user="committee_member")
    client = login(world.users["committee_member"])
    page = client.get("/points/review/")
    html = page.content.decode()
    assert page.status_code == 200 and "待审核 3 条" in html
    for e in others:
        assert f'name="entry" value="{e.pk}"' in html
    assert f'name="entry" value="{own.pk}"' not in html and "本人记录，须由其他成员审核" in html
    response = client.post(
        "/points/review/", {"entry": [e.pk for e in others], "action": "approve"}
    )
    assert response.status_code == 302
    assert set(Review.objects.values_list("entry_id", flat=True)) == {e.pk for e in others}
    assert (
        Review.objects.filter(approved=True, reviewer=world.users["committee_member"]).count() == 2
    )
    assert "已通过 2 条记录" in client.get(response["Location"]).content.decode()


def test_own_entries_are_refused_when_forced(world, scheme, login):
    other = _record(world)
    own = _record(world, user="committee_member")
    client = login(world.users["committee_member"])
    response = client.post("/points/review/", {"entry": [other.pk, own.pk], "action": "approve"})
    assert response.status_code == 200
    assert "不能审核自己记录的积分" in response.content.decode()
    assert not Review.objects.exists(), "all or nothing"


def test_own_household_is_recused(world, scheme, login):
    reviewer = world.users["committee_head"]
    reviewer.person = Person.objects.get(household=world.household, is_head=True)
    reviewer.save()
    entry = _record(world)
    client = login(reviewer)
    html = client.get("/points/review/").content.decode()
    assert "本人家庭，须回避" in html and f'name="entry" value="{entry.pk}"' not in html


def test_reject_needs_a_reason(world, scheme, login):
    entry = _record(world)
    client = login(world.users["committee_member"])
    response = client.post(
        "/points/review/", {"entry": [entry.pk], "action": "reject", "reason": "  "}
    )
    assert response.status_code == 200 and "驳回必须填写理由" in response.content.decode()
    assert not Review.objects.exists()
    response = client.post(
        "/points/review/", {"entry": [entry.pk], "action": "reject", "reason": "照片看不清"}
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert not review.approved and review.reason == "照片看不清"


def test_review_filters(world, scheme, login):
    in_group_1 = _record(world)
    in_group_2 = _record(
        world, household=world.household_a1_2, user="committee_head", item="env.tidy"
    )
    client = login(world.users["committee_member"])

    def listed(query):
        html = client.get(f"/points/review/?{query}").content.decode()
        return {e.pk for e in (in_group_1, in_group_2) if f'name="entry" value="{e.pk}"' in html}

    assert listed("") == {in_group_1.pk, in_group_2.pk}
    assert listed(f"group={world.group_a1_2.pk}") == {in_group_2.pk}
    assert listed(f"recorder={world.users['subteam_member'].pk}") == {in_group_1.pk}
    assert listed("category=env") == {in_group_1.pk, in_group_2.pk}
    assert listed("category=law") == set()
    assert listed("component=vanguard") == set()
    assert listed("reversals=on") == set()
    assert listed(f"date_from={(_today() + timedelta(days=1)).isoformat()}") == set()
    assert listed("group=nonsense") == {in_group_1.pk, in_group_2.pk}, "a bad filter is ignored"


def _make_pending(world, n):
    for i in range(n):
        household = world.household if i % 2 else world.household_a1_2
        user = "committee_head" if i % 3 else "subteam_member"
        if household == world.household_a1_2:
            user = "committee_head"
        _record(world, household=household, user=user, on=_today() - timedelta(days=i % 20))


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_review_queue_query_count_is_fixed(world, scheme, login, media):
    client = login(world.users["committee_member"])
    _make_pending(world, 3)
    EntryPhoto.objects.create(entry=Entry.objects.first(), image="evidence/x.png", sha256="0" * 64)
    few = _count_queries(client, "/points/review/")
    _make_pending(world, 27)
    assert Entry.objects.count() == 30
    assert _count_queries(client, "/points/review/") == few
    assert few <= 12, f"{few} queries"


def test_review_actions_come_before_the_list(world, scheme, login):
    client = login(world.users["committee_member"])
    _make_pending(world, 3)
    html = client.get("/points/review/").content.decode()
    first_row = html.index('name="entry"')
    for button in (
        'value="approve"',
        'value="reject"',
        'name="reason"',
        "已选 <output>0</output> 条",
    ):
        assert html.index(button) < first_row, button
    # The bar sticks while the list scrolls (the rule is in the shared stylesheet).
    css = Path(finders.find("sanxin/sanxin.css")).read_text(encoding="utf-8")
    assert re.search(r"\.points-actions \{[^}]*position:sticky", css)


# ---------------------------------------------------------------------- entry


def test_entry_page_traces_everything_and_reverses(world, scheme, login, media):
    entry = services.entry_record(
        actor=world.users["subteam_member"],
        request=EntryRequest(
            household=world.household,
            item_code="env.dumping",
            occurred_on=_today(),
            evidence_text="门前乱堆杂物",
            photos=[SimpleUploadedFile("a.png", PNG)],
        ),
    )
    villager = login(world.users["villager"])
    html = villager.get(f"/points/entries/{entry.pk}/").content.decode()
    assert "env.dumping" not in html, "item codes stay off the villager's pages"
    for text in [
        "乱倒垃圾、乱堆杂物",
        "环境卫生",
        "基础积分",
        "2024.1",
        "门前乱堆杂物",
        "subteam_member",
        "待评信团审核",
    ]:
        assert text in html, text
    assert "冲正本条记录" not in html and 'value="approve"' not in html
    photo = entry.photos.get()
    assert f"/points/photos/{photo.pk}/" in html

    head = login(world.users["committee_head"])
    html = head.get(f"/points/entries/{entry.pk}/").content.decode()
    assert 'value="approve"' in html
    assert (
        head.post(f"/points/entries/{entry.pk}/decide/", {"action": "approve"}).status_code == 302
    )
    assert Review.objects.get(entry=entry).approved

    html = head.get(f"/points/entries/{entry.pk}/").content.decode()
    assert "冲正本条记录" in html and "committee_head" in html
    response = head.post(f"/points/entries/{entry.pk}/reverse/", {"reason": ""})
    assert response.status_code == 302 and not Entry.objects.filter(reversal_of=entry).exists()
    assert "冲正必须填写原因" in head.get(response["Location"]).content.decode()
    response = head.post(f"/points/entries/{entry.pk}/reverse/", {"reason": "查明不是该户所为"})
    reversal = Entry.objects.get(reversal_of=entry)
    assert response["Location"] == f"/points/entries/{reversal.pk}/"
    assert reversal.points == 5 and reversal.reason == "查明不是该户所为"
    html = head.get(f"/points/entries/{reversal.pk}/").content.decode()
    assert f"/points/entries/{entry.pk}/" in html and "冲正记录" in html
    assert (
        f"/points/entries/{reversal.pk}/"
        in head.get(f"/points/entries/{entry.pk}/").content.decode()
    )


def test_maker_cannot_decide_on_the_entry_page(world, scheme, login):
    entry = _record(world, user="committee_member")
    client = login(world.users["committee_member"])
    html = client.get(f"/points/entries/{entry.pk}/").content.decode()
    assert 'value="approve"' not in html and "本人记录" in html
    response = client.post(f"/points/entries/{entry.pk}/decide/", {"action": "approve"})
    assert response.status_code == 302 and not Review.objects.exists()


def test_photo_is_served_through_the_scope(world, scheme, login, media):
    entry = services.entry_record(
        actor=world.users["subteam_member"],
        request=EntryRequest(
            household=world.household,
            item_code="env.tidy",
            occurred_on=_today(),
            photos=[SimpleUploadedFile("a.png", PNG)],
        ),
    )
    photo = entry.photos.get()
    response = login(world.users["villager"]).get(f"/points/photos/{photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and "private" in response["Cache-Control"]
    assert same_png(response.content)
    for outsider in ["other_villager", "other_group_subteam", "neighbour_committee_head"]:
        assert login(world.users[outsider]).get(f"/points/photos/{photo.pk}/").status_code == 404


# ------------------------------------------------------------------ household


def test_household_page_shows_grade_reasons_and_running_totals(world, scheme, login, credit_for):
    # Last year's entries, seen as of last year's end: the same whatever today is.
    year = _today().year - 1
    as_of = date(year, 12, 31)
    credit_for(world.household, on=date(year, 5, 1))
    first = _record(world, item="env.tidy", on=date(year, 6, 1), quantity=2)
    second = _record(world, item="env.untidy", on=date(year, 6, 2))
    for e in (first, second):
        _approve(world, e)
    pending = _record(world, item="env.tidy", on=date(year, 6, 3))
    rejected = _record(world, item="law.dog", on=date(year, 6, 3))
    services.entry_review(
        actor=world.users["committee_member"], entry=rejected, approve=False, reason="查无此事"
    )
    result = household_grade(world.household, as_of).result
    assert result.credit_status == "ok"

    client = login(world.users["villager"])
    response = client.get(f"/points/households/{world.household.pk}/?as_of={as_of.isoformat()}")
    assert response.status_code == 200
    html = response.content.decode()
    assert result.grade_label in html
    for reason in result.reasons:
        assert reason in html, reason
    assert "按“群众户”标准评定" in html and "综合得分" in html
    assert "待审核" in html and "已驳回" in html and "驳回理由：查无此事" in html
    assert f"/points/entries/{pending.pk}/" in html and f"/points/entries/{first.pk}/" in html
    running = response.context["running"]
    assert [r["total"]["base"] for r in running] == [104, 102]
    assert "记录积分" not in html, "a villager does not record points"
    assert (
        "记录积分"
        in login(world.users["subteam_member"])
        .get(f"/points/households/{world.household.pk}/")
        .content.decode()
    )


def test_household_page_shows_credit_total_but_not_the_indicator_answers(
    world, scheme, login, credit_for
):
    credit_for(world.household, on=_today() - timedelta(days=30))
    assert (
        login(world.users["shop_clerk"])
        .get(f"/points/households/{world.household.pk}/")
        .status_code
        == 403
    )
    html = (
        login(world.users["committee_member"])
        .get(f"/points/households/{world.household.pk}/")
        .content.decode()
    )
    assert "家庭经济情况" in html and "家庭基本情况" in html
    for secret in ["家庭纯收入", "达到当地平均水平", "日均存款", "正常履约或无贷款", "劳动力人数"]:
        assert secret not in html, secret


def test_household_page_without_credit_or_scheme(world, login):
    client = login(world.users["committee_head"])
    html = client.get(f"/points/households/{world.household.pk}/").content.decode()
    assert "还没有生效的评分方案，暂不评级" in html
    from sanxin.rules.services import scheme_install_default

    scheme_install_default(district=world.district)
    html = client.get(f"/points/households/{world.household.pk}/").content.decode()
    assert "尚未进行“双基”信用评定，暂不评级" in html


def test_household_page_for_a_party_household_shows_vanguard(world, scheme, login, credit_for):
    head = Person.objects.get(household=world.household, is_head=True)
    Person.objects.filter(pk=head.pk).update(political_status=PoliticalStatus.PARTY_MEMBER)
    head.refresh_from_db()
    credit_for(world.household, on=_today() - timedelta(days=30))
    _approve(world, _record(world, user="committee_head", item="party.meeting", person=head))
    html = (
        login(world.users["committee_head"])
        .get(f"/points/households/{world.household.pk}/")
        .content.decode()
    )
    assert "按“党员户”标准评定" in html and "先锋积分累计" in html and "取最低的一个" in html


def test_household_page_query_count_is_fixed(world, scheme, login, credit_for):
    credit_for(world.household, on=_today() - timedelta(days=30))
    client = login(world.users["committee_head"])
    url = f"/points/households/{world.household.pk}/"

    def add(n):
        for i in range(n):
            _approve(world, _record(world, on=_today() - timedelta(days=i % 30)))

    add(3)
    few = _count_queries(client, url)
    add(27)
    assert _count_queries(client, url) == few
    assert few <= 14, f"{few} queries"


def test_household_detail_links_to_the_points_page(world, scheme, login, credit_for):
    credit_for(world.household, on=_today() - timedelta(days=30))
    html = login(world.users["villager"]).get(f"/households/{world.household.pk}/").content.decode()
    assert "积分明细与评级依据" in html and f"/points/households/{world.household.pk}/" in html
    assert household_grade(world.household, _today()).result.grade_label in html


def test_navigation_by_capability(world, login):
    assert "/points/review/" in login(world.users["committee_member"]).get("/").content.decode()
    html = login(world.users["subteam_member"]).get("/").content.decode()
    assert "/points/record/" in html and "/points/batch/" in html and "/points/review/" not in html
    html = login(world.users["villager"]).get("/").content.decode()
    assert "/points/record/" not in html and "/points/review/" not in html


def test_every_photo_field_lets_the_user_choose_the_camera_or_the_album():
    """`capture` would force the camera on many phones; without it the phone asks."""
    from sanxin.ledger.forms import BatchForm, EntryForm
    from sanxin.ratings.forms import AppealFileForm

    for form_class in (EntryForm, BatchForm, AppealFileForm):
        field = form_class.base_fields["photos"]
        attrs = field.widget.attrs
        assert attrs.get("accept") == "image/*", form_class.__name__
        assert "capture" not in attrs, form_class.__name__
        assert "可以拍照或从相册选择" in str(field.help_text), form_class.__name__
