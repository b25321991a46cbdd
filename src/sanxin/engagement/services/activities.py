"""Village activities (村内活动): publishing and cancelling, sign-ups within the
capacity, check-in by the rotating QR code or by the organiser's list, and
attendance turned into pending ledger entries (one per person per activity, never
two), approved by another member in the ledger's review.

Who organises: the village committee for any activity of its village, a sub-team
(分团) for its villager group's (`Activity.group`): `Perm.ENGAGE_PUBLISH` over the
group, or over the village when the activity has no group. Villagers
(`Perm.ENGAGE_TAKE_PART`) sign up members of their own household for their village's
activities, and check themselves in by scanning the code (their login must be linked
to them as a person, `User.person`).

Every service takes the moment it acts at (`now`, default `timezone.now()`), so the
demo can build past activities with their attendance (`activity_publish(...,
now=past)`, `checkin_by_list(..., now=during)`, `attendance_record(..., today=...)`),
or in one call `activity_finished`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.engagement import checkin_codes
from sanxin.engagement.choices import ActivityKind, CheckInMethod
from sanxin.engagement.models import Activity, CheckIn, SignUp
from sanxin.households.models import Person
from sanxin.ledger.choices import Source
from sanxin.ledger.services import EntryRequest, entries_review_bulk, entry_record
from sanxin.lib.text import clean_line, clean_text
from sanxin.notifications.choices import Kind
from sanxin.notifications.services import notify
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.selectors import scheme_for_village

log = logging.getLogger(__name__)

# The notification kind of an activity's news (cancelled).
NOTIFY_KIND = Kind.ACTIVITY

MAX_CAPACITY = 10_000


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _where(activity: Activity) -> Region:
    """The region an activity belongs to: its villager group's, else its village."""
    return activity.group if activity.group is not None else activity.village


def may_organise(actor: User | None, activity: Activity) -> bool:
    """Whether `actor` organises `activity` (the committee of its village, or the
    sub-team of its group)."""
    return scope_for(actor).covers_region(_where(activity), Perm.ENGAGE_PUBLISH)


def _check_organise(actor: User | None, activity: Activity) -> None:
    if not may_organise(actor, activity):
        raise PermissionDenied("只有本村“两委”或发布活动的分团可以组织该活动")


def _audit(actor, action: str, obj, region: Region, at: datetime, **after) -> None:
    audit(actor=actor, action=action, obj=obj, region_path=region.path, at=at, after=after)


def item_problem(village: Region, item_code: str, on: date) -> str:
    """Why `item_code` cannot be an activity's points item in `village` on `on` ('' if
    it can): it must be an item of the scheme in force, positive, and counted per
    person (attendance is a person's)."""
    if not item_code:
        return ""
    version = scheme_for_village(village, on)
    if version is None:
        return f"{on:%Y-%m-%d} 时本村还没有生效的评分方案"
    item = version.scheme.find_item(item_code)
    if item is None:
        return f"积分项“{item_code}”不在本村的评分方案（{version.name} {version.version}）中"
    if item.points <= 0:
        return f"“{item.name}”是扣分项，不能作为参加活动的积分"
    if item.applies_to != "person":
        return f"“{item.name}”按户记分，参加活动的积分须是按人记分的项目"
    return ""


def activity_items(village: Region, on: date) -> list[tuple[str, str]]:
    """The items an activity of `village` may earn on `on`: (code, label)."""
    version = scheme_for_village(village, on)
    if version is None:
        return []
    return [
        (i.code, f"{i.name}（+{i.points.normalize():f} 分）")
        for i in version.scheme.items
        if i.points > 0 and i.applies_to == "person"
    ]


