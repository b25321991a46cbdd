"""Repayment pages: record one on a loan, reverse a mistaken one, and the bank's
file (upload → preview → confirm, all or nothing), with its template."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households import import_jobs
from sanxin.households.upload_form import preview_page, upload_page
from sanxin.lending import loan_selectors as reads
from sanxin.lending import repayment_import as importing
from sanxin.lending.choices import LoanStatus
from sanxin.lending.jobs import REPAYMENTS
from sanxin.lending.loan_forms import RepayForm, RepaymentUploadForm, ReverseForm
from sanxin.lending.models import Loan, Repayment
from sanxin.lending.services import repayments as services
from sanxin.lib.export import XLSX_TYPE
from sanxin.lib.forms import apply_service_errors
from sanxin.regions.models import Region

IMPORT_PREVIEW = "lending/loans/import_preview.html"


@require_http_methods(["GET", "POST"])
@requires(Perm.LENDING_MANAGE)
def repayment_new(request: HttpRequest, pk: int) -> HttpResponse:
    loan = request.scope.get(
        Loan.objects.select_related("household__village", "household__villager_group"),
        pk,
        Perm.LENDING_MANAGE,
    )
    today = timezone.localdate()
    form = RepayForm(request.POST or None, initial={"paid_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            repayment = services.repayment_record(
                actor=request.user, loan=loan, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已登记还款 %(amount)s 元（利息 %(interest)s 元，本金 %(principal)s 元）。")
                % {
                    "amount": f"{repayment.amount:,.2f}",
                    "interest": f"{repayment.interest_part:,.2f}",
                    "principal": f"{repayment.principal_part:,.2f}",
                },
            )
            return redirect("lending:loan", loan.pk)
    view = reads.loan_view(loan, today)
    return render(
        request,
        "lending/loans/repay.html",
        {"loan": loan, "household": loan.household, "form": form, "view": view,
         "active": loan.status == LoanStatus.ACTIVE},
    )  # fmt: skip


@require_POST
@requires(Perm.LENDING_MANAGE)
def repayment_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    repayment = request.scope.get(
        Repayment.objects.select_related("loan__household__villager_group"),
        pk,
        Perm.LENDING_MANAGE,
    )
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明冲正原因。"))
    else:
        try:
            services.repayment_reverse(
                actor=request.user, repayment=repayment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已冲正该笔还款，原记录保留。"))
    return redirect("lending:loan", repayment.loan_id)


# --- the bank's file ---------------------------------------------------------------------------


def _regions(request: HttpRequest):
    """The regions the officer holds (their assignments' regions): a file goes into
    the loans of one of them."""
    ids = [g.region_id for g in request.scope.grants_for(Perm.LENDING_MANAGE) if g.region_id]
    return Region.objects.filter(pk__in=ids).select_related("parent").order_by("path")


def _preview(request: HttpRequest, **kwargs) -> HttpResponse:
    return preview_page(request, IMPORT_PREVIEW, **kwargs)


@require_http_methods(["GET", "POST"])
@requires(Perm.LENDING_MANAGE)
def repayment_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: keep the file and check it in a job; its
    preview shows at once when the check has run, else its job page."""

    def check(region: Region, upload, content: bytes) -> HttpResponse:
        job = import_jobs.start_check(
            REPAYMENTS, actor=request.user, village=region, filename=upload.name, content=content
        )
        return import_jobs.upload_response(request, job, REPAYMENTS, partial(_preview, request))

    return upload_page(
        request,
        form_class=RepaymentUploadForm,
        villages=_regions(request),
        template="lending/loans/import.html",
        check=check,
    )


@require_POST
@requires(Perm.LENDING_MANAGE)
def repayment_import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Record a previewed file: checked again from the stored copy and recorded,
    all or nothing, by a job (once, however often the button is pressed)."""
    return import_jobs.confirm_response(
        request,
        token,
        kind=REPAYMENTS,
        villages=_regions(request),
        expired_message=_("预览已过期，请重新上传还款文件。"),
        upload_url="lending:repayment_import",
        preview=partial(_preview, request),
    )


@require_GET
@requires(Perm.LENDING_MANAGE)
def repayment_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A repayment import's job: its progress, then the preview or the result."""
    return import_jobs.job_page(request, pk, kind=REPAYMENTS, preview=partial(_preview, request))


@require_GET
@requires(Perm.LENDING_MANAGE)
def repayment_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(importing.build_template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_("还款导入模板.xlsx")
    )
    return response
