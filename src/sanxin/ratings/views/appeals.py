"""The appeal (异议) screens of a rating cycle: the cycle's appeals (all of them for
the village's committee and the admins over it, its own for a household), the
filing form (the household itself, or a committee member on its behalf, while the
notice window is open), one appeal with its answer, and the committee's decision.
Views stay thin: lookups go through the scope, writes through `ratings.services.appeals`."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm, Scope
from sanxin.households.models import Household
from sanxin.ledger.models import Entry
from sanxin.lib import photos as photo_files
from sanxin.lib.export import XLSX_TYPE, table_xlsx
from sanxin.lib.forms import apply_service_errors
from sanxin.ratings import selectors
from sanxin.ratings.choices import AppealKind, CycleState
from sanxin.ratings.forms import AppealDecideForm, AppealFileForm
from sanxin.ratings.models import Appeal, AppealPhoto, Cycle
from sanxin.ratings.services import appeals
from sanxin.rules.scheme import GRADE_LABELS
from sanxin.rules.selectors import scheme_for_village

PAGE_SIZE = 50
STATUSES = {
    "open": Q(decision__isnull=True),
    "upheld": Q(decision__upheld=True),
    "dismissed": Q(decision__upheld=False),
}


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _grade_label(grade: str) -> str:
    return GRADE_LABELS.get(grade, grade) if grade else "—"


def _days(delta: timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds() / 86400, 1)


# --- who sees which appeals ---------------------------------------------------------
def sees_all(scope: Scope, cycle: Cycle) -> bool:
    """The village's committee and the town and district admins over it."""
    return scope.covers_region(cycle.village, Perm.OVERSEE_RATINGS)


def own_households(scope: Scope, cycle: Cycle) -> list[tuple[int, str, str]]:
    """(pk, number, head name) of the user's own households in the cycle's village. At most one query."""
    own = scope.own_household_ids()
    if not own:
        return []
    return list(
        Household.objects.filter(pk__in=own, village_id=cycle.village_id)
        .order_by("number", "pk")
        .values_list("pk", "number", "head_name")
    )


def visible_appeals(scope: Scope, cycle: Cycle, own: list | None = None) -> QuerySet[Appeal] | None:
    """All of the cycle's appeals for those who see all, the user's own households'
    for household members, None for everyone else. `own`: `own_households(...)` if
    the caller has it already."""
    if sees_all(scope, cycle):
        return Appeal.objects.filter(cycle=cycle)
    if own is None:
        own = own_households(scope, cycle)
    if own:
        return Appeal.objects.filter(cycle=cycle, household_id__in=[pk for pk, _n, _h in own])
    return None


def summarize(qs: QuerySet[Appeal]) -> dict:
    """Counts and answer times of a set of appeals, in one query."""
    taken = ExpressionWrapper(
        F("decision__decided_at") - F("filed_at"), output_field=DurationField()
    )
    row = qs.order_by().aggregate(
        filed=Count("id"),
        open=Count("id", filter=Q(decision__isnull=True)),
        upheld=Count("id", filter=Q(decision__upheld=True)),
        dismissed=Count("id", filter=Q(decision__upheld=False)),
        average=Avg(taken),
        longest=Max(taken),
    )
    row["answered"] = row["upheld"] + row["dismissed"]
    row["average_days"] = _days(row.pop("average"))
    row["longest_days"] = _days(row.pop("longest"))
    return row


def appeal_summary(scope: Scope, cycle: Cycle) -> dict | None:
    """For the cycle page: the open and answered appeals the user may see (None if
    they may see none)."""
    qs = visible_appeals(scope, cycle)
    return None if qs is None else summarize(qs)


