"""Writes to the points ledger: recording (one, or a batch), review (maker-checker
with recusal) and reversal. Entries are never edited or deleted."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from sanxin.accounts.choices import Role
from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit, audit_many
from sanxin.households.models import Household, Person
from sanxin.ledger.choices import Source
from sanxin.ledger.models import Entry, EntryPhoto, Review
from sanxin.ledger.signals import entries_approved, veto_item_changed
from sanxin.ledger.submissions import submit_once
from sanxin.ledger.tiers import household_tier_of, person_tier
from sanxin.lib import photos as photo_files
from sanxin.lib.text import clean_line, clean_text
from sanxin.notifications.choices import Kind
from sanxin.notifications.services import Message, notify_each
from sanxin.rules import engine
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import TIER_LABELS, Item
from sanxin.rules.selectors import scheme_for_village
from sanxin.rules.services import scheme_version_mark_in_use

if TYPE_CHECKING:
    from sanxin.accounts.models import User


@dataclass
class EntryRequest:
    """What a recorder asks to record; validated by `entry_plan`."""

    household: Household
    item_code: str
    occurred_on: date
    quantity: int = 1
    person: Person | None = None
    evidence_text: str = ""
    photos: Sequence[UploadedFile] = ()
    source: str = Source.MANUAL


@dataclass
class EntryPlan:
    request: EntryRequest
    version: SchemeVersion
    item: Item
    tier: str
    points: Decimal
    errors: dict[str, list[str]] = field(default_factory=dict)


def _error(errors: dict[str, list[str]], field_name: str, message: str) -> None:
    errors.setdefault(field_name, []).append(message)


def _validity_window_start(item: Item, occurred_on: date) -> date:
    if item.validity_days is None:
        return date(occurred_on.year, 1, 1)
    return occurred_on - timedelta(days=item.validity_days - 1)


def _live_entries(household: Household, item_code: str, person: Person | None):
    """Entries of the item for the household (or person) that still stand: not
    rejected and not reversed."""
    qs = (
        Entry.objects.filter(household=household, item_code=item_code, reversal_of__isnull=True)
        .exclude(review__approved=False)
        .exclude(reversals__review__approved=True)
    )
    if person is not None:
        qs = qs.filter(person=person)
    return qs


class PlanLookups:
    """What `entry_plan` looks up, one query at a time. An import planning many
    rows hands in its own (ledger/entry_import.py: loaded once for the village)."""

    def version(self, household: Household, on: date) -> SchemeVersion | None:
        return scheme_for_village(household.village, on)

    def members(self, household: Household) -> list[Person]:
        return list(household.members.filter(active=True))

    def prior(
        self, household: Household, item: Item, person: Person | None, start: date, end: date
    ) -> int:
        """The standing entries of the item in [start, end]."""
        live = _live_entries(household, item.code, person)
        return live.filter(occurred_on__gte=start, occurred_on__lte=end).count()

    def year_total(
        self, household: Household, item: Item, person: Person | None, year: int
    ) -> Decimal:
        """The positive points of the item standing in the year."""
        live = _live_entries(household, item.code, person)
        return live.filter(occurred_on__year=year, points__gt=0).aggregate(s=Sum("points"))[
            "s"
        ] or Decimal(0)


def entry_plan(
    request: EntryRequest, *, today: date | None = None, lookups: PlanLookups | None = None
) -> EntryPlan | dict[str, list[str]]:
    """Validate a request against the scheme in force on its date; compute the
    points to freeze. Returns the plan, or {field: [errors]} in Chinese."""
    errors: dict[str, list[str]] = {}
    today = today or timezone.localdate()
    lookups = lookups or PlanLookups()
    household = request.household
    if request.occurred_on > today:
        _error(errors, "occurred_on", f"发生日期 {request.occurred_on:%Y-%m-%d} 在今天之后")
    version = lookups.version(household, request.occurred_on)
    if version is None:
        _error(errors, "item_code", f"{request.occurred_on:%Y-%m-%d} 时本村还没有生效的评分方案")
        return errors
    scheme = version.scheme
    item = scheme.find_item(request.item_code)
    if item is None:
        _error(
            errors,
            "item_code",
            f"积分项“{request.item_code}”不在本户适用的方案（{version.name} {version.version}）中",
        )
        return errors
    if (
        isinstance(request.quantity, bool)
        or not isinstance(request.quantity, int)
        or request.quantity < 1
    ):
        _error(errors, "quantity", "数量应为正整数")
        return errors
    person = request.person
    if item.applies_to == "person":
        if person is None:
            _error(errors, "person", f"“{item.name}”按人记分，请选择人员")
        elif person.household_id != household.pk or not person.active:
            _error(errors, "person", f"{person.name} 不是本户在册成员")
    elif person is not None:
        person = None  # household-level item: the person is not part of the entry
    members = lookups.members(household)
    tier = (
        person_tier(person)
        if (item.applies_to == "person" and person is not None)
        else household_tier_of(members)
    )
    if item.component == "vanguard" and person is not None and not person.is_party_member:
        _error(errors, "person", f"“{item.name}”是先锋积分项，只适用于党员，{person.name} 不是党员")
    elif tier not in item.tiers:
        _error(errors, "item_code", f"“{item.name}”不适用于{TIER_LABELS[tier]}")
    try:
        clean_text(request.evidence_text, "事实依据")
    except ValidationError as exc:
        _error(errors, "evidence_text", exc.messages[0])
    if item.evidence_required and not request.evidence_text.strip() and not request.photos:
        _error(errors, "evidence_text", f"“{item.name}”必须填写事实依据或上传照片")
    for photo in request.photos:
        if problem := photo_files.problem(photo):
            _error(errors, "photos", problem)
    if errors:
        return errors
    whose = person if item.applies_to == "person" else None
    prior = lookups.prior(
        household,
        item,
        whose,
        _validity_window_start(item, request.occurred_on),
        request.occurred_on,
    )
    points = engine.points_for_entry(scheme, item.code, tier, request.quantity, prior)
    if item.annual_cap is not None and points > 0:
        year_total = lookups.year_total(household, item, whose, request.occurred_on.year)
        if year_total + points > item.annual_cap:
            left = max(item.annual_cap - year_total, Decimal(0))
            _error(
                errors,
                "quantity",
                f"“{item.name}”每年最多 {item.annual_cap} 分，今年已记 {year_total} 分，最多还能记 {left} 分",
            )
            return errors
    return EntryPlan(request=request, version=version, item=item, tier=tier, points=points)


def recorder_role_problem(actor: User | None, plan: EntryPlan) -> str | None:
    """Some components are recorded only by the roles the scheme names (vanguard
    points: the village party branch, i.e. the rating committee). The reason in
    Chinese when `actor` may not record this plan's item, else None."""
    allowed = plan.version.scheme.component(plan.item.component).recorder_roles
    if allowed and not scope_for(actor).roles_covering(plan.request.household) & set(allowed):
        return f"“{plan.item.name}”只能由{'、'.join(str(Role(r).label) for r in allowed)}记录"
    return None


