"""Credit certificates (信用等级证书): issuing one, its PDF, and the public page its
QR code opens (no login) that says whether it still holds."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.lib.pdf import CertificateDoc
from sanxin.lib.pdf import certificate_pdf as build_certificate_pdf
from sanxin.ratings import certificates
from sanxin.ratings.models import Certificate
from sanxin.ratings.notice import mask_name
from sanxin.rules.scheme import GRADE_LABELS


@require_POST
@requires(Perm.VIEW_REGISTRY)
def certificate_issue(request, household):
    household = request.scope.get_household(household)
    try:
        # Refuses (PermissionDenied → 403) those who may see but not issue.
        certificate = certificates.certificate_issue(actor=request.user, household=household)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, format_html(
            _("已出具信用等级证书（编号 {}）。<a href=\"{}\">查看并打印 PDF</a>"),
            certificate.serial, reverse("ratings:certificate_pdf", args=[certificate.pk]),
        ))
    return redirect("ratings:household_grades", household.pk)


def _village_name(village) -> str:
    return f"{village.parent.name} {village.name}" if village.parent_id else village.name


@require_GET
@requires(Perm.VIEW_REGISTRY)
def certificate_pdf(request, pk):
    certificate = (
        Certificate.objects.filter(household__in=request.scope.households(), pk=pk)
        .select_related("household__village__parent", "grade_record").first()
    )
    if certificate is None:
        raise Http404
    household, record = certificate.household, certificate.grade_record
    label = GRADE_LABELS.get(record.grade, record.grade)
    doc = CertificateDoc(
        serial=certificate.serial,
        head_name_masked=mask_name(household.head_name),
        village_name=_village_name(household.village),
        grade_label=_("%(grade)s级") % {"grade": label},
        grade=record.grade,
        effective_from=record.effective_from,
        valid_until=record.valid_until,
        issuer=_("%(village)s评信团") % {"village": household.village.name},
        verify_url=request.build_absolute_uri(reverse("certificate_verify", args=[certificates.token_for(certificate)])),
        issued_on=timezone.localdate(certificate.issued_at),
    )
    response = HttpResponse(build_certificate_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"信用等级证书-{certificate.serial}.pdf")
    return response


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