@transaction.atomic
def activity_publish(
    *,
    actor: User,
    village: Region,
    kind: str,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    group: Region | None = None,
    description: str = "",
    capacity: int | None = None,
    item_code: str = "",
    now: datetime | None = None,
) -> Activity:
    """Publish an activity of `village` (of its villager `group` for a sub-team)."""
    now = _now(now)
    if village.level != Level.VILLAGE:
        raise ValidationError({"village": ["请选择一个村"]})
    if group is not None and group.parent_id != village.pk:
        raise ValidationError({"group": ["该村民小组不属于本村"]})
    if not scope_for(actor).covers_region(group or village, Perm.ENGAGE_PUBLISH):
        raise PermissionDenied("无权在此发布活动（分团只能为本小组发布）")
    errors: dict[str, list[str]] = {}
    if kind not in ActivityKind.values:
        errors["kind"] = ["请选择活动类型"]
    if ends_at <= starts_at:
        errors["ends_at"] = ["结束时间须晚于开始时间"]
    if ends_at <= now:
        errors["ends_at"] = errors.get("ends_at", []) + ["活动已经结束，不能发布"]
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = [f"人数上限须在 1 到 {MAX_CAPACITY} 之间（不限人数请留空）"]
    item_code = (item_code or "").strip()
    if problem := item_problem(village, item_code, timezone.localdate(starts_at)):
        errors["item_code"] = [problem]
    if errors:
        raise ValidationError(errors)
    activity = Activity(
        village=village,
        group=group,
        kind=kind,
        title=clean_line(title, "名称", field="title"),
        description=clean_text(description, "内容", field="description"),
        place=clean_line(place, "地点", field="place"),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        item_code=item_code,
        published_by=actor,
        published_at=now,
    )
    activity.full_clean()
    activity.save()
    _audit(
        actor,
        "activity.publish",
        activity,
        _where(activity),
        now,
        title=activity.title,
        starts_at=activity.starts_at.isoformat(),
        item=item_code,
        capacity=capacity,
    )
    return activity


def _locked(activity: Activity) -> Activity:
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("village", "group")
        .get(pk=activity.pk)
    )


@transaction.atomic
def activity_cancel(
    *, actor: User, activity: Activity, reason: str, now: datetime | None = None
) -> Activity:
    """Cancel an activity that has not ended; the households of its sign-ups are told."""
    now = _now(now)
    _check_organise(actor, activity)
    activity = _locked(activity)
    reason = clean_line(reason, "取消原因", field="reason")
    if not reason:
        raise ValidationError({"reason": ["请填写取消原因"]})
    if activity.cancelled_at is not None:
        raise ValidationError("该活动已经取消")
    if activity.ends_at <= now:
        raise ValidationError("活动已经结束，不能取消")
    activity.cancelled_at, activity.cancelled_by, activity.cancel_reason = now, actor, reason
    activity.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    households = set(
        activity.signups.filter(cancelled_at__isnull=True).values_list("household_id", flat=True)
    )
    notify(
        households=sorted(households),
        kind=NOTIFY_KIND,
        title=f"活动“{activity.title}”（{timezone.localtime(activity.starts_at):%m-%d %H:%M}）已取消",
        body=f"取消原因：{reason}",
        url=reverse("engagement:activity", args=[activity.pk]),
        at=now,
    )
    _audit(actor, "activity.cancel", activity, _where(activity), now, reason=reason)
    return activity


# --- sign-ups ---------------------------------------------------------------------------


def _check_may_sign_up(actor: User | None, activity: Activity, person: Person) -> None:
    scope = scope_for(actor)
    household = person.household
    if household.village_id != activity.village_id or not person.active:
        raise ValidationError(f"{person.name} 不是本村在册村民，不能报名本村活动")
    if household.pk in scope.own_household_ids() and scope.has(Perm.ENGAGE_TAKE_PART):
        return
    if scope.covers_household(household, Perm.ENGAGE_PUBLISH) and may_organise(actor, activity):
        return
    raise PermissionDenied("只能为本户成员报名，或由组织活动的分团、村“两委”代为报名")


@transaction.atomic
def signup_add(
    *, actor: User, activity: Activity, person: Person, now: datetime | None = None
) -> SignUp:
    """Sign `person` up (a villager for a member of their own household, or the
    organiser for anyone of the village). The capacity holds under concurrency: the
    activity's row is locked while the sign-ups are counted and the new one written."""
    now = _now(now)
    person = Person.objects.select_related("household__villager_group").get(pk=person.pk)
    _check_may_sign_up(actor, activity, person)
    activity = _locked(activity)
    if activity.cancelled_at is not None:
        raise ValidationError("该活动已取消")
    if activity.starts_at <= now:
        raise ValidationError("活动已经开始，不能再报名")
    existing = SignUp.objects.filter(activity=activity, person=person).first()
    if existing is not None and existing.cancelled_at is None:
        raise ValidationError(f"{person.name} 已经报名")
    if activity.capacity is not None:
        taken = activity.signups.filter(cancelled_at__isnull=True).count()
        if taken >= activity.capacity:
            raise ValidationError(f"报名人数已满（上限 {activity.capacity} 人）")
    if existing is not None:  # signed up again after withdrawing
        existing.cancelled_at, existing.signed_up_by, existing.signed_up_at = None, actor, now
        existing.save(update_fields=["cancelled_at", "signed_up_by", "signed_up_at"])
        signup = existing
    else:
        signup = SignUp.objects.create(
            activity=activity,
            person=person,
            household=person.household,
            signed_up_by=actor,
            signed_up_at=now,
        )
    _audit(actor, "signup.add", signup, person.household.villager_group, now, activity=activity.pk)
    return signup


