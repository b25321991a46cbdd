"""Loan pages: applying (the household from its phone, or the officer for it), the
officer's applications list, an application with its decision and disbursement, the
loans list, a loan with its schedule and repayments, the overdue list."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.lending import loan_selectors as reads
from sanxin.lending.choices import LINE_USABLE, ApplicationStatus, LoanStatus
from sanxin.lending.loan_forms import ApplyForm, DecideForm, DisburseForm
from sanxin.lending.models import Loan, LoanApplication
from sanxin.lending.services import loans as services
from sanxin.lib.forms import apply_service_errors

PAGE_SIZE = 30


def _own(request: HttpRequest, household) -> bool:
    return any(g.household_id == household.pk for g in request.scope.grants_for(Perm.LENDING_VIEW))


# --- applying ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(Perm.LENDING_VIEW)
def loan_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """The household's own application (its villager accounts), or the officer's
    record of one on its behalf."""
    household = request.scope.get_household(pk, Perm.LENDING_VIEW)
    own = _own(request, household)
    if not own and not request.scope.covers_household(household, Perm.LENDING_MANAGE):
        raise PermissionDenied
    today = timezone.localdate()
    line = services.current_line(household)
    problem = services.line_problem(line, today)
    room = services.available(line) if line is not None and problem is None else None
    pending = services.open_applications(household).first()
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.loan_apply(
                actor=request.user, household=household, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("申请已提交：%(amount)s 元，信用社处理后会通知您。")
                % {"amount": f"{application.amount:,.2f}"}
                if own
                else _("已代为录入申请：%(amount)s 元。")
                % {"amount": f"{application.amount:,.2f}"},
            )
            return redirect("lending:application", application.pk)
    return render(
        request,
        "lending/loans/apply.html",
        {
            "household": household,
            "form": form,
            "line": line,
            "problem": problem,
            "room": room,
            "pending": pending,
            "own": own,
        },
    )


# --- the officer's applications -----------------------------------------------------------


@require_GET
@requires(Perm.LENDING_MANAGE)
def application_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ApplicationStatus.APPLIED)
    if status not in ApplicationStatus.values and status != "all":
        status = ApplicationStatus.APPLIED
    qs = request.scope.filter(LoanApplication.objects, Perm.LENDING_MANAGE)
    counts = {s: n for s, n in qs.order_by().values_list("status").annotate(n=Count("pk"))}
    if status != "all":
        qs = qs.filter(status=status)
    page = Paginator(reads.applications(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "lending/loans/applications.html",
        {
            "page": page,
            "status": status,
            "statuses": [(s.value, s.label, counts.get(s.value, 0)) for s in ApplicationStatus],
            "filters": urlencode({"status": status}),
        },
    )


@require_GET
@requires(Perm.LENDING_VIEW)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = request.scope.get(
        LoanApplication.objects.select_related(
            "household__village",
            "household__villager_group",
            "credit_line",
            "applied_by",
            "decided_by",
        ),
        pk,
        Perm.LENDING_VIEW,
    )
    household = application.household
    officer = request.scope.covers_household(household, Perm.LENDING_MANAGE)
    loan = Loan.objects.filter(application=application).first()
    today = timezone.localdate()
    decide_form = disburse_form = None
    if officer and application.status == ApplicationStatus.APPLIED:
        decide_form = DecideForm()
    if officer and application.status == ApplicationStatus.GRANTED and loan is None:
        disburse_form = DisburseForm(initial={"disbursed_on": today, "amount": application.amount})
    line = application.credit_line
    return _application_page(
        request,
        application,
        loan=loan,
        officer=officer,
        decide_form=decide_form,
        disburse_form=disburse_form,
        room=services.available(line) if line.status in LINE_USABLE else None,
    )


def _application_page(request, application, *, loan, officer, decide_form, disburse_form, room):
    household = application.household
    return render(
        request,
        "lending/loans/application.html",
        {
            "application": application,
            "household": household,
            "loan": loan,
            "officer": officer,
            "own": _own(request, household),
            "reasons": reads.reason_labels(application.refusal_reasons),
            "decide_form": decide_form,
            "disburse_form": disburse_form,
            "room": room,
        },
    )


@require_POST
@requires(Perm.LENDING_MANAGE)
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = request.scope.get(
        LoanApplication.objects.select_related("household__villager_group", "credit_line"),
        pk,
        Perm.LENDING_MANAGE,
    )
    form = DecideForm(request.POST)
    if form.is_valid():
        grant = form.cleaned_data["decision"] == "grant"
        try:
            services.loan_decide(
                actor=request.user,
                application=application,
                grant=grant,
                reasons=[] if grant else form.cleaned_data["reasons"],
                note=form.cleaned_data["note"] or "",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已批准，请在放款后登记放款。")
                if grant
                else _("已记录不批准及其原因，并通知该户。"),
            )
            return redirect("lending:application", application.pk)
    return _application_page(
        request,
        application,
        loan=None,
        officer=True,
        decide_form=form,
        disburse_form=None,
        room=None,
    )


@require_POST
@requires(Perm.LENDING_MANAGE)
def application_disburse(request: HttpRequest, pk: int) -> HttpResponse:
    application = request.scope.get(
        LoanApplication.objects.select_related("household__villager_group", "credit_line"),
        pk,
        Perm.LENDING_MANAGE,
    )
    form = DisburseForm(request.POST)
    if form.is_valid():
        try:
            loan = services.loan_disburse(
                actor=request.user, application=application, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已登记放款，年利率 %(rate)s%%，还款计划已生成。")
                % {"rate": f"{loan.annual_rate.normalize():f}"},
            )
            return redirect("lending:loan", loan.pk)
    return _application_page(
        request,
        application,
        loan=None,
        officer=True,
        decide_form=None,
        disburse_form=form,
        room=None,
    )


@require_POST
@requires(Perm.LENDING_VIEW)
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = request.scope.get(
        LoanApplication.objects.select_related("household__villager_group"), pk, Perm.LENDING_VIEW
    )
    try:
        services.loan_withdraw(actor=request.user, application=application)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("申请已撤回。"))
    return redirect("lending:application", application.pk)


# --- loans -----------------------------------------------------------------------------------


@require_GET
@requires(Perm.LENDING_MANAGE)
def loan_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", LoanStatus.ACTIVE)
    if status not in LoanStatus.values and status != "all":
        status = LoanStatus.ACTIVE
    query = request.GET.get("q", "").strip()
    qs = request.scope.filter(Loan.objects, Perm.LENDING_MANAGE)
    if status != "all":
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(
            Q(bank_loan_number__icontains=query)
            | Q(household__number=query)
            | Q(household__head_name__contains=query)
        )
    page = Paginator(reads.loan_list(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "lending/loans/loans.html",
        {
            "page": page,
            "status": status,
            "statuses": LoanStatus.choices,
            "q": query,
            "filters": urlencode({"status": status, "q": query}),
        },
    )


@require_GET
@requires(Perm.LENDING_VIEW)
def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    loan = request.scope.get(
        Loan.objects.select_related(
            "household__village", "household__villager_group", "policy", "application"
        ),
        pk,
        Perm.LENDING_VIEW,
    )
    household = loan.household
    officer = request.scope.covers_household(household, Perm.LENDING_MANAGE)
    view = reads.loan_view(loan, timezone.localdate())
    response = render(
        request,
        "lending/loans/loan.html",
        {
            "loan": loan,
            "household": household,
            "view": view,
            "officer": officer,
            "veto_url": _veto_url(request, loan, view),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _veto_url(request: HttpRequest, loan: Loan, view) -> str | None:
    """Where the officer may propose the scheme's veto for a loan past due: the
    household's veto page, prefilled with the rule and the facts; never automatic."""
    household = loan.household
    if not view.state.days_past_due or not request.scope.covers_household(
        household, Perm.DECIDE_VETOES
    ):
        return None
    return veto_link(loan, view.state.days_past_due)


