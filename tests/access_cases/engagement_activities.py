"""Village activities: the list, publishing, one activity, sign-up and withdrawal,
cancelling, the organiser's rotating code, the scan, the check-in list and the
attendance page. The activity belongs to village A1 (no group), so its organisers are
A1's committee; a sub-team organises only its own group's activities."""

from __future__ import annotations

from datetime import timedelta

from tests.access_cases import COMMITTEE, Case
from tests.access_cases.effects import audited, succeeded

# Perm.ENGAGE_VIEW anywhere (not the credit union, not the shop clerk).
VIEWERS = {
    "district_admin",
    "department_viewer",
    "town_admin",
    "committee_head",
    "committee_deputy",
    "committee_member",
    "subteam_member",
    "villager",
    "other_district_admin",
    "other_town_admin",
    "neighbour_committee_head",
    "other_group_subteam",
    "other_villager",
}
PUBLISHERS = COMMITTEE | {"subteam_member", "neighbour_committee_head", "other_group_subteam"}
# Who sees village A1's activities.
SEES_A1 = {
    "district_admin",
    "department_viewer",
    "town_admin",
    "subteam_member",
    "villager",
    "other_group_subteam",
    "other_villager",
} | COMMITTEE
TITLE = "村部门前环境整治"


def _head(w):
    return w.household.members.get(is_head=True)


def _activity(w):
    """An activity of village A1 whose check-in window is open (it starts in five
    minutes), worth public.volunteer."""
    from django.utils import timezone

    from sanxin.engagement.models import Activity
    from sanxin.engagement.services.activities import activity_publish
    from sanxin.rules.services import scheme_install_default

    found = Activity.objects.filter(title=TITLE).first()
    if found:
        return found
    scheme_install_default(district=w.district)
    now = timezone.now()
    return activity_publish(
        actor=w.users["committee_head"],
        village=w.village_a1,
        kind="cleanup",
        title=TITLE,
        place="村委会",
        starts_at=now + timedelta(minutes=5),
        ends_at=now + timedelta(hours=2),
        item_code="public.volunteer",
    )


def _signed_up(w):
    from sanxin.engagement.models import SignUp
    from sanxin.engagement.services.activities import signup_add

    activity = _activity(w)
    if not SignUp.objects.filter(activity=activity).exists():
        signup_add(actor=w.users["committee_head"], activity=activity, person=_head(w))


def _linked_villager(w):
    _activity(w)
    villager = w.users["villager"]
    villager.person = _head(w)
    villager.save()


def _checked_in(w):
    from sanxin.engagement.models import CheckIn
    from sanxin.engagement.services.activities import checkin_by_list

    activity = _activity(w)
    if not CheckIn.objects.filter(activity=activity).exists():
        checkin_by_list(actor=w.users["committee_head"], activity=activity, people=[_head(w)])


def _scan_url(w):
    from django.utils import timezone

    from sanxin.engagement.checkin_codes import code_for

    activity = _activity(w)
    return f"/village/activities/{activity.pk}/checkin/{code_for(activity, timezone.now())}/"


def _published(w, username):
    from sanxin.engagement.models import Activity

    succeeded(w, username)
    activity = Activity.objects.get(title="新发布的培训")
    assert activity.published_by == w.users[username]
    audited(w, username, "activity.publish", object_id=str(activity.pk))


def _publish_data(w):
    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=3)
    return {
        "where": w.village_a1.pk,
        "kind": "training",
        "title": "新发布的培训",
        "day": day.isoformat(),
        "starts": "09:00",
        "ends": "11:00",
        "place": "村文化广场",
        "item_code": "affairs.training",
    }


def _signup_done(w, username):
    from sanxin.engagement.models import SignUp

    succeeded(w, username)
    signup = SignUp.objects.get(person=_head(w), cancelled_at=None)
    assert signup.signed_up_by == w.users[username]
    audited(w, username, "signup.add")


def _withdrawn(w, username):
    from sanxin.engagement.models import SignUp

    succeeded(w, username)
    assert SignUp.objects.get(person=_head(w)).cancelled_at is not None
    audited(w, username, "signup.withdraw")