def _check_recorder_role(actor: User | None, plan: EntryPlan) -> None:
    problem = recorder_role_problem(actor, plan)
    if problem:
        raise ValidationError({"item_code": [problem]})


def _entry_of(plan: EntryPlan, *, actor: User, now, batch_key: str) -> Entry:
    """The unsaved entry a checked plan records (one place for `_save` and `_save_many`)."""
    r = plan.request
    return Entry(
        household=r.household,
        district_id=r.household.district_id,
        person=r.person if plan.item.applies_to == "person" else None,
        scheme_version=plan.version,
        item_code=plan.item.code,
        item_name=plan.item.name,
        component=plan.item.component,
        quantity=r.quantity,
        occurred_on=r.occurred_on,
        points=plan.points,
        tier=plan.tier,
        evidence_text=clean_text(r.evidence_text, "事实依据", field="evidence_text"),
        source=r.source,
        recorded_by=actor,
        recorded_at=now,
        batch_key=batch_key,
    )


def _save(
    plan: EntryPlan,
    *,
    actor: User,
    now,
    batch_key: str = "",
    idempotency_key: str | None = None,
) -> Entry:
    _check_recorder_role(actor, plan)
    r = plan.request
    entry = _entry_of(plan, actor=actor, now=now, batch_key=batch_key)
    entry.idempotency_key = idempotency_key
    entry.save(force_insert=True)
    for photo in r.photos:
        stored = photo_files.clean(photo)  # re-encoded, without metadata (checked in the plan)
        EntryPhoto.objects.create(entry=entry, image=stored, sha256=photo_files.sha256(stored))
    scheme_version_mark_in_use(plan.version)
    audit(
        actor=actor,
        action="entry.record",
        obj=entry,
        region_path=r.household.villager_group.path,
        at=now,
        after={
            "household": r.household.number,
            "item": plan.item.code,
            "points": str(plan.points),
            "occurred_on": str(r.occurred_on),
            "source": r.source,
        },
    )
    return entry


