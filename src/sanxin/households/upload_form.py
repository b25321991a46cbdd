"""The upload form the spreadsheet imports (roster, credit assessments, point
entries) share: a village among those the user may import into, and a file of at
most 5 MB ending in .xlsx or .csv. Each import declares the two fields with its own
labels. `upload_page` and `preview_page` are the two pages around it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanxin.lib.forms import id_or_none
from sanxin.regions.models import Region

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ALLOWED_SUFFIXES = (".xlsx", ".csv")


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.parent.name} {obj.name}" if obj.parent_id else obj.name


class SpreadsheetUploadForm(forms.Form):
    """Subclasses declare `village` (a VillageChoiceField) and `file` (a FileField)."""

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


def _refuse_unreachable_village(request: HttpRequest, villages) -> None:
    """A village outside the user's reach does not exist for them: 404."""
    chosen = request.POST.get("village", "")
    pk = id_or_none(chosen)
    if chosen and not (pk is not None and villages.filter(pk=pk).exists()):
        raise Http404


def _chosen_village(request: HttpRequest, villages) -> dict[str, int]:
    """`?village=<pk>` (the import's done link) preselects that village when it is
    one of the user's; anything else is ignored."""
    chosen = request.GET.get("village", "")
    pk = id_or_none(chosen)
    if pk is not None and villages.filter(pk=pk).exists():
        return {"village": pk}
    return {}


def upload_page(
    request: HttpRequest,
    *,
    form_class: type[SpreadsheetUploadForm],
    villages,
    template: str,
    check: Callable[[Region, UploadedFile, bytes], HttpResponse],
) -> HttpResponse:
    """GET: the upload form (`?village=` preselects a village). POST: a valid upload
    goes to `check(village, upload, content)`, which shows the preview; an invalid one
    shows the form again."""
    if request.method == "POST":
        _refuse_unreachable_village(request, villages)
        form = form_class(request.POST, request.FILES, villages=villages)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            return check(form.cleaned_data["village"], upload, upload.read())
    else:
        form = form_class(villages=villages, initial=_chosen_village(request, villages))
    return render(request, template, {"form": form, "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024)})


def preview_page(
    request: HttpRequest,
    template: str,
    *,
    village: Region,
    filename: str,
    result: Any,
    token: str | None = None,
    **context: Any,
) -> HttpResponse:
    """The check of an uploaded file: what it would do and every problem, with the
    token to confirm it when there is something to save. Not stored by the browser:
    it repeats what the file holds."""
    response = render(
        request,
        template,
        {"village": village, "filename": filename, "result": result, "token": token, **context},
    )
    response["Cache-Control"] = "no-store"
    return response
