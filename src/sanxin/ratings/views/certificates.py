"""Credit certificates (信用等级证书): issuing one, its PDF, and the public page its
QR code opens (no login) that says whether it still holds."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.jobs.services import job_start
from sanxin.ratings import certificates, selectors
from sanxin.ratings import jobs as rating_jobs
from sanxin.ratings.models import Certificate
from sanxin.ratings.pdf import CertificateDoc
from sanxin.ratings.pdf import certificate_pdf as build_certificate_pdf
from sanxin.ratings.services import certificates as certificate_services
from sanxin.rules.scheme import GRADE_LABELS


@require_POST
@requires(Perm.VIEW_REGISTRY)
def certificate_issue(request, household):
    household = request.scope.get_household(household)
    try:
        # Refuses (PermissionDenied → 403) those who may see but not issue.
        certificate = certificate_services.certificate_issue(
            actor=request.user, household=household
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            format_html(
                _('已出具信用等级证书（编号 {}）。<a href="{}">查看并打印 PDF</a>'),
                certificate.serial,
                reverse("ratings:certificate_pdf", args=[certificate.pk]),
            ),
        )
    return redirect("ratings:household_grades", household.pk)


def _doc(request, certificate: Certificate, village) -> CertificateDoc:
    return certificates.certificate_doc(certificate, village, request.build_absolute_uri("/"))


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@require_GET
@requires(Perm.VIEW_REGISTRY)
def certificate_pdf(request, pk):
    certificate = (
        Certificate.objects.filter(household__in=request.scope.households(), pk=pk)
        .select_related("household__village__parent", "grade_record")
        .first()
    )
    if certificate is None:
        raise Http404
    doc = _doc(request, certificate, certificate.household.village)
    return _pdf_response(build_certificate_pdf(doc), f"信用等级证书-{certificate.serial}.pdf")


@require_POST
@requires(Perm.VIEW_REGISTRY)
@rates.limited(rates.EXPORT)
def village_certificates(request, village):
    """Print the certificates of every household of the village at or above a grade
    (issuing the missing ones) as one PDF, a page each: a background job
    (ratings/jobs.py); the browser goes to the job's page, which offers the file."""
    village = (
        selectors.visible_villages(request.scope)
        .select_related("parent")
        .filter(pk=village)
        .first()
    )
    if village is None:
        raise Http404
    min_grade = request.POST.get("min_grade", "")
    if min_grade not in GRADE_LABELS or min_grade == "unrated":
        messages.error(request, _("请选择最低等级（A 至 5A）"))
        return redirect("ratings:village_results", village.pk)
    try:
        job = job_start(
            actor=request.user,
            kind=rating_jobs.CERTIFICATES,
            region=village,
            target=rating_jobs.certificates_target(village.pk),
            label=_("打印%(village)s信用等级证书（%(g)s及以上）")
            % {"village": village.name, "g": GRADE_LABELS[min_grade]},
            params={
                "village": village.pk,
                "min_grade": min_grade,
                "site": request.build_absolute_uri("/"),
            },
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("ratings:village_results", village.pk)
    return redirect("jobs:detail", job.pk)


@never_cache
@require_GET
def verify(request, token):
    """Public: anyone holding the printed certificate may check it. Shows the masked
    head name, village, grade and validity only — never an ID number or points."""
    certificate = certificates.certificate_from_token(token)
    if certificate is None:
        response = render(request, "ratings/verify_invalid.html", status=404)
    else:
        response = render(request, "ratings/verify.html", {"v": certificates.verify(certificate)})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