def _signed(points: Decimal) -> str:
    text = format(points.normalize(), "f")
    return f"+{text}" if points > 0 else text


def _message(entry: Entry, kind: str, reason: str = "") -> Message:
    """What the household reads about one of its entries, in plain words."""
    what = f"{entry.item_name} {_signed(entry.points)} 分"
    if entry.reversal_of_id is not None:
        what = f"撤销此前的一条积分：{what}"
    if kind == Kind.ENTRY_RECORDED:
        title = f"为您家记录了一条积分：{what}，待评信团审核"
    elif kind == Kind.ENTRY_APPROVED:
        title = f"您家的积分记录已通过审核：{what}"
    else:
        title = f"您家的积分记录未通过审核：{what}，理由：{reason}"
    return Message(
        household_id=entry.household_id,
        kind=kind,
        title=title,
        body=f"理由：{reason}" if kind == Kind.ENTRY_REJECTED else "",
        url=reverse("points:household", args=[entry.household_id]),
    )


def _check_can_record(actor: User | None, household: Household) -> None:
    scope = scope_for(actor)
    if not scope.covers_household(household, Perm.RECORD_POINTS):
        raise PermissionDenied("无权为该户记录积分")
    if household.pk in scope.own_household_ids():
        raise ValidationError(
            {"households": [f"{household.number}号户是您本人的家庭，不能为其记录积分，请回避"]}
        )


def lock_households(households: Iterable[Household] | QuerySet) -> None:
    """Lock the households' rows until the transaction ends, in id order (no
    deadlocks): the annual-cap check reads their entries of the year, and two
    recordings for one household must not both pass it. (On SQLite the write lock
    taken at BEGIN IMMEDIATE already serialises recordings.)"""
    if isinstance(households, QuerySet):
        locked = households.select_for_update()
    else:
        locked = Household.objects.select_for_update().filter(pk__in={h.pk for h in households})
    list(locked.order_by("pk").values_list("pk", flat=True))


def _request_fingerprint(request: EntryRequest) -> str:
    data = [
        request.household.pk,
        request.item_code,
        str(request.occurred_on),
        request.quantity,
        request.person.pk if request.person else None,
        request.evidence_text.strip(),
    ]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16]


def entry_record(
    *,
    actor: User,
    request: EntryRequest,
    idempotency_key: str | None = None,
    today: date | None = None,
) -> Entry:
    """Record one entry. With an idempotency key, a repeated submission returns the
    entry already recorded; the same key with different content is refused."""
    _check_can_record(actor, request.household)
    if idempotency_key:
        key = f"{actor.pk}:{idempotency_key}:{_request_fingerprint(request)}"
        existing = Entry.objects.filter(idempotency_key=key).first()
        if existing:
            return existing
        if Entry.objects.filter(
            idempotency_key__startswith=f"{actor.pk}:{idempotency_key}:"
        ).exists():
            raise ValidationError("该提交编号已用于另一条不同的记录")
        idempotency_key = key
    with transaction.atomic():
        lock_households([request.household])
        plan = entry_plan(request, today=today)
        if isinstance(plan, dict):
            raise ValidationError(plan)
        now = timezone.now()
        entry = _save(plan, actor=actor, now=now, idempotency_key=idempotency_key)
        notify_each([_message(entry, Kind.ENTRY_RECORDED)], at=now)
        return entry


