"""The import of point entries from paper sheets, in the browser: upload → preview
(counts, every entry and every problem) → confirm. The file waits between preview
and confirm encrypted in PendingImport, as the roster import's does."""

from __future__ import annotations

from functools import partial

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households import import_jobs
from sanxin.households.upload_form import (
    SpreadsheetUploadForm,
    VillageChoiceField,
    preview_page,
    upload_page,
)
from sanxin.ledger import entry_import
from sanxin.ledger.entry_import import EntryImportResult
from sanxin.ledger.jobs import ENTRIES
from sanxin.lib.forms import id_or_none
from sanxin.regions.models import Region
from sanxin.rules.selectors import scheme_for_village

PREVIEW_ROWS = 500  # entries listed on the preview page; the counts cover them all


class EntryUploadForm(SpreadsheetUploadForm):
    village = VillageChoiceField(
        queryset=Region.objects.none(), label=gettext_lazy("积分记录属于哪个村")
    )
    file = forms.FileField(label=gettext_lazy("积分记录表（.xlsx 或 .csv）"))


def _villages(request: HttpRequest):
    return entry_import.import_villages(request.scope).select_related("parent").order_by("path")


def _preview(
    request: HttpRequest,
    *,
    village: Region,
    filename: str,
    result: EntryImportResult,
    token: str | None = None,
) -> HttpResponse:
    return preview_page(
        request,
        "ledger_import/preview.html",
        village=village,
        filename=filename,
        result=result,
        token=token,
        shown_rows=result.rows[:PREVIEW_ROWS],
        more_rows=max(result.created - PREVIEW_ROWS, 0) if result.ok else 0,
    )


@require_http_methods(["GET", "POST"])
@requires(Perm.RECORD_POINTS)
def upload(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check the file and show the preview."""

    def check(village: Region, file, content: bytes) -> HttpResponse:
        # Checked by a job (households.import_jobs): its page shows the preview.
        job = import_jobs.start_check(
            ENTRIES, actor=request.user, village=village, filename=file.name, content=content
        )
        return import_jobs.upload_response(request, job, ENTRIES, partial(_preview, request))

    return upload_page(
        request,
        form_class=EntryUploadForm,
        villages=_villages(request),
        template="ledger_import/upload.html",
        check=check,
    )


@require_POST
@requires(Perm.RECORD_POINTS)
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Record a previewed file: checked again from the stored copy and recorded,
    all or nothing, by a job (once, however often the button is pressed)."""
    return import_jobs.confirm_response(
        request,
        token,
        kind=ENTRIES,
        villages=_villages(request),
        expired_message=_("预览已过期，请重新上传积分记录表。"),
        upload_url="points_import:upload",
        preview=partial(_preview, request),
    )


@require_GET
@requires(Perm.RECORD_POINTS)
def job(request: HttpRequest, pk: int) -> HttpResponse:
    """An entry import's job: its progress, then the preview or the result."""
    return import_jobs.job_page(request, pk, kind=ENTRIES, preview=partial(_preview, request))


@require_GET
@requires(Perm.RECORD_POINTS)
def template(request: HttpRequest) -> HttpResponse:
    """The import template, with the items of the scheme in force today in the chosen
    (or the first) village."""
    villages = _villages(request)
    chosen = request.GET.get("village", "")
    if chosen:
        village_pk = id_or_none(chosen)
        village = villages.filter(pk=village_pk).first() if village_pk is not None else None
        if village is None:
            raise Http404
    else:
        village = villages.first()
    version = scheme_for_village(village, timezone.localdate()) if village is not None else None
    response = HttpResponse(
        entry_import.build_template(version),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, _("积分记录导入模板.xlsx"))
    return response
