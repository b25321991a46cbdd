"""The 评定周期 screens: the cycles in the user's scope, one cycle (its timeline,
grade distribution and households) and the committee's actions on it. Views stay
thin: cycles come through the scope, every write through `ratings.services`."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.jobs import selectors as job_selectors
from sanxin.jobs.services import job_start
from sanxin.lib.forms import id_or_none
from sanxin.ratings import jobs as rating_jobs
from sanxin.ratings import periods, selectors
from sanxin.ratings.choices import Cadence, CycleState
from sanxin.ratings.models import Cycle, RatingPolicy
from sanxin.ratings.services import cycles as services
from sanxin.ratings.views import appeals as appeal_views
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.scheme import GRADE_LABELS, GRADES, TIER_LABELS

PAGE_SIZE = 50
# A finished compute job stays at the top of the cycle page this long.
JOB_SHOWN_FOR = timedelta(hours=1)


@requires(Perm.VIEW_REGISTRY)
def cycle_list(request):
    scope = request.scope
    cycles = selectors.cycles_for(scope).order_by("-period", "village__path")
    page = Paginator(cycles, PAGE_SIZE).get_page(request.GET.get("page"))
    manageable = (
        list(scope.villages(Perm.RUN_RATINGS).order_by("path"))
        if scope.has(Perm.RUN_RATINGS)
        else []
    )
    today = timezone.localdate()
    cadence = services.cadence_for(manageable[0]) if manageable else Cadence.YEAR
    period_options = _period_options(
        cadence, today, manageable, history=scope.has(Perm.OPEN_PAST_CYCLE)
    )
    period = next((o["value"] for o in period_options if o["selected"]), None)
    districts = _managed_districts(scope)
    policies = dict(
        RatingPolicy.objects.filter(district__in=districts).values_list("district_id", "cadence")
    )
    for d in districts:
        d.cadence = policies.get(d.pk, Cadence.YEAR)
    return render(
        request,
        "ratings/list.html",
        {
            "page": page,
            "villages": manageable,
            "period_options": period_options,
            "current_periods": list(periods.allowed_to_open(cadence, today)),
            "default_cut_off": _cut_off_value(period),
            "cadence": cadence,
            "districts": districts,
            "cadences": Cadence.choices,
            "may_rerun_history": scope.has(Perm.OPEN_PAST_CYCLE),
        },
    )


PAST_PERIODS_OFFERED = 4


def _period_options(cadence: str, today: date, villages: list[Region], *, history: bool):
    """The periods the open-cycle form offers: the current and the next one (and, for
    whoever may re-run history, a few earlier ones). A period every listed village
    already has a cycle for is shown as opened and cannot be chosen; the first
    period still open to some village is chosen by default."""
    allowed = list(periods.allowed_to_open(cadence, today))
    past = periods.earlier(cadence, today, PAST_PERIODS_OFFERED) if history else []
    opened: dict[str, set[int]] = {}
    for village_id, period in Cycle.objects.filter(
        village__in=villages, period__in=allowed + past
    ).values_list("village_id", "period"):
        opened.setdefault(period, set()).add(village_id)
    options = []
    for period in allowed + past:
        taken = len(opened.get(period, ())) >= len(villages)
        text = periods.label(period)
        if taken:
            text = _("%(period)s（已开启）") % {"period": text}
        elif period in past:
            text = _("%(period)s（重算历史）") % {"period": text}
        options.append({"value": period, "label": text, "disabled": taken, "selected": False})
    first = next((o for o in options[:2] if not o["disabled"]), None)
    if first is not None:
        first["selected"] = True
    return options


def _cut_off_value(period: str | None) -> str:
    cut_off = periods.default_cut_off(period) if period else None
    return cut_off.isoformat() if cut_off else ""


def _managed_districts(scope) -> list[Region]:
    ids = [
        g.region_id
        for g in scope.grants_for(Perm.SET_RATING_CADENCE)
        if g.region_level == Level.DISTRICT
    ]
    return (
        list(Region.objects.filter(pk__in=ids, level=Level.DISTRICT).order_by("path"))
        if ids
        else []
    )


@require_POST
@requires(Perm.SET_RATING_CADENCE)
def cycle_policy(request):
    """The district admin chooses yearly or quarterly cycles for the district."""
    district = next(
        (
            d
            for d in _managed_districts(request.scope)
            if d.pk == _int(request.POST.get("district"))
        ),
        None,
    )
    if district is None:
        raise Http404
    try:
        services.policy_set(
            actor=request.user, district=district, cadence=request.POST.get("cadence", "")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("ratings:list")
    messages.success(request, _("已保存本区的评定周期设置"))
    return redirect("ratings:list")


@require_POST
@requires(Perm.RUN_RATINGS)
def cycle_open(request):
    scope = request.scope
    village = scope.villages(Perm.RUN_RATINGS).filter(pk=_int(request.POST.get("village"))).first()
    if village is None:
        raise Http404
    try:
        cut_off = date.fromisoformat(request.POST.get("cut_off", ""))
    except ValueError:
        messages.error(request, _("请填写正确的截止日期"))
        return redirect("ratings:list")
    try:
        cycle = services.cycle_open(
            actor=request.user,
            village=village,
            period=request.POST.get("period", ""),
            cut_off=cut_off,
            history=request.POST.get("history") == "1",
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("ratings:list")
    messages.success(request, _("已开启评定周期"))
    return redirect("ratings:cycle", cycle.pk)


def _timeline(cycle) -> list[dict]:
    order = list(CycleState)
    reached = order.index(CycleState(cycle.state))
    stamps = [
        cycle.created_at,
        cycle.computed_at,
        cycle.review_at,
        cycle.notice_at,
        cycle.finalised_at,
    ]
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
    # Counted on the effective grades: committee adjustments and upheld appeals included.
    effective = selectors.effective_grades(cycle)
    counts = Counter(
        effective[h] for h in visible.values_list("household_id", flat=True) if h in effective
    )
    distribution = [(GRADE_LABELS[g], counts.get(g, 0)) for g in reversed(GRADES)]
    rows = (
        selectors.filter_ratings(visible, grade=grade, vetoed=vetoed, party=party)
        .select_related("household")
        .only(
            "pk",
            "tier",
            "total",
            "grade",
            "computed_grade",
            "vetoed",
            "household__id",
            "household__number",
            "household__head_name",
        )
        .order_by("household__number", "household_id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page:
        r.grade_label = GRADE_LABELS.get(r.grade, r.grade)
        r.tier_label = TIER_LABELS.get(r.tier, r.tier)
        now = effective.get(r.household_id, r.grade)
        r.adjusted_label = GRADE_LABELS[now] if now != r.grade else ""
    can_manage = scope.covers_region(cycle.village, Perm.RUN_RATINGS)
    step = services.NEXT_STATE.get(cycle.state)
    appeal_summary = (
        appeal_views.appeal_summary(scope, cycle)
        if cycle.state in (CycleState.NOTICE, CycleState.FINAL)
        else None
    )
    job = job_selectors.latest_for(request.user, rating_jobs.cycle_target(cycle.pk))
    job_view = job_selectors.view_of(job) if job is not None else None
    if job_view and job_view["succeeded"] and job.finished_at < timezone.now() - JOB_SHOWN_FOR:
        job_view = None  # an old success: the page itself shows the result
    return render(
        request,
        "ratings/cycle.html",
        {
            "cycle": cycle,
            "timeline": _timeline(cycle),
            "distribution": distribution,
            "page": page,
            "grades": [(g, GRADE_LABELS[g]) for g in reversed(GRADES)],
            "grade": grade,
            "vetoed": vetoed,
            "party": party,
            "filters": urlencode({"grade": grade, "vetoed": vetoed, "party": party}),
            "can_compute": can_manage
            and cycle.state in services.COMPUTABLE
            and not (job_view and job_view["active"]),
            "next_state": step[0] if can_manage and step and cycle.current_run else None,
            "appeal_summary": appeal_summary,
            "job": job_view,
            "return_to": request.path,
        },
    )


@require_POST
@requires(Perm.RUN_RATINGS)
def cycle_compute(request, pk):
    """Starts the computation as a background job and returns at once: the cycle page
    shows its progress, then the result (ratings/jobs.py)."""
    cycle = selectors.get_cycle(request.scope, pk)
    seen = request.POST.get("seen_run", "")
    try:
        job_start(
            actor=request.user,
            kind=rating_jobs.COMPUTE,
            region=cycle.village,
            target=rating_jobs.cycle_target(cycle.pk),
            label=_("计算 %(v)s %(p)s 的等级") % {"v": cycle.village.name, "p": cycle.period_label},
            # The run the page showed: a second click of that page is refused, not re-run.
            params={"cycles": [[cycle.pk, id_or_none(seen)]]},
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    return redirect("ratings:cycle", cycle.pk)


@require_POST
@requires(Perm.RUN_RATINGS)
def compute_district(request):
    """The district admin computes every village's cycle of a period at once: opens the
    missing ones and computes them in a background job; the job's page shows progress."""
    district = Region.objects.filter(pk=_int(request.POST.get("district")), level=Level.DISTRICT)
    found = district.first()
    if found is None or not request.scope.covers_region(found, Perm.RUN_RATINGS):
        raise Http404
    try:
        cut_off = date.fromisoformat(request.POST.get("cut_off", ""))
    except ValueError:
        messages.error(request, _("请填写正确的截止日期"))
        return redirect("ratings:list")
    period = request.POST.get("period", "")
    try:
        job = job_start(
            actor=request.user,
            kind=rating_jobs.COMPUTE_DISTRICT,
            region=found,
            target=rating_jobs.district_target(found.pk, period),
            label=_("计算%(d)s %(p)s 各村的等级") % {"d": found.name, "p": periods.label(period)},
            params={"district": found.pk, "period": period, "cut_off": cut_off.isoformat()},
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        return redirect("ratings:list")
    return redirect("jobs:detail", job.pk)


@require_POST
@requires(Perm.RUN_RATINGS)
def cycle_advance(request, pk):
    cycle = selectors.get_cycle(request.scope, pk)
    try:
        cycle = services.cycle_advance(
            actor=request.user, cycle=cycle, to_state=request.POST.get("to_state", "")
        )
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