@transaction.atomic
def signup_withdraw(*, actor: User, signup: SignUp, now: datetime | None = None) -> SignUp:
    """Withdraw a sign-up before the activity starts."""
    now = _now(now)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    person = Person.objects.select_related("household__villager_group").get(pk=signup.person_id)
    activity = Activity.objects.select_related("village", "group").get(pk=signup.activity_id)
    _check_may_sign_up(actor, activity, person)
    if signup.cancelled_at is not None:
        raise ValidationError("该报名已经取消")
    if activity.starts_at <= now:
        raise ValidationError("活动已经开始，不能取消报名")
    signup.cancelled_at = now
    signup.save(update_fields=["cancelled_at"])
    _audit(
        actor,
        "signup.withdraw",
        signup,
        person.household.villager_group,
        now,
        activity=activity.pk,
    )
    return signup


# --- check-in ---------------------------------------------------------------------------


@dataclass
class CheckInResult:
    checkin: CheckIn
    created: bool  # False: the person was already checked in; nothing was recorded


def _check_in(
    *, actor: User, activity: Activity, person: Person, method: str, now: datetime
) -> CheckInResult:
    """Write the check-in once: a second one (a replayed code, a double tick, two
    phones at once) finds the first and records nothing."""
    existing = CheckIn.objects.filter(activity=activity, person=person).first()
    if existing is not None:
        return CheckInResult(existing, created=False)
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                activity=activity,
                person=person,
                household=person.household,
                method=method,
                checked_in_by=actor,
                checked_in_at=now,
            )
    except IntegrityError:
        return CheckInResult(CheckIn.objects.get(activity=activity, person=person), created=False)
    _audit(
        actor,
        "checkin.add",
        checkin,
        person.household.villager_group,
        now,
        activity=activity.pk,
        checkin_method=method,
    )
    return CheckInResult(checkin, created=True)


@transaction.atomic
def checkin_by_code(
    *, actor: User, activity: Activity, code: str, now: datetime | None = None
) -> CheckInResult:
    """A villager checks themselves in with the code they scanned. Refused with a
    plain message: another village's activity, a login not linked to a person of the
    village, a cancelled activity, a code that is not this activity's, expired, or
    outside the window."""
    now = _now(now)
    person = actor.person if actor.person_id else None
    if person is None or not person.active:
        raise PermissionDenied("您的账号没有关联到本人，无法扫码签到，请让组织者在名单上为您签到")
    person = Person.objects.select_related("household__villager_group").get(pk=person.pk)
    if person.household.village_id != activity.village_id:
        raise PermissionDenied("这是其他村的活动，您不能在此签到")
    if activity.cancelled_at is not None:
        raise ValidationError("该活动已取消")
    verdict = checkin_codes.verify(activity, code, now)
    if verdict is not checkin_codes.Verdict.OK:
        raise ValidationError(checkin_codes.MESSAGES[verdict], code=str(verdict))
    return _check_in(
        actor=actor, activity=activity, person=person, method=CheckInMethod.QR, now=now
    )


@transaction.atomic
def checkin_by_list(
    *,
    actor: User,
    activity: Activity,
    people: Sequence[Person],
    now: datetime | None = None,
) -> list[CheckInResult]:
    """The organiser ticks people on the list (those without a phone): each an active
    member of a household of the activity's village, within the check-in window."""
    now = _now(now)
    _check_organise(actor, activity)
    if not people:
        raise ValidationError({"people": ["请至少勾选一人"]})
    if activity.cancelled_at is not None:
        raise ValidationError("该活动已取消")
    state = checkin_codes.window_state(activity, now)
    if state is not checkin_codes.Verdict.OK:
        raise ValidationError(checkin_codes.MESSAGES[state])
    rows = list(
        Person.objects.filter(pk__in=[p.pk for p in people])
        .select_related("household__villager_group")
        .order_by("household__number", "pk")
    )
    strangers = [p.name for p in rows if p.household.village_id != activity.village_id]
    inactive = [p.name for p in rows if not p.active]
    if strangers or inactive or len(rows) != len({p.pk for p in people}):
        raise ValidationError(
            {"people": [f"{'、'.join(strangers + inactive) or '所选人员'} 不是本村在册村民"]}
        )
    return [
        _check_in(actor=actor, activity=activity, person=p, method=CheckInMethod.LIST, now=now)
        for p in rows
    ]


