"""Village activities: publishing, sign-ups within the capacity, check-in by the
rotating code and by the list (once per person), attendance as pending entries
(once per person, whoever presses, however often), approved by another member."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from sanxin.engagement import checkin_codes
from sanxin.engagement.models import Activity, CheckIn, SignUp
from sanxin.engagement.services import activities as svc
from sanxin.ledger.choices import Source
from sanxin.ledger.models import Entry
from sanxin.ledger.services import entries_review_bulk
from sanxin.notifications.models import Notification
from tests.engagement.conftest import head_of
from tests.factories import make_household, make_user


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def publish(world, now, *, starts_in=timedelta(minutes=5), length=timedelta(hours=2), **kw):
    values = {
        "actor": world.users["committee_head"],
        "village": world.village_a1,
        "kind": "volunteer",
        "title": "清理河道",
        "place": "村委会门前",
        "starts_at": now + starts_in,
        "ends_at": now + starts_in + length,
        "item_code": "public.volunteer",
        "now": now,
    } | kw
    return svc.activity_publish(**values)


@pytest.fixture
def villager(world):
    """The world's villager login, linked to the head of the main household."""
    user = world.users["villager"]
    user.person = head_of(world.household)
    user.save()
    return user


@pytest.fixture
def neighbour(world):
    """A villager of the neighbouring village A2, linked to a person there."""
    user = world.users["other_villager"]
    user.person = head_of(world.household_a2)
    user.save()
    return user


# --- publishing ------------------------------------------------------------------------


def test_publish_checks_the_scheme_item(world, scheme, now):
    activity = publish(world, now)
    assert activity.item_code == "public.volunteer"
    for code, words in [
        ("no.such", "不在本村的评分方案"),
        ("env.dumping", "扣分项"),
        ("public.donation", "按户记分"),
    ]:
        with pytest.raises(ValidationError) as exc:
            publish(world, now, item_code=code)
        assert words in str(exc.value)
    assert publish(world, now, item_code="").item_code == ""


def test_who_publishes_where(world, scheme, now):
    with pytest.raises(PermissionDenied):
        publish(world, now, actor=world.users["neighbour_committee_head"])
    with pytest.raises(PermissionDenied):  # a sub-team only for its own group
        publish(world, now, actor=world.users["subteam_member"])
    ok = publish(world, now, actor=world.users["subteam_member"], group=world.group_a1_1)
    assert ok.group == world.group_a1_1
    with pytest.raises(PermissionDenied):
        publish(world, now, actor=world.users["other_group_subteam"], group=world.group_a1_1)
    with pytest.raises(ValidationError):  # a group of another village
        publish(world, now, group=world.group_a2_1)
    with pytest.raises(ValidationError):
        publish(world, now, starts_in=-timedelta(hours=3))  # already over


# --- sign-ups ----------------------------------------------------------------------------


def test_capacity_withdraw_and_sign_up_again(world, scheme, now, villager):
    activity = publish(world, now, capacity=1)
    me = head_of(world.household)
    svc.signup_add(actor=villager, activity=activity, person=me, now=now)
    with pytest.raises(ValidationError, match="已经报名"):
        svc.signup_add(actor=villager, activity=activity, person=me, now=now)
    other = head_of(world.household_a1_2)
    with pytest.raises(ValidationError, match="报名人数已满"):
        svc.signup_add(
            actor=world.users["committee_head"], activity=activity, person=other, now=now
        )
    signup = SignUp.objects.get(person=me)
    svc.signup_withdraw(actor=villager, signup=signup, now=now)
    svc.signup_add(actor=world.users["committee_head"], activity=activity, person=other, now=now)
    with pytest.raises(ValidationError, match="报名人数已满"):
        svc.signup_add(actor=villager, activity=activity, person=me, now=now)


def test_villagers_sign_up_only_their_own_household(world, scheme, now, villager, neighbour):
    activity = publish(world, now)
    with pytest.raises(PermissionDenied):
        svc.signup_add(
            actor=villager, activity=activity, person=head_of(world.household_a1_2), now=now
        )
    with pytest.raises(ValidationError, match="不是本村在册村民"):
        svc.signup_add(
            actor=neighbour, activity=activity, person=head_of(world.household_a2), now=now
        )
    with pytest.raises(ValidationError, match="已经开始"):
        svc.signup_add(
            actor=villager,
            activity=activity,
            person=head_of(world.household),
            now=activity.starts_at,
        )