@dataclass
class BatchResult:
    entries: list[Entry]
    errors: dict[int, dict[str, list[str]]]  # household id -> field errors
    repeated: bool = False  # the same form was submitted before: these are its entries


def entries_record_batch(
    *,
    actor: User,
    households: Sequence[Household],
    item_code: str,
    occurred_on: date,
    quantity: int = 1,
    evidence_text: str = "",
    photos: Sequence[UploadedFile] = (),
    source: str = Source.BATCH,
    today: date | None = None,
    idempotency_key: str | None = None,
) -> BatchResult:
    """One household-level item for many households at once: all or nothing. With an
    idempotency key (the form's), a repeated submission records nothing and answers
    with the entries the first one recorded."""
    if not households:
        raise ValidationError({"households": ["请至少选择一户"]})
    scope = scope_for(actor)
    if not all(scope.covers_household(h, Perm.RECORD_POINTS) for h in households):
        raise PermissionDenied("无权为所选的某些农户记录积分")
    own = sorted(h.number for h in households if h.pk in scope.own_household_ids())
    if own:
        raise ValidationError(
            {"households": [f"{'、'.join(own)}号户是您本人的家庭，不能为其记录积分，请回避"]}
        )
    content = {
        "households": sorted(h.pk for h in households),
        "item": item_code,
        "on": str(occurred_on),
        "quantity": quantity,
        "evidence": evidence_text.strip(),
        "photos": [photo_files.sha256(p) for p in photos],
    }
    outcome_errors: dict[int, dict[str, list[str]]] = {}

    def perform() -> list[int] | None:
        result = _record_batch(
            actor=actor,
            households=households,
            item_code=item_code,
            occurred_on=occurred_on,
            quantity=quantity,
            evidence_text=evidence_text,
            photos=photos,
            source=source,
            today=today,
        )
        if result.errors:
            outcome_errors.update(result.errors)
            return None
        return [e.pk for e in result.entries]

    outcome = submit_once(
        actor=actor, kind="points.batch", key=idempotency_key, content=content, perform=perform
    )
    if outcome is None:
        return BatchResult(entries=[], errors=outcome_errors)
    entries = list(Entry.objects.filter(pk__in=outcome.object_ids).order_by("pk"))
    return BatchResult(entries=entries, errors={}, repeated=outcome.repeated)


def _record_batch(
    *,
    actor: User,
    households: Sequence[Household],
    item_code: str,
    occurred_on: date,
    quantity: int,
    evidence_text: str,
    photos: Sequence[UploadedFile],
    source: str,
    today: date | None,
) -> BatchResult:
    with transaction.atomic():
        lock_households(households)
        plans, errors = [], {}
        for h in households:
            plan = entry_plan(
                EntryRequest(
                    household=h,
                    item_code=item_code,
                    occurred_on=occurred_on,
                    quantity=quantity,
                    evidence_text=evidence_text,
                    photos=photos,
                    source=source,
                ),
                today=today,
            )
            if isinstance(plan, dict):
                errors[h.pk] = plan
            elif plan.item.applies_to == "person":
                errors[h.pk] = {"item_code": [f"“{plan.item.name}”按人记分，不能批量按户记录"]}
            else:
                plans.append(plan)
        if errors:
            return BatchResult(entries=[], errors=errors)
        now, batch_key = timezone.now(), uuid.uuid4().hex
        entries = [_save(p, actor=actor, now=now, batch_key=batch_key) for p in plans]
        notify_each((_message(e, Kind.ENTRY_RECORDED) for e in entries), at=now)
        return BatchResult(entries=entries, errors={})


