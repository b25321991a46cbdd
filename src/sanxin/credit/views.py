"""双基 credit assessments in the browser: the officer's list, the assessment form
(a correction when the period already has one), a household's history (details
only for the credit union and the household), and the Excel import."""

from __future__ import annotations

import uuid
from datetime import date
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Field, Perm
from sanxin.credit import importing, selectors, services
from sanxin.credit.forms import (
    AssessmentForm,
    CreditUploadForm,
    answer_field_name,
    points_text,
)
from sanxin.credit.jobs import CREDIT
from sanxin.credit.models import CreditAssessment
from sanxin.credit.periods import current_period, period_error
from sanxin.households import import_jobs
from sanxin.households.selectors import household_search
from sanxin.households.upload_form import preview_page, upload_page
from sanxin.lib.forms import apply_service_errors, id_or_none
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.selectors import scheme_for_village

PAGE_SIZE = 30
PERIOD_CHOICES = 6  # the current year and the five before it


def _period_from(request: HttpRequest) -> str:
    period = request.GET.get("period", "").strip()
    return period if period and period_error(period) is None else current_period()


def _period_choices(selected: str) -> list[str]:
    year = timezone.localdate().year
    choices = [str(y) for y in range(year, year - PERIOD_CHOICES, -1)]
    if selected not in choices:
        choices.append(selected)
    return choices


def _int_param(request: HttpRequest, name: str) -> str:
    value = request.GET.get(name, "")
    return value if id_or_none(value) is not None else ""


# --- the officer's list ------------------------------------------------------------