@pytest.fixture
def committing(transactional_db):
    """Threads see each other's writes only when they commit; Django then empties the
    tables, for which the append-only triggers are dropped (as in the ledger's race
    tests)."""
    from sanxin.lib.append_only import append_only_tables, create_triggers, drop_triggers
    from sanxin.rules.services import scheme_versions_unfreeze_for_erase

    create_triggers(append_only_tables())
    yield
    drop_triggers()
    scheme_versions_unfreeze_for_erase()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises write transactions (and in-memory SQLite is one "
    "connection's): the race for the last places needs PostgreSQL",
)
def test_no_overbooking_under_concurrency(committing, world, scheme, now):
    """Eight people sign up at once for three places: exactly three get in."""
    activity = publish(world, now, capacity=3)
    people = [
        head_of(make_household(world.village_a1, world.group_a1_1, f"2{i:02d}", head_seq=600 + i))
        for i in range(8)
    ]
    actor = world.users["committee_head"]
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def sign_up(person):
        try:
            barrier.wait()
            svc.signup_add(actor=actor, activity=activity, person=person, now=now)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["full"] * 5 + ["ok"] * 3
    assert SignUp.objects.filter(activity=activity, cancelled_at__isnull=True).count() == 3


def test_cancel_tells_the_signed_up_households(world, scheme, now, villager):
    activity = publish(world, now)
    svc.signup_add(actor=villager, activity=activity, person=head_of(world.household), now=now)
    with pytest.raises(PermissionDenied):
        svc.activity_cancel(
            actor=world.users["subteam_member"], activity=activity, reason="下雨", now=now
        )
    svc.activity_cancel(actor=world.users["committee_head"], activity=activity, reason="下雨")
    note = Notification.objects.get(household=world.household)
    assert "已取消" in note.title and "下雨" in note.body
    with pytest.raises(ValidationError, match="已取消"):
        svc.signup_add(actor=villager, activity=activity, person=head_of(world.household), now=now)


# --- check-in ------------------------------------------------------------------------------


def test_scan_checks_in_once(world, scheme, now, villager):
    activity = publish(world, now, starts_in=-timedelta(minutes=1))
    code = checkin_codes.code_for(activity, now)
    first = svc.checkin_by_code(actor=villager, activity=activity, code=code, now=now)
    again = svc.checkin_by_code(actor=villager, activity=activity, code=code, now=now)
    assert first.created and not again.created
    assert CheckIn.objects.filter(activity=activity).count() == 1
    assert first.checkin.method == "qr" and first.checkin.person == head_of(world.household)


def test_expired_foreign_and_late_codes_are_refused(world, scheme, now, villager):
    activity = publish(world, now, starts_in=-timedelta(minutes=30))
    other = publish(world, now, starts_in=-timedelta(minutes=30), title="另一个活动")
    old = checkin_codes.code_for(activity, now - timedelta(minutes=3))
    with pytest.raises(ValidationError, match="已过期"):
        svc.checkin_by_code(actor=villager, activity=activity, code=old, now=now)
    foreign = checkin_codes.code_for(other, now)
    with pytest.raises(ValidationError, match="不是本活动的签到码"):
        svc.checkin_by_code(actor=villager, activity=activity, code=foreign, now=now)
    late = activity.ends_at + timedelta(seconds=30)
    with pytest.raises(ValidationError, match="已经结束"):
        svc.checkin_by_code(
            actor=villager,
            activity=activity,
            code=checkin_codes.code_for(activity, late),
            now=late,
        )
    assert not CheckIn.objects.exists()


def test_another_villages_villager_and_unlinked_logins_are_refused(world, scheme, now, neighbour):
    activity = publish(world, now, starts_in=timedelta(0))
    code = checkin_codes.code_for(activity, now)
    with pytest.raises(PermissionDenied, match="其他村"):
        svc.checkin_by_code(actor=neighbour, activity=activity, code=code, now=now)
    with pytest.raises(PermissionDenied, match="没有关联到本人"):
        svc.checkin_by_code(
            actor=world.users["committee_member"], activity=activity, code=code, now=now
        )
    assert not CheckIn.objects.exists()