def entry_year_total(
    *, household: Household, item_code: str, person: Person | None, year: int
) -> Decimal:
    """The positive points of an item already standing for the household (or, for a
    person-level item, the person) in a calendar year: what `entry_plan` weighs
    against the item's annual cap."""
    live = _live_entries(household, item_code, person)
    return live.filter(occurred_on__year=year, points__gt=0).aggregate(s=Sum("points"))[
        "s"
    ] or Decimal(0)


def entries_record_planned(
    *, actor: User, plans: Sequence[EntryPlan], source: str = Source.IMPORT
) -> list[Entry]:
    """Save entries already planned by `entry_plan` and checked as a whole by the
    caller (an import whose rows count each other's caps and repeats), all or
    nothing, as `entry_record` saves one: the same checks, one audit row per entry
    and a notification per household, one batch key; written in bulk (chunks of
    BULK_CHUNK). Plans with photos are saved one by one. The entries wait for
    review like any other."""
    if not plans:
        raise ValidationError("没有要保存的积分记录")
    for household in {p.request.household.pk: p.request.household for p in plans}.values():
        _check_can_record(actor, household)
    with transaction.atomic():
        lock_households({p.request.household.pk: p.request.household for p in plans}.values())
        now, batch_key = timezone.now(), uuid.uuid4().hex
        entries: list[Entry] = []
        for version in {p.version.pk: p.version for p in plans}.values():
            scheme_version_mark_in_use(version)
        for start in range(0, len(plans), BULK_CHUNK):
            chunk = [
                replace(p, request=replace(p.request, source=source))
                for p in plans[start : start + BULK_CHUNK]
            ]
            entries.extend(_save_many(chunk, actor=actor, now=now, batch_key=batch_key))
        notify_each((_message(e, Kind.ENTRY_RECORDED) for e in entries), at=now)
        return entries


BULK_CHUNK = 1000


def _save_many(plans: list[EntryPlan], *, actor: User, now, batch_key: str) -> list[Entry]:
    """`_save` for many plans at once: the entries in one insert, their audit rows in
    another (photos, which the imports never carry, one by one through `_save`)."""
    saved: list[Entry] = []
    rows: list[Entry] = []
    for plan in plans:
        if plan.request.photos:
            saved.append(_save(plan, actor=actor, now=now, batch_key=batch_key))
            continue
        _check_recorder_role(actor, plan)
        rows.append(_entry_of(plan, actor=actor, now=now, batch_key=batch_key))
    Entry.objects.bulk_create(rows)
    audit_many(
        actor=actor,
        action="entry.record",
        rows=[
            (
                e,
                e.household.villager_group.path,
                None,
                {
                    "household": e.household.number,
                    "item": e.item_code,
                    "points": str(e.points),
                    "occurred_on": str(e.occurred_on),
                    "source": e.source,
                },
            )
            for e in rows
        ],
    )
    return saved + rows


def _check_can_decide(actor: User, entry: Entry) -> None:
    scope = scope_for(actor)
    if not scope.covers_household(entry.household, Perm.REVIEW_POINTS):
        raise PermissionDenied("无权审核该户的积分")
    if entry.recorded_by_id == actor.pk:
        raise ValidationError("不能审核自己记录的积分（须由另一名评信团成员审核）")
    if scope.is_recused(entry.household):
        raise ValidationError("不能审核本人家庭的积分，请回避")


@transaction.atomic
def entry_review(*, actor: User, entry: Entry, approve: bool, reason: str = "") -> Review:
    """Approve or reject one entry (maker-checker, recusal); the household is told."""
    review = _review(actor=actor, entry=entry, approve=approve, reason=reason)
    notify_each([_review_message(entry, review)], at=review.reviewed_at)
    if review.approved:
        _send_approved([entry], actor=actor, now=review.reviewed_at)
    return review


def _send_approved(entries: Sequence[Entry], *, actor: User, now) -> None:
    """Tell the layers above that these entries are approved (ledger/signals.py)."""
    if entries:
        entries_approved.send(
            sender=Entry,
            entry_ids=[e.pk for e in entries],
            household_ids={e.household_id for e in entries},
            actor=actor,
            now=now,
        )


