"""The committee's review queue (bulk approve or reject), one entry's full trace
with its decision and reversal, and evidence photos (served through the scope,
never from a public URL). Every write goes through `ledger.services`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.models import User
from sanxin.accounts.scope import Field, Perm
from sanxin.ledger import selectors, services
from sanxin.ledger.choices import Status
from sanxin.ledger.forms import (
    BulkReviewForm,
    DecideForm,
    ReverseForm,
    ReviewFilterForm,
)
from sanxin.ledger.models import Entry, EntryPhoto
from sanxin.ledger.views.entries import querystring
from sanxin.lib import photos as photo_files
from sanxin.lib.forms import id_or_none
from sanxin.regions.choices import Level
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import COMPONENT_LABELS, TIER_LABELS

QUEUE_PAGE_SIZE = 50


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
        ids = {id_or_none(x) for x in raw_ids}
        if None in ids:
            raise Http404
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
                return redirect(f"{reverse('points:review')}?{querystring(request.GET)}")

    pending = selectors.review_queue(scope)
    groups = (
        scope.regions(Perm.REVIEW_POINTS)
        .filter(level=Level.GROUP)
        .select_related("parent")
        .order_by("path")
    )
    # The scheme versions and recorders of the pending entries, in one query over the
    # pending entries' table (docs/benchmarks.md, "The review queue").
    pairs = set(pending.order_by().values_list("scheme_version_id", "recorded_by_id").distinct())
    versions = {
        v.pk: v.scheme
        for v in SchemeVersion.objects.filter(pk__in={version for version, _user in pairs})
    }
    categories: dict[str, str] = {}
    item_category: dict[tuple[int, str], str] = {}
    for pk, scheme in versions.items():
        for c in scheme.categories:
            categories.setdefault(c.code, c.name)
        for item in scheme.items:
            item_category[(pk, item.code)] = item.category
    recorders = User.objects.filter(pk__in={user for _version, user in pairs}).order_by(
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
        .annotate(photo_count=selectors.photo_count())
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
            "querystring": querystring(request.GET),
            "page_query": querystring(request.GET, page=None),
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
