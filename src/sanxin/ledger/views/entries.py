"""The 积分 screens: recording (one entry, or one item for many households), the
committee's review queue, one entry's full trace, evidence photos (served through
the scope, never from a public URL) and a household's points page with its
provisional grade and the reasons for it.

Views stay thin: objects come through `request.scope`, input through a form, and
every write through `ledger.services`, which checks scope, recusal and
maker-checker and names what is wrong in Chinese."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.models import User
from sanxin.accounts.scope import Field, Perm
from sanxin.households.selectors import household_members, household_search
from sanxin.ledger import services
from sanxin.ledger.choices import Source, Status
from sanxin.ledger.forms import (
    BatchForm,
    BulkReviewForm,
    DecideForm,
    EntryForm,
    ReverseForm,
    ReviewFilterForm,
    item_choices,
    parse_date,
)
from sanxin.ledger.models import Entry, EntryPhoto
from sanxin.ledger.tiers import household_tier_of, person_tier
from sanxin.lib import photos as photo_files
from sanxin.regions.models import Level, Region
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import COMPONENT_LABELS, TIER_LABELS
from sanxin.rules.selectors import scheme_for_village

PICK_PAGE_SIZE = 30
QUEUE_PAGE_SIZE = 50


def _apply_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _form_date(data, today):
    """The date the form is about (it decides the scheme in force), never after today."""
    on = parse_date(data.get("occurred_on")) if data is not None else None
    return today if on is None or on > today else on


def _querystring(params, **changes) -> str:
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    return query.urlencode()


# ---------------------------------------------------------------------- record


@requires(Perm.RECORD_POINTS)
def record(request):
    """Record one entry: pick the household, then the item, person, date, evidence."""
    scope = request.scope
    posted = request.method == "POST"
    raw = request.POST.get("household") if posted else request.GET.get("household")
    if not raw:
        return _pick_household(request)
    household = scope.get_household(raw, Perm.RECORD_POINTS)
    if household.pk in scope.own_household_ids():
        messages.error(
            request,
            _("%(n)s号户是您本人的家庭，不能为其记录积分，请回避。") % {"n": household.number},
        )
        return redirect("points:record")
    today = timezone.localdate()
    members_qs = household_members(household)
    members = list(members_qs)
    data = request.POST if posted else None
    version = scheme_for_village(household.village, _form_date(data, today))
    items = (
        item_choices(
            version.scheme,
            household_tier=household_tier_of(members),
            member_tiers={person_tier(m) for m in members},
        )
        if version
        else []
    )
    form = EntryForm(
        data,
        request.FILES if posted else None,
        today=today,
        items=items,
        members=members_qs,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    if posted and form.is_valid():
        cd = form.cleaned_data
        entry_request = services.EntryRequest(
            household=household,
            item_code=cd["item_code"],
            occurred_on=cd["occurred_on"],
            quantity=cd["quantity"],
            person=cd["person"],
            evidence_text=cd["evidence_text"],
            photos=cd["photos"],
        )
        try:
            entry = _record_once(request.user, entry_request, cd["idempotency_key"], today)
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, _("已记录，待评信团审核"))
            return redirect(
                f"{reverse('points:record')}?{urlencode({'household': household.pk, 'last': entry.pk})}"
            )
    last = None
    last_id = request.GET.get("last", "")
    if not posted and last_id.isdigit():
        last = (
            scope.filter(Entry.objects, Perm.RECORD_POINTS)
            .filter(pk=int(last_id), household=household)
            .select_related("person")
            .annotate(photo_count=Count("photos"))
            .first()
        )
    return render(
        request,
        "ledger/record.html",
        {
            "household": household,
            "members": members,
            "form": form,
            "version": version,
            "last": last,
            "today": today,
            "tier_label": TIER_LABELS[household_tier_of(members)],
        },
    )


def _record_once(actor, entry_request, key: str, today):
    try:
        return services.entry_record(
            actor=actor, request=entry_request, idempotency_key=key, today=today
        )
    except IntegrityError:
        # A double tap raced the first submission past the key check; the first won,
        # and asking again returns the entry it saved.
        return services.entry_record(
            actor=actor, request=entry_request, idempotency_key=key, today=today
        )


def _pick_household(request):
    query = request.GET.get("q", "").strip()
    # One's own household is not offered: recording for it is refused (recusal).
    households = (
        request.scope.households(Perm.RECORD_POINTS)
        .exclude(pk__in=request.scope.own_household_ids())
        .select_related("villager_group")
    )
    households = household_search(
        households, query, by_id_in=request.scope.households(Perm.REVEAL_ID)
    ).order_by("village_id", "number", "id")
    page = Paginator(households, PICK_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/record_pick.html",
        {"page": page, "q": query, "filters": urlencode({"q": query})},
    )


# ----------------------------------------------------------------------- batch


@requires(Perm.RECORD_POINTS)
def batch(request):
    """One household-level item (a clean-up, a meeting…) for many households at once."""
    scope = request.scope
    posted = request.method == "POST"
    today = timezone.localdate()
    in_scope = scope.households(Perm.RECORD_POINTS)
    if posted:
        # Households outside the user's scope do not exist for them.
        raw_ids = request.POST.getlist("households")
        if any(not x.isdigit() for x in raw_ids):
            raise Http404
        ids = {int(x) for x in raw_ids}
        if ids and in_scope.filter(pk__in=ids).count() != len(ids):
            raise Http404
    villages = list(
        Region.objects.filter(pk__in=in_scope.values("village_id"))
        .select_related("parent")
        .order_by("path")
    )
    village_id = request.GET.get("village", "")
    village = next(
        (v for v in villages if str(v.pk) == village_id), villages[0] if villages else None
    )
    context = {"villages": villages, "village": village, "today": today}
    if village is None:
        return render(request, "ledger/batch.html", context)
    in_village = in_scope.filter(village=village)
    groups = list(
        Region.objects.filter(pk__in=in_village.values("villager_group_id")).order_by("path")
    )
    group_id = request.GET.get("group", "")
    # One's own household is not offered: recording for it is refused (recusal).
    listed = (
        in_village.exclude(pk__in=scope.own_household_ids())
        .select_related("village", "villager_group")
        .order_by("number", "id")
    )
    if group_id.isdigit():
        listed = listed.filter(villager_group_id=int(group_id))
    data = request.POST if posted else None
    version = scheme_for_village(village, _form_date(data, today))
    items = item_choices(version.scheme, household_level_only=True) if version else []
    form = BatchForm(
        data,
        request.FILES if posted else None,
        today=today,
        items=items,
        households=listed,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    household_errors = []
    if posted and form.is_valid():
        cd = form.cleaned_data
        chosen = list(cd["households"])
        try:
            result = services.entries_record_batch(
                actor=request.user,
                households=chosen,
                item_code=cd["item_code"],
                occurred_on=cd["occurred_on"],
                quantity=cd["quantity"],
                evidence_text=cd["evidence_text"],
                photos=cd["photos"],
                source=Source.BATCH,
                today=today,
                idempotency_key=cd["idempotency_key"],
            )
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            if result.repeated:
                messages.info(
                    request,
                    _("这份表单已经提交过，未重复记录：已为 %(n)d 户记录积分，待评信团审核")
                    % {"n": len(result.entries)},
                )
                return redirect(f"{reverse('points:batch')}?{_querystring(request.GET)}")
            if not result.errors:
                messages.success(
                    request, _("已为 %(n)d 户记录积分，待评信团审核") % {"n": len(result.entries)}
                )
                return redirect(f"{reverse('points:batch')}?{_querystring(request.GET)}")
            by_pk = {h.pk: h for h in chosen}
            household_errors = [
                (by_pk[pk], [m for messages_ in errs.values() for m in messages_])
                for pk, errs in result.errors.items()
            ]
            form.add_error(
                None,
                _("有 %(n)d 户不能记录，全部未保存，请修改后重新提交")
                % {"n": len(household_errors)},
            )
    context.update(
        {
            "groups": groups,
            "group_id": group_id,
            "form": form,
            "version": version,
            "household_errors": household_errors,
            "querystring": _querystring(request.GET),
        }
    )
    return render(request, "ledger/batch.html", context)


# ---------------------------------------------------------------------- review


def _block_reason(scope, user, entry) -> str:
    """Why this user may not decide this entry ("" when they may)."""
    if entry.recorded_by_id == user.pk:
        return _("本人记录，须由其他成员审核")
    if scope.is_recused(entry.household):
        return _("本人家庭，须回避")
    return ""


@requires(Perm.REVIEW_POINTS)
def review(request):
    """The pending entries in the user's reach, filtered; approve or reject in bulk."""
    scope = request.scope
    in_reach = scope.filter(Entry.objects, Perm.REVIEW_POINTS)
    bulk_errors: list[str] = []
    action_form = None
    if request.method == "POST":
        raw_ids = request.POST.getlist("entry")
        if any(not x.isdigit() for x in raw_ids):
            raise Http404
        ids = {int(x) for x in raw_ids}
        if ids and in_reach.filter(pk__in=ids).count() != len(ids):
            raise Http404
        action_form = BulkReviewForm(
            request.POST, entries=in_reach.select_related("household__villager_group")
        )
        if action_form.is_valid():
            cd = action_form.cleaned_data
            approve = cd["action"] == "approve"
            try:
                reviews = services.entries_review_bulk(
                    actor=request.user, entries=cd["entry"], approve=approve, reason=cd["reason"]
                )
            except ValidationError as exc:
                bulk_errors = exc.messages
            else:
                text = _("已通过 %(n)d 条记录") if approve else _("已驳回 %(n)d 条记录")
                messages.success(request, text % {"n": len(reviews)})
                return redirect(f"{reverse('points:review')}?{_querystring(request.GET)}")

    pending = in_reach.filter(review__isnull=True)
    groups = (
        scope.regions(Perm.REVIEW_POINTS)
        .filter(level=Level.GROUP)
        .select_related("parent")
        .order_by("path")
    )
    versions = {
        v.pk: v.scheme
        for v in SchemeVersion.objects.filter(pk__in=pending.values("scheme_version_id"))
    }
    categories: dict[str, str] = {}
    item_category: dict[tuple[int, str], str] = {}
    for pk, scheme in versions.items():
        for c in scheme.categories:
            categories.setdefault(c.code, c.name)
        for item in scheme.items:
            item_category[(pk, item.code)] = item.category
    recorders = User.objects.filter(pk__in=pending.values("recorded_by_id")).order_by(
        "display_name", "username"
    )
    filters = ReviewFilterForm(
        request.GET, groups=groups, categories=sorted(categories.items()), recorders=recorders
    )
    filters.is_valid()
    f = filters.cleaned_data
    if f.get("group"):
        pending = pending.filter(household__villager_group_id=f["group"])
    if f.get("component"):
        pending = pending.filter(component=f["component"])
    if f.get("category"):
        codes = {code for (pk, code), cat in item_category.items() if cat == f["category"]}
        pending = pending.filter(item_code__in=codes)
    if f.get("recorder"):
        pending = pending.filter(recorded_by_id=f["recorder"])
    if f.get("date_from"):
        pending = pending.filter(occurred_on__gte=f["date_from"])
    if f.get("date_to"):
        pending = pending.filter(occurred_on__lte=f["date_to"])
    if f.get("reversals"):
        pending = pending.filter(reversal_of__isnull=False)
    pending = (
        pending.select_related("household", "person", "recorded_by", "reversal_of")
        .annotate(photo_count=Count("photos"))
        .order_by("recorded_at", "id")
    )
    page = Paginator(pending, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for e in page.object_list:
        cat = item_category.get((e.scheme_version_id, e.item_code))
        rows.append(
            {
                "entry": e,
                "block": _block_reason(scope, request.user, e),
                "category": categories.get(cat, ""),
            }
        )
    chosen = {str(x) for x in request.POST.getlist("entry")} if request.method == "POST" else set()
    return render(
        request,
        "ledger/review.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "bulk_errors": bulk_errors,
            "action_form": action_form,
            "chosen": chosen,
            "querystring": _querystring(request.GET),
            "page_query": _querystring(request.GET, page=None),
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        },
    )