def _review_message(entry: Entry, review: Review) -> Message:
    kind = Kind.ENTRY_APPROVED if review.approved else Kind.ENTRY_REJECTED
    return _message(entry, kind, review.reason)


def _review(*, actor: User, entry: Entry, approve: bool, reason: str) -> Review:
    reason = clean_line(reason, "理由", field="reason")
    _check_can_decide(actor, entry)
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError("驳回必须填写理由")
    if Review.objects.filter(entry=entry).exists():
        raise ValidationError("该记录已经审核过")
    now = timezone.now()
    try:
        with transaction.atomic():
            review = Review.objects.create(
                entry=entry,
                district_id=entry.district_id,
                approved=approve,
                reason=reason,
                reviewer=actor,
                reviewed_at=now,
            )
    except IntegrityError:
        raise ValidationError("该记录已经审核过") from None
    audit(
        actor=actor,
        action="entry.approve" if approve else "entry.reject",
        obj=entry,
        region_path=entry.household.villager_group.path,
        at=now,
        after={"reason": reason},
    )
    if approve and _is_veto_item(entry):
        # A serious event between cycles changes the grade in force at once (动态调整):
        # ratings, which owns that grade, listens (ledger/signals.py).
        veto_item_changed.send(
            sender=Entry,
            household=entry.household,
            actor=actor,
            entry=entry if entry.reversal_of_id is None else None,
            now=now,
        )
    return review


def _is_veto_item(entry: Entry) -> bool:
    item = entry.scheme_version.scheme.find_item(entry.item_code)
    return item is not None and item.veto is not None


def entries_review_bulk(
    *, actor: User, entries: Iterable[Entry], approve: bool, reason: str = ""
) -> list[Review]:
    """Decide many entries with one reason: all or nothing."""
    entries = list(entries)
    if not entries:
        raise ValidationError("请至少选择一条记录")
    # One scheme version object per version, so each scheme is loaded and parsed once
    # (approving a veto item reads it).
    versions = SchemeVersion.objects.in_bulk({e.scheme_version_id for e in entries})
    for e in entries:
        e.scheme_version = versions[e.scheme_version_id]
    with transaction.atomic():
        problems = []
        reviews = []
        for e in entries:
            try:
                reviews.append(_review(actor=actor, entry=e, approve=approve, reason=reason))
            except (ValidationError, PermissionDenied) as exc:
                messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                problems.append(f"{e.household.number}号户 {e.item_name}：{'；'.join(messages)}")
        if problems:
            transaction.set_rollback(True)
            raise ValidationError(problems)
        notify_each(
            (_review_message(e, r) for e, r in zip(entries, reviews, strict=True)),
            at=reviews[0].reviewed_at,
        )
        if approve:
            _send_approved(entries, actor=actor, now=reviews[0].reviewed_at)
        return reviews


def reversal_problem(entry: Entry) -> str:
    """Why `entry` cannot be reversed again now ('' if it can): a reversal of it is
    waiting for review or was approved. Rejected reversals do not count. Locks the
    entry's row so two reversals cannot be written at once."""
    Entry.objects.select_for_update().filter(pk=entry.pk).first()
    statuses = set(
        Entry.objects.filter(reversal_of=entry).values_list("review__approved", flat=True)
    )
    if True in statuses:
        return "该记录已经冲正过"
    if None in statuses:
        return "该记录已有一条待审核的冲正，请先审核该冲正"
    return ""


def _reversal(*, entry: Entry, actor: User, reason: str, evidence_text: str, now) -> Entry:
    return Entry.objects.create(
        household=entry.household,
        district_id=entry.district_id,
        person=entry.person,
        scheme_version=entry.scheme_version,
        item_code=entry.item_code,
        item_name=entry.item_name,
        component=entry.component,
        quantity=entry.quantity,
        occurred_on=entry.occurred_on,
        points=-entry.points,
        tier=entry.tier,
        evidence_text=evidence_text,
        source=Source.REVERSAL,
        recorded_by=actor,
        recorded_at=now,
        reversal_of=entry,
        reason=reason[:300],
    )


