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
from sanxin.households import importing, pending_upload
from sanxin.households.importing import ImportResult
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


def _imported(village: Region, result: ImportResult) -> tuple[str, str]:
    """The message once a file is imported, and the page to go to."""
    message = _(
        "花名册已导入%(village)s：新增农户 %(hc)d 户，更新农户 %(hu)d 户；新增人员 %(pc)d 人，更新人员 %(pu)d 人，无变化 %(un)d 人。"
    ) % {
        "village": village.name,
        "hc": result.households_created,
        "hu": result.households_updated,
        "pc": result.people_created,
        "pu": result.people_updated,
        "un": result.unchanged,
    }
    return message, "households:list"


@require_http_methods(["GET", "POST"])
@requires(Perm.CHANGE_REGISTRY)
def roster_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check the file and show the preview."""

    def check(village: Region, upload, content: bytes) -> HttpResponse:
        sheet = importing.read_rows(content, upload.name)
        result = importing.plan_import(sheet, village).result()
        token = None
        if result.ok and result.changes_anything:
            token = importing.pending_import_create(
                user=request.user, village=village, filename=upload.name, content=content
            ).token
        return preview_page(
            request, PREVIEW, village=village, filename=sheet.filename, result=result, token=token
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
    """Apply a previewed file: checked again from the stored copy, all or nothing."""
    return pending_upload.confirm_page(
        request,
        token,
        villages=_villages(request),
        expired_message=_("预览已过期，请重新上传花名册。"),
        upload_url="households:roster_import",
        apply=importing.pending_import_confirm,
        preview=partial(preview_page, request, PREVIEW),
        done=_imported,
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