def _appeal_for(scope: Scope, pk) -> tuple[Appeal, bool]:
    """One appeal the user may see (404 otherwise), and whether they see it as
    committee or admin (True) or as a member of the household (False)."""
    appeal = (
        Appeal.objects.select_related(
            "cycle__village",
            "household__village",
            "household__villager_group",
            "entry__recorded_by",
            "filed_by",
            "decision__decided_by",
            "decision__reversal",
        )
        .filter(pk=_int(pk))
        .first()
    )
    if appeal is None:
        raise Http404
    if sees_all(scope, appeal.cycle):
        return appeal, True
    if appeal.household_id in scope.own_household_ids():
        return appeal, False
    raise Http404


def _label(appeal: Appeal, now) -> Appeal:
    decision = getattr(appeal, "decision", None)
    appeal.answer = decision
    appeal.kind_label = appeal.get_kind_display()
    appeal.grade_at_filing_label = _grade_label(appeal.grade_at_filing)
    if decision is None:
        appeal.status, appeal.status_label = "open", _("待处理")
        appeal.days = _days(now - appeal.filed_at)
    else:
        appeal.status, appeal.status_label = (
            ("upheld", _("异议成立")) if decision.upheld else ("dismissed", _("异议不成立"))
        )
        appeal.days = _days(decision.decided_at - appeal.filed_at)
        appeal.to_grade_label = _grade_label(decision.to_grade or appeal.grade_at_filing)
    return appeal