def veto_link(loan: Loan, days: int) -> str:
    facts = _("贷款 %(number)s（%(amount)s 元，%(date)s 放款）已逾期 %(days)d 天。") % {
        "number": loan.bank_loan_number,
        "amount": f"{loan.principal:,.2f}",
        "date": loan.disbursed_on.isoformat(),
        "days": days,
    }
    query = urlencode({"rule": reads.LOAN_DEFAULT_RULE, "evidence": facts})
    return f"{reverse('points:vetoes', args=[loan.household_id])}?{query}"


@require_GET
@requires(Perm.LENDING_MANAGE)
def overdue_list(request: HttpRequest) -> HttpResponse:
    bucket = request.GET.get("bucket", "")
    if bucket not in {key for key, *_ in reads.BUCKETS}:
        bucket = ""
    qs = request.scope.filter(Loan.objects, Perm.LENDING_MANAGE)
    counts = reads.bucket_counts(qs)
    page = Paginator(reads.overdue_loans(qs, bucket or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for loan in page:
        loan.bucket = reads.bucket_of(loan.days_past_due)
        loan.veto_url = veto_link(loan, loan.days_past_due)
    computed = (
        qs.filter(status=LoanStatus.ACTIVE)
        .order_by("days_past_due_on")
        .values_list("days_past_due_on", flat=True)
        .first()
    )
    return render(
        request,
        "lending/loans/overdue.html",
        {
            "page": page,
            "bucket": bucket,
            "buckets": [(key, label, counts[key]) for key, label, *_ in reads.BUCKETS],
            "total": sum(counts.values()),
            "computed_on": computed,
            "may_veto": request.scope.has(Perm.DECIDE_VETOES),
            "filters": urlencode({"bucket": bucket}),
        },
    )