# ----------------------------------------------------------------------- entry


def _entry_in_scope(scope, pk, perm: Perm) -> Entry:
    entry = (
        scope.filter(Entry.objects, perm)
        .select_related(
            "household__village",
            "household__villager_group",
            "person",
            "scheme_version",
            "recorded_by",
            "review__reviewer",
            "reversal_of",
        )
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def _review_of(entry: Entry):
    return getattr(entry, "review", None)


def _status(review_) -> Status:
    if review_ is None:
        return Status.PENDING
    return Status.APPROVED if review_.approved else Status.REJECTED


@requires(Perm.VIEW_REGISTRY)
def entry_detail(request, pk: int):
    """Everything one entry traces to: rule item, date, evidence, recorder, reviewer."""
    scope = request.scope
    entry = _entry_in_scope(scope, pk, Perm.VIEW_REGISTRY)
    scope.require(Field.POINTS, entry.household)
    review_ = _review_of(entry)
    # At most one reversal is pending or approved (`entry_reverse`); rejected ones stay on record.
    reversals = list(entry.reversals.select_related("review").order_by("id"))
    rejected = [r for r in reversals if _status(_review_of(r)) == Status.REJECTED]
    reversed_by = next((r for r in reversals if r not in rejected), None)
    scheme = entry.scheme_version.scheme
    item = scheme.find_item(entry.item_code)
    category = ""
    if item is not None:
        category = next(
            (c.name for c in scheme.categories if c.code == item.category), item.category
        )
    reviewer = scope.covers_household(entry.household, Perm.REVIEW_POINTS)
    block = _block_reason(scope, request.user, entry) if reviewer and review_ is None else ""
    can_reverse = (
        reviewer
        and review_ is not None
        and review_.approved
        and entry.reversal_of_id is None
        and reversed_by is None
    )
    status = _status(review_)
    return render(
        request,
        "ledger/entry.html",
        {
            "entry": entry,
            "review": review_,
            "reversed_by": reversed_by,
            "rejected_reversals": rejected,
            "item": item,
            "category": category,
            "component_label": COMPONENT_LABELS.get(entry.component, entry.component),
            "tier_label": TIER_LABELS.get(entry.tier, entry.tier),
            "status": status,
            "reversal_status": _status(_review_of(reversed_by)).label if reversed_by else "",
            "reversal_approved": bool(reversed_by)
            and _status(_review_of(reversed_by)) == Status.APPROVED,
            "photos": list(entry.photos.order_by("id")),
            "can_decide": reviewer and review_ is None and not block,
            "blocked_because": block,
            "can_reverse": can_reverse,
            "decide_form": DecideForm(),
            "reverse_form": ReverseForm(),
        },
    )


@require_POST
@requires(Perm.REVIEW_POINTS)
def entry_decide(request, pk: int):
    entry = _entry_in_scope(request.scope, pk, Perm.REVIEW_POINTS)
    form = DecideForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("points:entry", pk=entry.pk)
    approve = form.cleaned_data["action"] == "approve"
    try:
        services.entry_review(
            actor=request.user, entry=entry, approve=approve, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("已通过该记录") if approve else _("已驳回该记录"))
    return redirect("points:entry", pk=entry.pk)


@require_POST
@requires(Perm.REVIEW_POINTS)
def entry_reverse(request, pk: int):
    entry = _entry_in_scope(request.scope, pk, Perm.REVIEW_POINTS)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("points:entry", pk=entry.pk)
    try:
        reversal = services.entry_reverse(
            actor=request.user, entry=entry, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("points:entry", pk=entry.pk)
    messages.success(request, _("已冲正，冲正记录须由另一名评信团成员审核后生效"))
    return redirect("points:entry", pk=reversal.pk)


# ---------------------------------------------------------------------- photos


@requires(Perm.VIEW_REGISTRY)
def photo(request, pk: int):
    """An evidence photo, only for users who can see its entry's household."""
    found = (
        EntryPhoto.objects.select_related("entry__household__villager_group").filter(pk=pk).first()
    )
    if found is None or not request.scope.covers_household(
        found.entry.household, Perm.VIEW_REGISTRY
    ):
        raise Http404
    request.scope.require(Field.POINTS, found.entry.household)
    return photo_files.response(found.image, f"photo-{found.pk}")


# ------------------------------------------------------------------- household