@transaction.atomic
def entry_reverse(*, actor: User, entry: Entry, reason: str) -> Entry:
    """A correction: a new entry that cancels `entry` exactly, citing it and a reason.
    It takes effect once another committee member approves it."""
    scope = scope_for(actor)
    if not scope.covers_household(entry.household, Perm.REVIEW_POINTS):
        raise PermissionDenied("无权冲正该户的积分")
    reason = clean_line(reason, "冲正原因", field="reason")
    if not reason:
        raise ValidationError("冲正必须填写原因")
    if entry.reversal_of_id is not None:
        raise ValidationError("冲正记录不能再冲正；如需恢复，请重新记录原积分项")
    review = Review.objects.filter(entry=entry).first()
    if review is None or not review.approved:
        raise ValidationError("只有已通过审核的记录才需要冲正；待审核的记录请直接驳回")
    problem = reversal_problem(entry)
    if problem:
        raise ValidationError(problem)
    now = timezone.now()
    reversal = _reversal(entry=entry, actor=actor, reason=reason, evidence_text=reason, now=now)
    audit(
        actor=actor,
        action="entry.reverse",
        obj=reversal,
        region_path=entry.household.villager_group.path,
        at=now,
        after={"reverses": entry.pk, "reason": reason, "points": str(reversal.points)},
    )
    notify_each([_message(reversal, Kind.ENTRY_RECORDED)], at=now)
    return reversal


@transaction.atomic
def entry_reverse_on_appeal(
    *, actor: User, entry: Entry, appeal_id: int, reason: str, now=None
) -> Entry:
    """The reversal an upheld appeal (异议成立) orders: approved at once, citing the
    appeal. Maker-checker holds in another form: the household asked (the appeal),
    the deciding committee member — recorded as recorder and approver — may not be
    the recorder of the disputed entry nor of the household. Like approving a veto
    item, it refreshes the household's grade in force when the entry carried a veto."""
    scope = scope_for(actor)
    household = entry.household
    if not scope.covers_household(household, Perm.DECIDE_APPEALS):
        raise PermissionDenied("只有本村评信团成员可以按异议冲正积分")
    if scope.is_recused(household) or household.pk in scope.own_household_ids():
        raise PermissionDenied("本人或亲属所在农户，需回避")
    if entry.recorded_by_id == actor.pk:
        raise PermissionDenied("有异议的积分是您记录的，需由另一名评信团成员处理")
    reason = clean_text(reason, "处理意见和依据", field="reason")
    if not reason:
        raise ValidationError("冲正必须填写原因")
    if entry.reversal_of_id is not None:
        raise ValidationError("冲正记录不能再冲正")
    if not Review.objects.filter(entry=entry, approved=True).exists():
        raise ValidationError("只有已通过审核的记录才需要冲正")
    problem = reversal_problem(entry)
    if problem:
        raise ValidationError(problem)
    now = now or timezone.now()
    why = f"异议成立（异议 #{appeal_id}）：{reason}"
    reversal = _reversal(entry=entry, actor=actor, reason=why, evidence_text=why, now=now)
    Review.objects.create(
        entry=reversal,
        district_id=reversal.district_id,
        approved=True,
        reason=why[:300],
        reviewer=actor,
        reviewed_at=now,
    )
    audit(
        actor=actor,
        action="entry.reverse",
        obj=reversal,
        region_path=household.villager_group.path,
        at=now,
        after={
            "reverses": entry.pk,
            "reason": why,
            "points": str(reversal.points),
            "appeal": appeal_id,
            "approved_under_appeal": True,
        },
    )
    if _is_veto_item(entry):
        veto_item_changed.send(sender=Entry, household=household, actor=actor, entry=None, now=now)
    _send_approved([reversal], actor=actor, now=now)
    return reversal