# --- attendance → points ------------------------------------------------------------


@dataclass
class AttendanceResult:
    entries: list = field(default_factory=list)  # the ledger entries recorded now
    problems: list[str] = field(default_factory=list)  # people left for someone else


def attendance_record(
    *, actor: User, activity: Activity, today: date | None = None
) -> AttendanceResult:
    """Record the activity's item for every check-in that has no entry yet: one
    pending entry per person (the check-in keeps it; a check-in with an entry is
    never recorded again, whoever presses, however often). A person the actor may
    not record for (their own household: recusal; outside a sub-team's group; the
    item's cap reached) is listed and left for another member; the others are saved."""
    _check_organise(actor, activity)
    if not activity.item_code:
        raise ValidationError("该活动没有设定积分项，不记积分")
    if activity.cancelled_at is not None:
        raise ValidationError("该活动已取消")
    today = today or timezone.localdate()
    occurred_on = timezone.localdate(activity.starts_at)
    if occurred_on > today:
        raise ValidationError("活动还没有开始，不能记分")
    result = AttendanceResult()
    with transaction.atomic():
        waiting = list(
            CheckIn.objects.select_for_update(of=("self",))
            .filter(activity=activity, entry__isnull=True)
            .select_related("person", "household__village", "household__villager_group")
            .order_by("household__number", "person_id")
        )
        for checkin in waiting:
            request = EntryRequest(
                household=checkin.household,
                item_code=activity.item_code,
                occurred_on=occurred_on,
                person=checkin.person,
                evidence_text=(
                    f"参加村内活动“{activity.title}”（{occurred_on:%Y-%m-%d}，活动 #{activity.pk}，"
                    f"{CheckInMethod(checkin.method).label}）"
                ),
                source=Source.ACTIVITY,
            )
            try:
                with transaction.atomic():
                    entry = entry_record(
                        actor=actor,
                        request=request,
                        idempotency_key=f"activity-{activity.pk}-person-{checkin.person_id}",
                        today=today,
                    )
                    updated = CheckIn.objects.filter(pk=checkin.pk, entry__isnull=True).update(
                        entry=entry
                    )
                    if updated != 1:
                        raise ValidationError("该签到已经记过积分")
            except (ValidationError, PermissionDenied) as exc:
                reasons = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                result.problems.append(f"{checkin.person.name}：{'；'.join(reasons)}")
            else:
                result.entries.append(entry)
        now = timezone.now()
        _audit(
            actor,
            "attendance.record",
            activity,
            _where(activity),
            now,
            entries=len(result.entries),
            left=len(result.problems),
        )
    log.info(
        "activity %s: %d entries recorded, %d left",
        activity.pk,
        len(result.entries),
        len(result.problems),
    )
    return result


# --- the demo's past activities --------------------------------------------------------


def activity_finished(
    *,
    organiser: User,
    village: Region,
    kind: str,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    item_code: str,
    signed_up: Sequence[Person],
    present: Sequence[Person],
    approver: User | None = None,
    group: Region | None = None,
    capacity: int | None = None,
) -> Activity:
    """A past activity walked through the checked services at the moments it would
    have happened: published three days before, `signed_up` signed up by the
    organiser the day before, `present` ticked on the list ten minutes after the
    start, their points recorded by the organiser the day of the activity, and, with
    an `approver` (another committee member), approved in bulk. Sign-ups missing
    from `present` are its no-shows."""
    if ends_at >= timezone.now():
        raise ValidationError("activity_finished builds past activities only")
    activity = activity_publish(
        actor=organiser,
        village=village,
        group=group,
        kind=kind,
        title=title,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        item_code=item_code,
        now=starts_at - timedelta(days=3),
    )
    for person in signed_up:
        signup_add(
            actor=organiser, activity=activity, person=person, now=starts_at - timedelta(days=1)
        )
    if present:
        checkin_by_list(
            actor=organiser,
            activity=activity,
            people=present,
            now=starts_at + timedelta(minutes=10),
        )
    if item_code and present:
        result = attendance_record(
            actor=organiser, activity=activity, today=timezone.localdate(ends_at)
        )
        if result.problems:
            raise ValidationError(result.problems)
        if approver is not None:
            entries_review_bulk(actor=approver, entries=result.entries, approve=True)
    return activity