@require_GET
@requires(Perm.RECORD_CREDIT)
def credit_list(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    period = _period_from(request)
    village_id = _int_param(request, "village")
    group_id = _int_param(request, "group")
    query = request.GET.get("q", "").strip()

    households = scope.households(Perm.RECORD_CREDIT)
    if village_id:
        households = households.filter(village_id=int(village_id))
    if group_id:
        households = households.filter(villager_group_id=int(group_id))
    households = household_search(households, query, by_id_in=scope.households(Perm.REVEAL_ID))
    current = CreditAssessment.objects.filter(
        household=OuterRef("pk"), period=period, superseded_by__isnull=True
    ).order_by("-id")
    assessed_count = households.filter(Exists(current)).count()
    rows = (
        households.select_related("village", "villager_group")
        .annotate(
            credit_id=Subquery(current.values("pk")[:1]),
            credit_total=Subquery(current.values("total")[:1]),
            credit_on=Subquery(current.values("assessed_on")[:1]),
        )
        .order_by("village__path", "number", "id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    villages = scope.villages(Perm.RECORD_CREDIT).order_by("path")
    groups = (
        scope.regions(Perm.RECORD_CREDIT)
        .filter(level=Level.GROUP)
        .select_related("parent")
        .order_by("path")
    )
    if village_id:
        groups = groups.filter(parent_id=int(village_id))
    return render(
        request,
        "credit/list.html",
        {
            "page": page,
            "period": period,
            "periods": _period_choices(period),
            "q": query,
            "villages": villages,
            "village_id": village_id,
            "groups": groups,
            "group_id": group_id,
            "assessed_count": assessed_count,
            "filters": urlencode(
                {"period": period, "q": query, "village": village_id, "group": group_id}
            ),
        },
    )


# --- the assessment form -------------------------------------------------------------


def _scheme_date(form_data, today):
    """The date whose scheme builds the form: the posted assessment date when it is
    a real date not in the future, else today."""
    raw = (form_data.get("assessed_on") or "").strip() if form_data else ""
    try:
        on = date.fromisoformat(raw)
    except ValueError:
        return today
    return on if on <= today else today


@require_http_methods(["GET", "POST"])
@requires(Perm.RECORD_CREDIT)
def credit_assess(request: HttpRequest, pk: int) -> HttpResponse:
    household = request.scope.get_household(pk, Perm.RECORD_CREDIT)
    today = timezone.localdate()
    on = _scheme_date(request.POST if request.method == "POST" else None, today)
    version = scheme_for_village(household.village, on)
    if version is None and on != today:
        # No scheme on the posted date: build the form from today's; the service
        # then names the date as the problem.
        version = scheme_for_village(household.village, today)
    if version is None:
        return render(request, "credit/assess.html", {"household": household, "form": None})
    correcting: CreditAssessment | None = None

    if request.method == "POST":
        form = AssessmentForm(request.POST.copy(), scheme=version.scheme)
        posted_period = request.POST.get("period", "").strip()
        if period_error(posted_period) is None:
            correcting = selectors.current_assessment(household, posted_period)
        if form.is_valid():
            period = form.cleaned_data["period"]
            note = form.cleaned_data["note"].strip()
            earlier = services.assessment_submitted(
                actor=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
                household=household,
                period=period,
                assessed_on=form.cleaned_data["assessed_on"],
                answers=form.answers(),
                note=note,
                supersedes_id=form.cleaned_data["supersedes"],
            )
            if earlier is not None:
                messages.info(
                    request,
                    _(
                        "这份评定表已经提交过，未重复录入：%(number)s 号户 %(period)s 年总分 %(total)s 分。"
                    )
                    % {
                        "number": household.number,
                        "period": earlier.period,
                        "total": points_text(earlier.total),
                    },
                )
                return redirect("credit:detail", pk=household.pk)
            if correcting is not None and form.cleaned_data["supersedes"] != correcting.pk:
                # The period has an assessment the officer has not seen on this form.
                form.data["supersedes"] = str(correcting.pk)
                form.add_error(
                    "period",
                    _(
                        "该户 %(period)s 年已有评定（%(date)s，总分 %(total)s）。再次提交将更正该评定，请在备注中说明更正原因。"
                    )
                    % {
                        "period": period,
                        "date": correcting.assessed_on.isoformat(),
                        "total": points_text(correcting.total),
                    },
                )
            elif correcting is not None and not note:
                form.add_error("note", _("更正评定必须在备注中说明原因。"))
            else:
                try:
                    assessment = services.assessment_record(
                        actor=request.user,
                        household=household,
                        period=period,
                        assessed_on=form.cleaned_data["assessed_on"],
                        answers=form.answers(),
                        note=note,
                        supersedes=correcting,
                        idempotency_key=form.cleaned_data["idempotency_key"],
                    )
                except ValidationError as exc:
                    # The service names an answer by its indicator's code.
                    apply_service_errors(
                        form,
                        exc,
                        fields={
                            ind.code: answer_field_name(ind.code)
                            for area in version.scheme.credit_areas
                            for ind in area.indicators
                        },
                    )
                except IntegrityError:
                    form.add_error(
                        None, _("该户本期的评定刚被他人录入或更正，请刷新页面查看后再提交。")
                    )
                else:
                    scores = "，".join(
                        f"{a.name} {points_text(a.score)} 分"
                        for a in selectors.assessment_areas(assessment, version.scheme)
                        if a.score is not None
                    )
                    messages.success(
                        request,
                        _(
                            "已保存 %(number)s 号户 %(period)s 年的评定%(kind)s：%(scores)s；总分 %(total)s 分。"
                        )
                        % {
                            "number": household.number,
                            "period": period,
                            "kind": _("（更正）") if correcting else "",
                            "scores": scores,
                            "total": points_text(assessment.total),
                        },
                    )
                    return redirect("credit:detail", pk=household.pk)
    else:
        period = _period_from(request)
        correcting = selectors.current_assessment(household, period)
        initial = {"period": period, "assessed_on": today, "idempotency_key": uuid.uuid4().hex}
        if correcting is not None:
            initial["supersedes"] = correcting.pk
            codes = {
                ind.code: {o.code for o in ind.options}
                for area in version.scheme.credit_areas
                for ind in area.indicators
            }
            for code, option in correcting.answers.items():
                if option in codes.get(code, ()):
                    initial[answer_field_name(code)] = option
            # The officer is shown the household's present answers: a sensitive read.
            services.credit_details_viewed(
                actor=request.user,
                household=household,
                assessments=[correcting],
                context="correction_form",
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        form = AssessmentForm(initial=initial, scheme=version.scheme)
    if request.method == "POST" and correcting is not None:
        # Shown again as a correction of the assessment now in effect.
        form.data["supersedes"] = str(correcting.pk)

    response = render(
        request,
        "credit/assess.html",
        {
            "household": household,
            "form": form,
            "version": version,
            "correcting": correcting,
            "correcting_areas": selectors.assessment_areas(correcting) if correcting else None,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# --- a household's history -----------------------------------------------------------


@require_GET
@requires(Perm.VIEW_REGISTRY)
def credit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request.scope
    household = scope.get_household(pk)
    scope.require(Field.POINTS, household)
    show_details = scope.sees_credit_details(household)
    assessments = list(
        household.credit_assessments.select_related(
            "scheme_version", "assessed_by", "superseded_by"
        ).order_by("-period", "-assessed_on", "-id")
    )
    schemes = {}
    history = []
    for a in assessments:
        if a.scheme_version_id not in schemes:
            schemes[a.scheme_version_id] = a.scheme_version.scheme
        history.append(
            {
                "assessment": a,
                "areas": selectors.assessment_areas(a, schemes[a.scheme_version_id]),
                "superseded": getattr(a, "superseded_by", None) is not None,
            }
        )
    if show_details:
        services.credit_details_viewed(
            actor=request.user,
            household=household,
            assessments=assessments,
            context="history",
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    response = render(
        request,
        "credit/detail.html",
        {
            "household": household,
            "history": history,
            "show_details": show_details,
            "can_assess": scope.covers_household(household, Perm.RECORD_CREDIT),
            "period": current_period(),
        },
    )
    if show_details:
        response["Cache-Control"] = "no-store"
    return response


# --- the Excel import ------------------------------------------------------------------

IMPORT_PREVIEW = "credit/import_preview.html"


def _villages(request: HttpRequest):
    return request.scope.villages(Perm.RECORD_CREDIT).select_related("parent").order_by("path")


def _preview(request: HttpRequest, **kwargs) -> HttpResponse:
    return preview_page(request, IMPORT_PREVIEW, **kwargs)


@require_http_methods(["GET", "POST"])
@requires(Perm.RECORD_CREDIT)
def credit_import_view(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: keep the file and check it in a job; its
    preview shows at once when the check has run, else its job page."""

    def check(village: Region, upload, content: bytes) -> HttpResponse:
        job = import_jobs.start_check(
            CREDIT, actor=request.user, village=village, filename=upload.name, content=content
        )
        return import_jobs.upload_response(request, job, CREDIT, partial(_preview, request))

    return upload_page(
        request,
        form_class=CreditUploadForm,
        villages=_villages(request),
        template="credit/import.html",
        check=check,
    )


@require_POST
@requires(Perm.RECORD_CREDIT)
def credit_import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Record a previewed file: checked again from the stored copy and recorded,
    all or nothing, by a job (once, however often the button is pressed)."""
    return import_jobs.confirm_response(
        request,
        token,
        kind=CREDIT,
        villages=_villages(request),
        expired_message=_("预览已过期，请重新上传评定表。"),
        upload_url="credit:import",
        preview=partial(_preview, request),
    )


@require_GET
@requires(Perm.RECORD_CREDIT)
def credit_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A credit import's job: its progress, then the preview or the result."""
    return import_jobs.job_page(request, pk, kind=CREDIT, preview=partial(_preview, request))


@require_GET
@requires(Perm.RECORD_CREDIT)
def credit_template(request: HttpRequest) -> HttpResponse:
    """The import template for the scheme in force in the chosen (or first) village."""
    villages = _villages(request)
    chosen = _int_param(request, "village")
    village = villages.filter(pk=int(chosen)).first() if chosen else villages.first()
    if chosen and village is None:
        raise Http404
    version = scheme_for_village(village, timezone.localdate()) if village else None
    if version is None:
        messages.error(request, _("还没有生效的评分方案，无法生成评定表模板。"))
        return redirect("credit:import")
    response = HttpResponse(
        importing.build_template(version.scheme),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_("信用评定导入模板.xlsx")
    )
    return response