# --- the list -----------------------------------------------------------------------
@requires(Perm.VIEW_REGISTRY)
@rates.limited(rates.EXPORT, when=lambda r: r.GET.get("format") == "xlsx")
def appeal_list(request, pk):
    scope = request.scope
    cycle = selectors.get_cycle(scope, pk)
    own = own_households(scope, cycle)
    qs = visible_appeals(scope, cycle, own)
    if qs is None:
        raise Http404
    committee = scope.covers_region(cycle.village, Perm.DECIDE_APPEALS)
    if committee and request.GET.get("file_for"):
        # The "file on behalf of" picker: the filing form checks everything.
        return redirect("ratings:appeal_file", cycle.pk, _int(request.GET["file_for"]))
    status = request.GET.get("status", "")
    if status not in STATUSES:
        status = ""
    summary = summarize(qs)
    rows = qs.filter(STATUSES[status]) if status else qs
    rows = rows.select_related("household", "entry", "filed_by", "decision__decided_by").order_by(
        "-filed_at", "-id"
    )
    if request.GET.get("format") == "xlsx" and sees_all(scope, cycle):
        return _appeals_xlsx(cycle, rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for a in page:
        _label(a, now)
    window = appeals.window_problem(cycle, timezone.localdate())
    households = []
    if committee and not window:
        households = list(
            selectors.current_ratings(cycle)
            .order_by("household__number", "household_id")
            .values_list("household_id", "household__number", "household__head_name")
        )
    return render(
        request,
        "ratings/appeals.html",
        {
            "cycle": cycle,
            "page": page,
            "summary": summary,
            "status": status,
            "sees_all": sees_all(scope, cycle),
            "committee": committee,
            "window": window,
            "households": households,
            "own": own if not window else [],
            "filters": urlencode({"status": status}),
            "statuses": [
                ("", _("全部"), summary["filed"]),
                ("open", _("待处理"), summary["open"]),
                ("upheld", _("异议成立"), summary["upheld"]),
                ("dismissed", _("异议不成立"), summary["dismissed"]),
            ],
        },
    )


def _appeals_xlsx(cycle: Cycle, rows: QuerySet[Appeal]) -> HttpResponse:
    """The cycle's appeals as a spreadsheet for reporting: who filed what when, and
    who answered how and after how many days."""
    now = timezone.now()
    headers = [
        _("户号"),
        _("户主"),
        _("异议对象"),
        _("有异议的积分记录"),
        _("提出时的等级"),
        _("异议理由"),
        _("证据说明"),
        _("提出人"),
        _("代为提出"),
        _("提出时间"),
        _("处理结果"),
        _("处理后等级"),
        _("处理意见"),
        _("处理人"),
        _("处理时间"),
        _("用时（天）"),
    ]
    table = []
    for a in rows.iterator(chunk_size=500):
        _label(a, now)
        decision = a.answer
        table.append(
            [
                a.household.number,
                a.household.head_name,
                a.kind_label,
                f"{a.entry.item_name} {a.entry.occurred_on:%Y-%m-%d} {a.entry.points:+}"
                if a.entry_id
                else "",
                a.grade_at_filing_label,
                a.reason,
                a.evidence_text,
                str(a.filed_by),
                _("是") if a.on_behalf else _("否"),
                timezone.localtime(a.filed_at),
                a.status_label,
                getattr(a, "to_grade_label", ""),
                decision.reason if decision else "",
                str(decision.decided_by) if decision else "",
                timezone.localtime(decision.decided_at) if decision else None,
                a.days if decision else None,
            ]
        )
    title = _("%(village)s%(period)s异议") % {
        "village": cycle.village.name,
        "period": cycle.period_label,
    }
    content = table_xlsx(
        sheet=_("异议"),
        headers=headers,
        rows=table,
        widths=[8, 10, 14, 30, 10, 40, 30, 10, 8, 17, 10, 10, 40, 10, 17, 10],
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{title}.xlsx")
    return response


# --- filing -------------------------------------------------------------------------
def _household_for_filing(scope: Scope, pk) -> Household:
    """A household in the user's scope, or one of their own; 404 otherwise."""
    pk = _int(pk)
    visible = scope.households(Perm.VIEW_REGISTRY).filter(pk=pk)
    if pk in scope.own_household_ids():
        visible = Household.objects.filter(pk=pk)
    household = visible.select_related("village", "villager_group").first()
    if household is None:
        raise Http404
    return household


def disputable_entries(cycle: Cycle, household: Household) -> QuerySet[Entry]:
    """The household's approved entries counted in the cycle (up to its cut-off)
    that are not reversals and have not been reversed."""
    return (
        Entry.objects.filter(
            household=household,
            occurred_on__lte=cycle.cut_off,
            reversal_of__isnull=True,
            review__approved=True,
        )
        .exclude(reversals__review__approved=True)
        .select_related("recorded_by")
        .order_by("-occurred_on", "-id")
    )


@requires(Perm.VIEW_REGISTRY)
def appeal_file(request, pk, household):
    scope = request.scope
    cycle = selectors.get_cycle(scope, pk)
    household = _household_for_filing(scope, household)
    if household.village_id != cycle.village_id:
        raise Http404
    if not appeals.may_file_for(request.user, household):
        raise PermissionDenied
    today = timezone.localdate()
    rating = selectors.current_ratings(cycle).filter(household=household).first()
    blocked = appeals.window_problem(cycle, today)
    if not blocked and rating is None:
        blocked = _("该农户在本评定周期没有评定结果")
    entries = list(disputable_entries(cycle, household))
    status = 200
    if request.method == "POST":
        form = AppealFileForm(request.POST, request.FILES, entries=entries)
        status = 400  # unless filed
        if not blocked and form.is_valid():
            data = form.cleaned_data
            try:
                appeal = appeals.appeal_file(
                    actor=request.user,
                    cycle=cycle,
                    household=household,
                    kind=data["kind"],
                    reason=data["reason"],
                    evidence_text=data["evidence_text"],
                    entry=data["entry_obj"],
                    photos=data["photos"],
                    today=today,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已提出异议，评信团将在公示期内答复"))
                return redirect("ratings:appeal", appeal.pk)
    else:
        form = AppealFileForm(
            entries=entries,
            initial={
                "kind": request.GET.get("kind") or AppealKind.GRADE,
                "entry": request.GET.get("entry"),
            },
        )
    earlier = (
        Appeal.objects.filter(cycle=cycle, household=household)
        .select_related("decision", "entry")
        .order_by("-filed_at", "-id")
    )
    now = timezone.now()
    committee = appeals.is_committee_for(request.user, household)
    return render(
        request,
        "ratings/appeal_form.html",
        {
            "cycle": cycle,
            "household": household,
            "form": form,
            "entries": entries,
            "blocked": blocked,
            "grade_label": _grade_label(selectors.effective_grade(cycle, household, rating))
            if rating
            else "—",
            "committee": committee,
            "on_behalf": not appeals.is_own_household(request.user, household),
            "selected_entry": str(form["entry"].value() or ""),
            "selected_kind": str(form["kind"].value() or ""),
            "earlier": [_label(a, now) for a in earlier],
            "kinds": AppealKind.choices,
        },
        status=status,
    )


# --- one appeal and its decision ----------------------------------------------------
def _recomputed_grade(cycle: Cycle, household: Household) -> str:
    if scheme_for_village(household.village, cycle.cut_off) is None:
        return ""
    return appeals.recompute(cycle, household).grade


def _render_appeal(
    request,
    appeal: Appeal,
    full: bool,
    *,
    form: AppealDecideForm | None = None,
    refused: str = "",
    status: int = 200,
):
    user = request.user
    cycle = appeal.cycle
    _label(appeal, timezone.now())
    decision = appeal.answer
    blocked, recomputed = "", ""
    if decision is None and full:
        if refused:
            blocked = refused
        elif cycle.state != CycleState.NOTICE:
            blocked = _("评定周期现为“%(s)s”，不能再处理异议") % {"s": cycle.get_state_display()}
        else:
            blocked = appeals.cannot_decide(user, appeal)
        if not blocked:
            recomputed = (
                _recomputed_grade(cycle, appeal.household)
                if appeal.kind == AppealKind.GRADE
                else ""
            )
            if form is None:
                form = AppealDecideForm(
                    needs_grade=appeal.kind == AppealKind.GRADE, initial={"to_grade": recomputed}
                )
    return render(
        request,
        "ratings/appeal.html",
        {
            "appeal": appeal,
            "cycle": cycle,
            "household": appeal.household,
            "decision": decision,
            "full": full,
            "photos": list(
                AppealPhoto.objects.filter(appeal=appeal).order_by("id").only("pk", "appeal_id")
            ),
            "form": form if not blocked and decision is None else None,
            "form_errors": form.non_field_errors() if form is not None else [],
            "blocked": blocked,
            "recomputed_label": _grade_label(recomputed) if recomputed else "",
            "current_label": _grade_label(selectors.effective_grade(cycle, appeal.household)),
        },
        status=status,
    )


@requires(Perm.VIEW_REGISTRY)
def appeal_detail(request, pk):
    appeal, full = _appeal_for(request.scope, pk)
    return _render_appeal(request, appeal, full)


@require_POST
@requires(Perm.DECIDE_APPEALS)
def appeal_decide(request, pk):
    appeal, full = _appeal_for(request.scope, pk)
    why = appeals.cannot_decide(request.user, appeal)
    if why:
        return _render_appeal(request, appeal, full, refused=why, status=403)
    form = AppealDecideForm(request.POST, needs_grade=appeal.kind == AppealKind.GRADE)
    if form.is_valid():
        data = form.cleaned_data
        try:
            appeals.appeal_decide(
                actor=request.user,
                appeal=appeal,
                upheld=data["upheld_bool"],
                reason=data["reason"],
                to_grade=data.get("to_grade") or "",
            )
        except PermissionDenied as exc:
            return _render_appeal(request, appeal, full, refused=str(exc), status=403)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已答复异议：异议成立") if data["upheld_bool"] else _("已答复异议：异议不成立"),
            )
            return redirect("ratings:appeal", appeal.pk)
    return _render_appeal(request, appeal, full, form=form, status=400)


@requires(Perm.VIEW_REGISTRY)
def appeal_photo(request, pk):
    """An appeal's evidence photo, for those who may see the appeal."""
    found = AppealPhoto.objects.filter(pk=_int(pk)).only("pk", "appeal_id", "image").first()
    if found is None:
        raise Http404
    _appeal_for(request.scope, found.appeal_id)
    return photo_files.response(found.image, f"appeal-photo-{found.pk}")
