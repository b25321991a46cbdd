"""The committee review screens of a rating cycle: the households with their grades
and reasons (filters for the committee), a grade adjustment, the pending
adjustments with confirm/refuse, the closing meeting and the printable sign-off
sheet. Writes go through `ratings.services.review`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts.choices import Role
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.ratings import selectors
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Adjustment, ReviewMeeting
from sanxin.ratings.services import review
from sanxin.rules.scheme import GRADE_LABELS, GRADES, TIER_LABELS

PAGE_SIZE = 50
NEAR_POINTS = Decimal(2)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _is_committee(scope, cycle) -> bool:
    return scope.covers_region(cycle.village, Perm.REVIEW_RATINGS)


def _check_can_view(scope, cycle) -> None:
    """The village's committee and the town and district admins over it."""
    if not scope.covers_region(cycle.village, Perm.OVERSEE_RATINGS):
        raise PermissionDenied


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _attempt(request, write, *, denied: str) -> tuple[bool, dict[str, list[str]]]:
    """Run a service call for a form: (done, field errors). A refusal or an error
    not tied to a field becomes a message on the page."""
    try:
        write()
    except PermissionDenied as exc:
        messages.error(request, str(exc) or denied)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return False, exc.message_dict
        messages.error(request, _errors(exc))
    else:
        return True, {}
    return False, {}


def _near_ids(qs) -> list[int]:
    ids = []
    for pk, to_next in qs.values_list("pk", "result__points_to_next_grade"):
        try:
            if to_next is not None and Decimal(str(to_next)) <= NEAR_POINTS:
                ids.append(pk)
        except InvalidOperation:
            continue
    return ids


def _changed_household_ids(cycle, current: dict[int, str]) -> set[int]:
    previous = selectors.previous_cycle(cycle)
    if previous is None:
        return set()
    before = selectors.effective_grades(previous)
    return {h for h, g in current.items() if h in before and before[h] != g}


