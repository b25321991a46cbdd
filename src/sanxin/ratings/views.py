"""The 评定周期 screens: the cycles in the user's scope, one cycle (its timeline,
grade distribution and households) and the committee's actions on it. Views stay
thin: cycles come through the scope, every write through `ratings.services`."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.ratings import appeal_views, selectors, services
from sanxin.ratings.models import CycleState
from sanxin.rules.scheme import GRADE_LABELS, GRADES, TIER_LABELS

PAGE_SIZE = 50


@requires(Perm.VIEW_REGISTRY)
def cycle_list(request):
    scope = request.scope
    cycles = selectors.cycles_for(scope).order_by("-period", "village__path")
    page = Paginator(cycles, PAGE_SIZE).get_page(request.GET.get("page"))
    manageable = scope.villages(Perm.CHANGE_REGISTRY).order_by("path") if scope.has(Perm.CHANGE_REGISTRY) else []
    today = date.today()
    return render(request, "ratings/list.html", {
        "page": page, "villages": manageable, "default_period": str(today.year),
        "default_cut_off": date(today.year, 11, 20).isoformat(),
    })


@require_POST
@requires(Perm.CHANGE_REGISTRY)
def cycle_open(request):
    scope = request.scope
    village = scope.villages(Perm.CHANGE_REGISTRY).filter(pk=_int(request.POST.get("village"))).first()
    if village is None:
        raise Http404
    try:
        cut_off = date.fromisoformat(request.POST.get("cut_off", ""))
    except ValueError:
        messages.error(request, _("请填写正确的截止日期"))
        return redirect("ratings:list")
    try:
        cycle = services.cycle_open(actor=request.user, village=village, period=request.POST.get("period", ""), cut_off=cut_off)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("ratings:list")
    messages.success(request, _("已开启评定周期"))
    return redirect("ratings:cycle", cycle.pk)


def _timeline(cycle) -> list[dict]:
    order = list(CycleState)
    reached = order.index(CycleState(cycle.state))
    stamps = [cycle.created_at, cycle.computed_at, cycle.review_at, cycle.notice_at, cycle.finalised_at]
    return [
        {"label": s.label, "at": stamps[i], "done": i <= reached, "current": i == reached}
        for i, s in enumerate(order)
    ]


@requires(Perm.VIEW_REGISTRY)
def cycle_detail(request, pk):
    scope = request.scope
    cycle = selectors.get_cycle(scope, pk)
    grade = request.GET.get("grade", "")
    vetoed = request.GET.get("vetoed", "")
    party = request.GET.get("party", "")
    visible = selectors.current_ratings(cycle, scope)
    distribution = [(GRADE_LABELS[g], n) for g, n in selectors.grade_distribution(visible)]
    rows = (
        selectors.filter_ratings(visible, grade=grade, vetoed=vetoed, party=party)
        .select_related("household")
        .only("pk", "tier", "total", "grade", "computed_grade", "vetoed", "household__id", "household__number", "household__head_name")
        .order_by("household__number", "household_id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    adjusted = selectors.adjusted_grades(cycle)
    for r in page:
        r.grade_label = GRADE_LABELS.get(r.grade, r.grade)
        r.tier_label = TIER_LABELS.get(r.tier, r.tier)
        r.adjusted_label = GRADE_LABELS[adjusted[r.household_id]] if r.household_id in adjusted else ""
    can_manage = services.can_manage_cycle(request.user, cycle.village)
    step = services.NEXT_STATE.get(cycle.state)
    appeal_summary = (
        appeal_views.appeal_summary(scope, cycle) if cycle.state in (CycleState.NOTICE, CycleState.FINAL) else None
    )
    return render(request, "ratings/cycle.html", {
        "cycle": cycle, "timeline": _timeline(cycle), "distribution": distribution, "page": page,
        "grades": [(g, GRADE_LABELS[g]) for g in reversed(GRADES)], "grade": grade, "vetoed": vetoed, "party": party,
        "filters": urlencode({"grade": grade, "vetoed": vetoed, "party": party}),
        "can_compute": can_manage and cycle.state in services.COMPUTABLE,
        "next_state": step[0] if can_manage and step and cycle.current_run else None,
        "appeal_summary": appeal_summary,
    })


@require_POST
@requires(Perm.CHANGE_REGISTRY)
def cycle_compute(request, pk):
    cycle = selectors.get_cycle(request.scope, pk)
    try:
        report = services.cycle_compute(actor=request.user, cycle=cycle)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已计算 %(n)s 户") % {"n": report.households})
    return redirect("ratings:cycle", cycle.pk)


@require_POST
@requires(Perm.CHANGE_REGISTRY)
def cycle_advance(request, pk):
    cycle = selectors.get_cycle(request.scope, pk)
    try:
        cycle = services.cycle_advance(actor=request.user, cycle=cycle, to_state=request.POST.get("to_state", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("评定周期已进入“%(s)s”") % {"s": cycle.get_state_display()})
    return redirect("ratings:cycle", cycle.pk)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
