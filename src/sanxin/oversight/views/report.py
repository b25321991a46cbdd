"""The period report for the leading group (/oversight/report/): choose the region (a
district admin or department viewer the district or one of its towns; a town admin its
own town) and the period, read the figures on the page, download them as PDF (A4) or
Excel. docs/reports.md says what each figure counts."""

from __future__ import annotations

import logging

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.jobs.services import job_start
from sanxin.lib.export import XLSX_TYPE
from sanxin.oversight import jobs as report_jobs
from sanxin.oversight.report import (
    PeriodReport,
    build_report,
    report_filename,
    report_regions,
    report_xlsx,
)
from sanxin.oversight.report_forms import ReportForm
from sanxin.oversight.report_pdf import report_pdf

logger = logging.getLogger(__name__)


def _form(request) -> ReportForm:
    """The form over the user's regions; a region out of reach does not exist (404)."""
    form = ReportForm(
        request.GET, regions=report_regions(request.scope), today=timezone.localdate()
    )
    if not form.is_valid() and "region" in form.errors:
        raise Http404
    return form


def _report(request, form: ReportForm) -> PeriodReport:
    return build_report(
        request.scope,
        form.cleaned_data["region"],
        form.cleaned_data["period"],
        timezone.localdate(),
    )


@require_GET
@requires(Perm.REPORT_VIEW)
def report(request):
    form = _form(request)
    result = _report(request, form) if form.is_valid() else None
    return render(
        request,
        "oversight/report.html",
        {"form": form, "report": result, "query": form.query()},
    )


def _filename(report: PeriodReport, ext: str) -> str:
    return report_filename(report, ext)


@require_POST
@requires(Perm.REPORT_VIEW)
@rates.limited(rates.EXPORT)
def report_pdf_job(request):
    """The PDF made by a background job (oversight/jobs.py); the browser goes to the
    job's page, which offers the file. The chosen region and period come as fields."""
    form = ReportForm(
        request.POST, regions=report_regions(request.scope), today=timezone.localdate()
    )
    if not form.is_valid() and "region" in form.errors:
        raise Http404
    if not form.is_valid():
        return HttpResponseBadRequest(_("统计期不正确。"))
    region, period = form.cleaned_data["region"], form.cleaned_data["period"]
    job = job_start(
        actor=request.user,
        kind=report_jobs.REPORT_PDF,
        region=region,
        target=report_jobs.report_target(region.pk, period.start, period.end),
        label=_("生成%(r)s工作报告（PDF，%(s)s 至 %(e)s）")
        % {"r": region.name, "s": period.start.isoformat(), "e": period.end.isoformat()},
        params={
            "region": region.pk,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "made_on": timezone.localdate().isoformat(),
        },
    )
    return redirect("jobs:detail", job.pk)


@require_GET
@requires(Perm.REPORT_VIEW)
@rates.limited(rates.EXPORT)
def report_pdf_download(request):
    form = _form(request)
    if not form.is_valid():
        return HttpResponseBadRequest(_("统计期不正确。"))
    result = _report(request, form)
    content = report_pdf(result)
    logger.info("report pdf region=%s bytes=%d", result.region.pk, len(content))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_filename(result, "pdf")
    )
    return response


@require_GET
@requires(Perm.REPORT_VIEW)
@rates.limited(rates.EXPORT)
def report_xlsx_download(request):
    form = _form(request)
    if not form.is_valid():
        return HttpResponseBadRequest(_("统计期不正确。"))
    result = _report(request, form)
    response = HttpResponse(report_xlsx(result), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_filename(result, "xlsx")
    )
    return response