@requires(Perm.VIEW_REGISTRY)
def review_list(request, pk):
    scope = request.scope
    cycle = selectors.get_cycle(scope, pk)
    _check_can_view(scope, cycle)
    f = {k: request.GET.get(k, "") for k in ("grade", "vetoed", "party", "near", "changed")}
    visible = selectors.current_ratings(cycle)
    effective = selectors.effective_grades(cycle)
    adjusted = selectors.adjusted_grades(cycle)
    rows = selectors.filter_ratings(visible, vetoed=f["vetoed"], party=f["party"])
    if f["grade"] in GRADES:
        rows = rows.filter(household_id__in=[h for h, g in effective.items() if g == f["grade"]])
    if f["near"] == "1":
        rows = rows.filter(pk__in=_near_ids(rows))
    previous = selectors.previous_cycle(cycle)
    if f["changed"] == "1":
        rows = rows.filter(household_id__in=list(_changed_household_ids(cycle, effective)))
    rows = (
        rows.select_related("household")
        .only(
            "pk",
            "tier",
            "total",
            "grade",
            "vetoed",
            "reasons",
            "result",
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
        r.adjusted_label = (
            GRADE_LABELS.get(adjusted[r.household_id]) if r.household_id in adjusted else ""
        )
        r.points_to_next = (r.result or {}).get("points_to_next_grade")
    can_adjust = (
        _is_committee(scope, cycle)
        and cycle.state == CycleState.REVIEW
        and not ReviewMeeting.objects.filter(cycle=cycle).exists()
    )
    return render(
        request,
        "ratings/review.html",
        {
            "cycle": cycle,
            "page": page,
            "f": f,
            "filters": urlencode(f),
            "previous": previous,
            "grades": [(g, GRADE_LABELS[g]) for g in reversed(GRADES)],
            "can_adjust": can_adjust,
            "is_committee": _is_committee(scope, cycle),
        },
    )


@requires(Perm.REVIEW_RATINGS)
def adjust(request, pk, household):
    scope = request.scope
    cycle = selectors.get_cycle(scope, pk)
    household = scope.get_household(household, Perm.REVIEW_RATINGS)
    if household.village_id != cycle.village_id:
        raise Http404
    rating = selectors.current_ratings(cycle).filter(household=household).first()
    if rating is None:
        raise Http404
    current = selectors.effective_grade(cycle, household, rating)
    errors: dict[str, list[str]] = {}
    form = {"to_grade": "", "reason": ""}
    if request.method == "POST":
        form = {
            "to_grade": request.POST.get("to_grade", ""),
            "reason": request.POST.get("reason", ""),
        }
        done, errors = _attempt(
            request,
            lambda: review.adjustment_propose(
                actor=request.user,
                cycle=cycle,
                household=household,
                to_grade=form["to_grade"],
                reason=form["reason"],
            ),
            denied=_("无权调整该农户的等级"),
        )
        if done:
            messages.success(request, _("已提出调整，待另一名评信团成员确认"))
            return redirect("ratings:adjustments", cycle.pk)
    history = (
        Adjustment.objects.filter(cycle=cycle, household=household)
        .select_related("decision", "proposed_by", "decision__decided_by")
        .order_by("proposed_at", "id")
    )
    return render(
        request,
        "ratings/adjust.html",
        {
            "cycle": cycle,
            "household": household,
            "rating": rating,
            "current_label": GRADE_LABELS.get(current, current),
            "grade_label": GRADE_LABELS.get(rating.grade, rating.grade),
            "tier_label": TIER_LABELS.get(rating.tier, rating.tier),
            "points_to_next": (rating.result or {}).get("points_to_next_grade"),
            "grades": [(g, GRADE_LABELS[g]) for g in reversed(GRADES)],
            "form": form,
            "errors": errors,
            "blocked": review.cannot_decide_on(request.user, household),
            "in_review": cycle.state == CycleState.REVIEW
            and not ReviewMeeting.objects.filter(cycle=cycle).exists(),
            "history": [
                (
                    a,
                    GRADE_LABELS.get(a.from_grade, a.from_grade),
                    GRADE_LABELS.get(a.to_grade, a.to_grade),
                )
                for a in history
            ],
        },
    )


def _adjustment_rows(cycle):
    return (
        Adjustment.objects.filter(cycle=cycle)
        .select_related("household__villager_group", "proposed_by", "decision__decided_by")
        .order_by("proposed_at", "id")
    )


def _label(adjustments):
    for a in adjustments:
        a.from_label = GRADE_LABELS.get(a.from_grade, a.from_grade)
        a.to_label = GRADE_LABELS.get(a.to_grade, a.to_grade)
        a.decided = getattr(a, "decision", None)
    return adjustments


@requires(Perm.VIEW_REGISTRY)
def adjustment_list(request, pk):
    scope = request.scope
    cycle = selectors.get_cycle(scope, pk)
    _check_can_view(scope, cycle)
    committee = _is_committee(scope, cycle)
    rows = _label(list(_adjustment_rows(cycle)))
    pending, decided = [], []
    for a in rows:
        if a.decided is None:
            a.blocked = (
                review.cannot_decide(request.user, a)
                if committee
                else _("只有本村评信团成员可以确认")
            )
            pending.append(a)
        else:
            decided.append(a)
    return render(
        request,
        "ratings/adjustments.html",
        {
            "cycle": cycle,
            "pending": pending,
            "decided": decided,
            "in_review": cycle.state == CycleState.REVIEW,
        },
    )


@require_POST
@requires(Perm.REVIEW_RATINGS)
def adjustment_decide(request, pk):
    scope = request.scope
    adjustment = (
        Adjustment.objects.filter(pk=_int(pk), cycle__in=selectors.cycles_for(scope))
        .select_related("cycle__village")
        .first()
    )
    if adjustment is None or not _is_committee(scope, adjustment.cycle):
        raise Http404
    confirm = request.POST.get("confirm") == "1"
    try:
        review.adjustment_decide(
            actor=request.user,
            adjustment=adjustment,
            confirm=confirm,
            reason=request.POST.get("reason", ""),
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("无权决定该调整"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("已确认调整") if confirm else _("已不同意调整"))
    return redirect("ratings:adjustments", adjustment.cycle_id)


@requires(Perm.REVIEW_RATINGS)
def meeting(request, pk):
    scope = request.scope
    cycle = selectors.get_cycle(scope, pk)
    if not _is_committee(scope, cycle):
        raise PermissionDenied
    members = selectors.committee_members(cycle.village)
    existing = ReviewMeeting.objects.filter(cycle=cycle).select_related("recorded_by").first()
    errors: dict[str, list[str]] = {}
    form = {
        "held_on": timezone.localdate().isoformat(),
        "present": {str(request.user.pk)},
        "decision": "",
    }
    if request.method == "POST" and existing is None:
        form = {
            "held_on": request.POST.get("held_on", ""),
            "present": set(request.POST.getlist("present")),
            "decision": request.POST.get("decision", ""),
        }
        try:
            held_on = date.fromisoformat(form["held_on"])
        except ValueError:
            held_on = None
        done, errors = _attempt(
            request,
            lambda: review.review_close(
                actor=request.user,
                cycle=cycle,
                held_on=held_on,
                present_user_ids=list(form["present"]),
                decision=form["decision"],
            ),
            denied=_("无权记录评审会议"),
        )
        if done:
            messages.success(request, _("已记录评审会议，评定周期可以进入公示"))
            return redirect("ratings:cycle", cycle.pk)
    for m in members:
        m.checked = str(m.pk) in form["present"]
        m.role_label = Role(m.committee_role).label
    pending = Adjustment.objects.filter(cycle=cycle, decision__isnull=True).count()
    return render(
        request,
        "ratings/meeting.html",
        {
            "cycle": cycle,
            "members": members,
            "existing": existing,
            "form": form,
            "errors": errors,
            "pending": pending,
            "in_review": cycle.state == CycleState.REVIEW,
            "quorum": len(members) // 2 + 1,
        },
    )


@requires(Perm.VIEW_REGISTRY)
def signoff(request, pk):
    scope = request.scope
    cycle = selectors.get_cycle(scope, pk)
    _check_can_view(scope, cycle)
    effective = selectors.effective_grades(cycle)
    counts = {g: 0 for g in GRADES}
    for g in effective.values():
        counts[g] = counts.get(g, 0) + 1
    distribution = [(GRADE_LABELS[g], counts[g]) for g in reversed(GRADES)]
    adjustments = _label(list(_adjustment_rows(cycle)))
    existing = ReviewMeeting.objects.filter(cycle=cycle).select_related("recorded_by").first()
    return render(
        request,
        "ratings/signoff.html",
        {
            "cycle": cycle,
            "distribution": distribution,
            "total": len(effective),
            "adjustments": adjustments,
            "meeting": existing,
            "today": timezone.localdate(),
        },
    )