def test_list_check_in(world, scheme, now):
    activity = publish(world, now, starts_in=timedelta(0))
    head = world.users["committee_head"]
    me, them = head_of(world.household), head_of(world.household_a1_2)
    results = svc.checkin_by_list(actor=head, activity=activity, people=[me, them], now=now)
    assert [r.created for r in results] == [True, True]
    again = svc.checkin_by_list(actor=head, activity=activity, people=[me], now=now)
    assert [r.created for r in again] == [False]
    with pytest.raises(ValidationError, match="不是本村在册村民"):
        svc.checkin_by_list(
            actor=head, activity=activity, people=[head_of(world.household_a2)], now=now
        )
    with pytest.raises(PermissionDenied):
        svc.checkin_by_list(
            actor=world.users["neighbour_committee_head"], activity=activity, people=[me], now=now
        )
    with pytest.raises(ValidationError, match="已经结束"):
        svc.checkin_by_list(
            actor=head, activity=activity, people=[me], now=activity.ends_at + timedelta(minutes=1)
        )
    assert CheckIn.objects.filter(activity=activity, method="list").count() == 2


# --- attendance → points -------------------------------------------------------------------


def _checked_in(world, now, people):
    activity = publish(world, now, starts_in=-timedelta(minutes=5))
    svc.checkin_by_list(
        actor=world.users["committee_head"], activity=activity, people=people, now=now
    )
    return activity


def test_attendance_becomes_pending_entries_once(world, scheme, now):
    people = [head_of(world.household), head_of(world.household_a1_2)]
    activity = _checked_in(world, now, people)
    result = svc.attendance_record(actor=world.users["committee_head"], activity=activity)
    assert len(result.entries) == 2 and not result.problems
    entries = Entry.objects.filter(source=Source.ACTIVITY)
    assert {(e.person_id, e.item_code, e.points) for e in entries} == {
        (p.pk, "public.volunteer", 1) for p in people
    }
    # Pressed again, by the same organiser or by another: nothing new.
    assert (
        svc.attendance_record(actor=world.users["committee_head"], activity=activity).entries == []
    )
    assert (
        svc.attendance_record(actor=world.users["committee_deputy"], activity=activity).entries
        == []
    )
    assert entries.count() == 2
    assert set(CheckIn.objects.values_list("entry_id", flat=True)) == {e.pk for e in entries}
    # Approved in bulk by another member; never by the recorder.
    with pytest.raises(ValidationError):
        entries_review_bulk(actor=world.users["committee_head"], entries=entries, approve=True)
    reviews = entries_review_bulk(
        actor=world.users["committee_member"], entries=entries, approve=True
    )
    assert len(reviews) == 2


def test_a_late_check_in_is_recorded_on_the_next_press(world, scheme, now):
    activity = _checked_in(world, now, [head_of(world.household)])
    svc.attendance_record(actor=world.users["committee_head"], activity=activity)
    svc.checkin_by_list(
        actor=world.users["committee_head"],
        activity=activity,
        people=[head_of(world.household_a1_2)],
        now=now,
    )
    again = svc.attendance_record(actor=world.users["committee_head"], activity=activity)
    assert [e.household for e in again.entries] == [world.household_a1_2]
    assert Entry.objects.count() == 2


def test_the_organisers_own_household_is_left_for_another_member(world, scheme, now):
    """Recusal: the committee head who lives in household 001 records the others."""
    head = world.users["committee_head"]
    head.person = head_of(world.household)
    head.save()
    activity = _checked_in(world, now, [head_of(world.household), head_of(world.household_a1_2)])
    result = svc.attendance_record(actor=head, activity=activity)
    assert len(result.entries) == 1 and "回避" in result.problems[0]
    other = svc.attendance_record(actor=world.users["committee_deputy"], activity=activity)
    assert [e.household for e in other.entries] == [world.household]


