"""The roster import in the browser: upload → preview (every problem listed) →
confirm. The file waits between preview and confirm encrypted in PendingImport."""

from __future__ import annotations

from functools import partial

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households import import_jobs, importing
from sanxin.households.jobs import ROSTER
from sanxin.households.upload_form import (
    SpreadsheetUploadForm,
    VillageChoiceField,
    preview_page,
    upload_page,
)
from sanxin.regions.models import Region

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FILENAME = "花名册导入模板.xlsx"
PREVIEW = "households/roster_preview.html"


class RosterUploadForm(SpreadsheetUploadForm):
    village = VillageChoiceField(queryset=Region.objects.none(), label=gettext_lazy("导入到哪个村"))
    file = forms.FileField(label=gettext_lazy("花名册文件（.xlsx 或 .csv）"))


def _villages(request: HttpRequest):
    return request.scope.villages(Perm.CHANGE_REGISTRY).select_related("parent").order_by("path")


@require_http_methods(["GET", "POST"])
@requires(Perm.CHANGE_REGISTRY)
def roster_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check the file and show the preview."""

    def check(village: Region, upload, content: bytes) -> HttpResponse:
        # Checked by a job (households.import_jobs): its page shows the preview.
        job = import_jobs.start_check(
            ROSTER, actor=request.user, village=village, filename=upload.name, content=content
        )
        return import_jobs.upload_response(
            request, job, ROSTER, partial(preview_page, request, PREVIEW)
        )

    return upload_page(
        request,
        form_class=RosterUploadForm,
        villages=_villages(request),
        template="households/roster_import.html",
        check=check,
    )


@require_POST
@requires(Perm.CHANGE_REGISTRY)
def roster_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Apply a previewed file: checked again from the stored copy and applied, all
    or nothing, by a job (once, however often the button is pressed)."""
    return import_jobs.confirm_response(
        request,
        token,
        kind=ROSTER,
        villages=_villages(request),
        expired_message=_("预览已过期，请重新上传花名册。"),
        upload_url="households:roster_import",
        preview=partial(preview_page, request, PREVIEW),
    )


@require_safe
@requires(Perm.CHANGE_REGISTRY)
def roster_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A roster import's job: its progress, then the preview or the result."""
    return import_jobs.job_page(
        request, pk, kind=ROSTER, preview=partial(preview_page, request, PREVIEW)
    )


@require_safe
@requires(Perm.CHANGE_REGISTRY)
def roster_template(request: HttpRequest) -> HttpResponse:
    """The blank roster template (.xlsx), built in memory: small, and not streamed."""
    response = HttpResponse(importing.build_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=TEMPLATE_FILENAME
    )
    return response