def _cancelled(w, username):
    succeeded(w, username)
    activity = _activity(w)
    activity.refresh_from_db()
    assert activity.cancelled_by == w.users[username] and activity.cancel_reason == "下大雨"
    audited(w, username, "activity.cancel")


def _ticked(w, username):
    from sanxin.engagement.models import CheckIn

    succeeded(w, username)
    checkin = CheckIn.objects.get(person=_head(w))
    assert (checkin.method, checkin.checked_in_by) == ("list", w.users[username])
    audited(w, username, "checkin.add")


def _recorded(w, username):
    from sanxin.engagement.models import CheckIn
    from sanxin.ledger.models import Entry, Review

    succeeded(w, username)
    checkin = CheckIn.objects.get(person=_head(w))
    assert checkin.entry is not None and checkin.entry.recorded_by == w.users[username]
    assert Entry.objects.count() == 1 and not Review.objects.exists()  # pending
    audited(w, username, "attendance.record")


def _signup_pk(w):
    from sanxin.engagement.models import SignUp

    return SignUp.objects.get(person=_head(w)).pk


CASES = [
    Case("engagement:activities", lambda w: "/village/activities/", VIEWERS, setup=_activity),
    Case("engagement:activity_new", lambda w: "/village/activities/new/", PUBLISHERS),
    Case(
        "engagement:activity_new",
        lambda w: "/village/activities/new/",
        COMMITTEE,
        method="post",
        data=_publish_data,
        setup=_activity,  # installs the scheme too
        effect=_published,
    ),
    Case(
        "engagement:activity",
        lambda w: f"/village/activities/{_activity(w).pk}/",
        SEES_A1,
        setup=_activity,
    ),
    Case(
        "engagement:activity_signup",
        lambda w: f"/village/activities/{_activity(w).pk}/signup/",
        COMMITTEE | {"villager"},
        method="post",
        data=lambda w: {"person": _head(w).pk},
        setup=_activity,
        effect=_signup_done,
    ),
    Case(
        "engagement:activity_signup_withdraw",
        lambda w: f"/village/activities/signups/{_signup_pk(w)}/withdraw/",
        COMMITTEE | {"villager"},
        method="post",
        setup=_signed_up,
        effect=_withdrawn,
    ),
    Case(
        "engagement:activity_cancel",
        lambda w: f"/village/activities/{_activity(w).pk}/cancel/",
        COMMITTEE,
        method="post",
        data=lambda w: {"reason": "下大雨"},
        setup=_activity,
        effect=_cancelled,
    ),
    Case(
        "engagement:activity_code",
        lambda w: f"/village/activities/{_activity(w).pk}/code/",
        COMMITTEE,
        setup=_activity,
    ),
    Case(
        "engagement:activity_code_live",
        lambda w: f"/village/activities/{_activity(w).pk}/code/live/",
        COMMITTEE,
        setup=_activity,
    ),
    # The scan checks in the signed-in person (a GET, one scan is all an elder needs):
    # only a login linked to a person of the village is checked in; every other user
    # is refused (403), and nothing is written for them.
    Case(
        "engagement:activity_checkin",
        _scan_url,
        {"villager"},
        setup=_linked_villager,
    ),
    Case(
        "engagement:activity_checklist",
        lambda w: f"/village/activities/{_activity(w).pk}/list/",
        COMMITTEE,
        setup=_signed_up,
    ),
    Case(
        "engagement:activity_checklist",
        lambda w: f"/village/activities/{_activity(w).pk}/list/",
        COMMITTEE,
        method="post",
        data=lambda w: {"people": [_head(w).pk]},
        setup=_activity,
        effect=_ticked,
    ),
    Case(
        "engagement:activity_attendance",
        lambda w: f"/village/activities/{_activity(w).pk}/attendance/",
        COMMITTEE,
        setup=_checked_in,
    ),
    Case(
        "engagement:activity_attendance",
        lambda w: f"/village/activities/{_activity(w).pk}/attendance/",
        COMMITTEE,
        method="post",
        setup=_checked_in,
        effect=_recorded,
    ),
]