def test_no_entries_without_an_item_and_no_shows(world, scheme, now, villager):
    activity = publish(world, now, item_code="", starts_in=timedelta(minutes=5))
    with pytest.raises(ValidationError, match="没有设定积分项"):
        svc.attendance_record(actor=world.users["committee_head"], activity=activity)
    svc.signup_add(actor=villager, activity=activity, person=head_of(world.household), now=now)
    from sanxin.engagement import activity_selectors as sel

    assert [s.person for s in sel.no_shows(activity)] == [head_of(world.household)]


# --- pages ------------------------------------------------------------------------------------


def test_scan_pages(world, scheme, login, villager, neighbour):
    now = timezone.now()
    activity = publish(world, now, starts_in=-timedelta(minutes=1))
    url = f"/village/activities/{activity.pk}/checkin/{checkin_codes.code_for(activity, now)}/"
    client = login(villager)
    first = client.get(url)
    assert first.status_code == 200 and "签到成功" in first.content.decode()
    second = client.get(url)
    assert "已签到" in second.content.decode() and "签到成功" not in second.content.decode()
    assert CheckIn.objects.count() == 1
    stale = checkin_codes.code_for(activity, now - timedelta(minutes=5))
    assert client.get(f"/village/activities/{activity.pk}/checkin/{stale}/").status_code == 400
    client.logout()
    refused = login(neighbour).get(url)
    assert refused.status_code == 403 and "其他村" in refused.content.decode()
    assert activity.title not in refused.content.decode()


def test_code_page_shows_the_qr_only_in_the_window(world, scheme, login):
    now = timezone.now()
    open_now = publish(world, now, starts_in=timedelta(minutes=5))
    later = publish(world, now, starts_in=timedelta(hours=5))
    client = login(world.users["committee_head"])
    page = client.get(f"/village/activities/{open_now.pk}/code/").content.decode()
    assert "<svg" in page and 'hx-trigger="every' in page
    live = client.get(f"/village/activities/{open_now.pk}/code/live/").content.decode()
    assert "<svg" in live and "<html" not in live
    closed = client.get(f"/village/activities/{later.pk}/code/").content.decode()
    assert "<svg" not in closed and "还没有开始签到" in closed
    assert (
        login(world.users["villager"]).get(f"/village/activities/{open_now.pk}/code/").status_code
        == 403
    )


def test_villager_signs_up_on_the_page(world, scheme, login, villager):
    activity = publish(world, timezone.now(), starts_in=timedelta(days=1))
    client = login(villager)
    page = client.get(f"/village/activities/{activity.pk}/").content.decode()
    assert "我要报名" in page
    me = head_of(world.household)
    client.post(f"/village/activities/{activity.pk}/signup/", {"person": me.pk})
    assert SignUp.objects.filter(activity=activity, person=me, cancelled_at=None).exists()
    listing = client.get("/village/activities/").content.decode()
    assert "我家的报名与签到" in listing and "清理河道" in listing
    # another household's member cannot be signed up by this villager
    other = head_of(world.household_a1_2)
    assert (
        client.post(f"/village/activities/{activity.pk}/signup/", {"person": other.pk}).status_code
        == 404
    )


def test_attendance_page_records_and_lists(world, scheme, login):
    now = timezone.now()
    activity = _checked_in(world, now, [head_of(world.household)])
    client = login(world.users["committee_head"])
    response = client.post(f"/village/activities/{activity.pk}/attendance/")
    assert response.status_code == 302
    assert Entry.objects.filter(source=Source.ACTIVITY).count() == 1
    page = client.get(f"/village/activities/{activity.pk}/attendance/").content.decode()
    assert "待审核" in page and "/points/review/?" in page


def test_list_page_query_count(world, scheme, login, villager, django_assert_max_num_queries):
    now = timezone.now()
    for i in range(12):
        a = publish(world, now, starts_in=timedelta(days=1 + i), title=f"活动{i}")
        svc.signup_add(actor=villager, activity=a, person=head_of(world.household), now=now)
    client = login(villager)
    client.get("/village/activities/")
    with django_assert_max_num_queries(14):
        response = client.get("/village/activities/")
    assert response.content.decode().count("活动1") >= 2
    staff = login(world.users["committee_head"])
    staff.get("/village/activities/")
    with django_assert_max_num_queries(16):
        staff.get("/village/activities/")


