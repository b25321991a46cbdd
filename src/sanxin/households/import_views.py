"""The roster import in the browser: upload → preview (every problem listed) →
confirm. The file waits between preview and confirm encrypted in PendingImport."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households import importing
from sanxin.households.importing import ImportResult
from sanxin.households.models import PendingImport
from sanxin.regions.models import Region

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FILENAME = "花名册导入模板.xlsx"
ALLOWED_SUFFIXES = (".xlsx", ".csv")


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.parent.name} {obj.name}" if obj.parent_id else obj.name


class RosterUploadForm(forms.Form):
    village = VillageChoiceField(queryset=Region.objects.none(), label=gettext_lazy("导入到哪个村"))
    file = forms.FileField(label=gettext_lazy("花名册文件（.xlsx 或 .csv）"))

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        field.queryset = villages
        if len(villages) == 1:
            field.empty_label = None
            field.initial = villages[0].pk
        else:
            field.empty_label = gettext_lazy("请选择村")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件超过 5 MB。请删除多余的工作表、图片或空行后重新上传。")
            )
        if PurePath(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(
                _("只能上传 .xlsx 或 .csv 文件；.xls 文件请先在 Excel 或 WPS 中另存为 .xlsx。")
            )
        return upload


def _villages(request: HttpRequest):
    return request.scope.villages(Perm.CHANGE_REGISTRY).select_related("parent").order_by("path")


def _preview(
    request: HttpRequest,
    *,
    village: Region,
    filename: str,
    result: ImportResult,
    token: str | None,
) -> HttpResponse:
    response = render(
        request,
        "households/roster_preview.html",
        {"village": village, "filename": filename, "result": result, "token": token},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@requires(Perm.CHANGE_REGISTRY)
def roster_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check the file and show the preview."""
    villages = _villages(request)
    if request.method == "POST":
        chosen = request.POST.get("village", "")
        # A village outside the user's reach does not exist for them.
        if chosen and not (chosen.isdigit() and villages.filter(pk=int(chosen)).exists()):
            raise Http404
        form = RosterUploadForm(request.POST, request.FILES, villages=villages)
        if form.is_valid():
            village: Region = form.cleaned_data["village"]
            upload = form.cleaned_data["file"]
            content = upload.read()
            sheet = importing.read_rows(content, upload.name)
            result = importing.plan_import(sheet, village).result()
            token = None
            if result.ok and result.changes_anything:
                pending = importing.pending_import_create(
                    user=request.user, village=village, filename=upload.name, content=content
                )
                token = pending.token
            return _preview(
                request, village=village, filename=sheet.filename, result=result, token=token
            )
    else:
        form = RosterUploadForm(villages=villages)
    return render(
        request,
        "households/roster_import.html",
        {"form": form, "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )


@require_POST
@requires(Perm.CHANGE_REGISTRY)
def roster_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Apply a previewed file: checked again from the stored copy, all or nothing."""
    pending = (
        PendingImport.objects.filter(token=token, user=request.user)
        .select_related("village")
        .first()
    )
    if pending is None or not _villages(request).filter(pk=pending.village_id).exists():
        raise Http404
    if not importing.pending_is_fresh(pending):
        pending.delete()
        messages.error(request, _("预览已过期，请重新上传花名册。"))
        return redirect("households:roster_import")
    village, filename = pending.village, pending.filename
    result = importing.pending_import_confirm(pending=pending, actor=request.user)
    if not result.ok:
        messages.error(request, _("导入没有完成，没有保存任何数据。请按下表修改后重新上传。"))
        return _preview(request, village=village, filename=filename, result=result, token=None)
    messages.success(
        request,
        _(
            "花名册已导入%(village)s：新增农户 %(hc)d 户，更新农户 %(hu)d 户；新增人员 %(pc)d 人，更新人员 %(pu)d 人，无变化 %(un)d 人。"
        )
        % {
            "village": village.name,
            "hc": result.households_created,
            "hu": result.households_updated,
            "pc": result.people_created,
            "pu": result.people_updated,
            "un": result.unchanged,
        },
    )
    return redirect("households:list")


@require_safe
@requires(Perm.CHANGE_REGISTRY)
def roster_template(request: HttpRequest) -> HttpResponse:
    """The blank roster template (.xlsx), built in memory: small, and not streamed."""
    response = HttpResponse(importing.build_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=TEMPLATE_FILENAME
    )
    return response