def test_past_activity_for_the_demo(world, scheme):
    """The demo builds a past activity with its attendance, through explicit moments."""
    past = timezone.now() - timedelta(days=20)
    activity = publish(world, past, starts_in=timedelta(days=1))
    during = activity.starts_at + timedelta(minutes=10)
    svc.checkin_by_list(
        actor=world.users["committee_head"],
        activity=activity,
        people=[head_of(world.household)],
        now=during,
    )
    result = svc.attendance_record(
        actor=world.users["committee_head"], activity=activity, today=timezone.localdate(during)
    )
    assert result.entries[0].occurred_on == timezone.localdate(activity.starts_at)
    assert Activity.objects.get(pk=activity.pk).published_at == past


def test_a_second_person_makes_no_double_entry_with_two_organisers(world, scheme, now):
    """A sub-team member of group 1 records their group's people; the other group's
    are left for the committee."""
    activity = _checked_in(world, now, [head_of(world.household), head_of(world.household_a1_2)])
    result = svc.attendance_record(actor=world.users["committee_head"], activity=activity)
    assert len(result.entries) == 2
    sub = make_user("sub2", "subteam_member", region=world.group_a1_1)
    with pytest.raises(PermissionDenied):
        svc.attendance_record(actor=sub, activity=activity)


def test_activity_finished_for_the_demo(world, scheme):
    day = timezone.now() - timedelta(days=30)
    came, absent = head_of(world.household), head_of(world.household_a1_2)
    activity = svc.activity_finished(
        organiser=world.users["committee_head"],
        village=world.village_a1,
        kind="cleanup",
        title="春季环境整治",
        place="村主干道",
        starts_at=day,
        ends_at=day + timedelta(hours=3),
        item_code="public.labour",
        signed_up=[came, absent],
        present=[came],
        approver=world.users["committee_member"],
    )
    from sanxin.engagement import activity_selectors as sel

    assert [s.person for s in sel.no_shows(activity)] == [absent]
    checkin = CheckIn.objects.get(activity=activity)
    assert checkin.person == came and checkin.entry.review.approved
    assert checkin.entry.points == 5


def test_organiser_pages_query_counts(world, scheme, login, django_assert_max_num_queries):
    now = timezone.now()
    activity = publish(world, now, starts_in=timedelta(minutes=5))
    people = [
        head_of(make_household(world.village_a1, world.group_a1_1, f"3{i:02d}", head_seq=800 + i))
        for i in range(15)
    ]
    head = world.users["committee_head"]
    for p in people:
        svc.signup_add(actor=head, activity=activity, person=p, now=now)
    svc.checkin_by_list(actor=head, activity=activity, people=people[:10], now=now)
    client = login(head)
    for url in ["list/", "attendance/", ""]:
        client.get(f"/village/activities/{activity.pk}/{url}")
        with django_assert_max_num_queries(16):
            response = client.get(f"/village/activities/{activity.pk}/{url}?q=300")
        assert response.status_code == 200


def test_a_sub_team_organises_its_groups_activity(world, scheme, now):
    sub = world.users["subteam_member"]
    activity = publish(
        world, now, actor=sub, group=world.group_a1_1, starts_in=-timedelta(minutes=5)
    )
    assert svc.may_organise(sub, activity)
    assert not svc.may_organise(world.users["other_group_subteam"], activity)
    svc.checkin_by_list(
        actor=sub,
        activity=activity,
        people=[head_of(world.household), head_of(world.household_a1_2)],
        now=now,
    )
    result = svc.attendance_record(actor=sub, activity=activity)
    assert [e.household for e in result.entries] == [world.household]
    assert len(result.problems) == 1 and "李二河" in result.problems[0]
    rest = svc.attendance_record(actor=world.users["committee_head"], activity=activity)
    assert [e.household for e in rest.entries] == [world.household_a1_2]


@pytest.mark.parametrize("title", ["清理\u202e河道", "清理\u200b河道", "a\x00b"])
def test_crafted_text_is_refused(world, scheme, now, title):
    with pytest.raises(ValidationError):
        publish(world, now, title=title)
    assert not Activity.objects.exists()
