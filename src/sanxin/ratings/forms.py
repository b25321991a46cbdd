"""Forms of the appeal (异议) screens. They check the shape of the input; the
services in `ratings.services.appeals` check the rules (window, who may file or decide,
which entry may be disputed) and name what is wrong."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sanxin.ledger.forms import PHOTO_HELP, PhotosField
from sanxin.lib.text import TextField
from sanxin.ratings.choices import AppealKind
from sanxin.ratings.services.appeals import MAX_PHOTOS
from sanxin.rules.scheme import GRADE_LABELS, GRADES

UPHELD_CHOICES = [("1", _("异议成立")), ("0", _("异议不成立"))]


class AppealFileForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("异议对象"),
        choices=AppealKind.choices,
        initial=AppealKind.GRADE,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择异议对象：等级或某条积分记录"),
            "invalid_choice": _("请选择异议对象：等级或某条积分记录"),
        },
    )
    entry = forms.TypedChoiceField(
        label=_("有异议的积分记录"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("请从本户计入本周期的积分记录中选择")},
    )
    reason = TextField(
        label=_("异议理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("请写明异议理由"),
            "max_length": _("异议理由不能超过 %(limit_value)d 字"),
        },
    )
    evidence_text = TextField(
        label=_("证据说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如证人、票据、照片等，可写明由谁保存、何时可以提供"),
        error_messages={"max_length": _("证据说明不能超过 %(limit_value)d 字")},
    )
    photos = PhotosField(
        label=_("证据照片"),
        max_count=MAX_PHOTOS,
        too_many=_("证据照片最多 %(n)d 张"),
        help_text=format_lazy(
            _("{help}。可选，最多 {n} 张（jpg、png 或 webp，每张不超过 8 MB）"),
            help=PHOTO_HELP,
            n=MAX_PHOTOS,
        ),
    )

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = {e.pk: e for e in entries}
        self.fields["entry"].choices = [(pk, str(pk)) for pk in self.entries]

    def clean(self):
        data = super().clean()
        if data.get("kind") == AppealKind.ENTRY:
            if data.get("entry") is None and "entry" not in self.errors:
                self.add_error("entry", _("请选择有异议的积分记录"))
        else:
            data["entry"] = None
        data["entry_obj"] = self.entries.get(data.get("entry"))
        return data


class AppealDecideForm(forms.Form):
    upheld = forms.ChoiceField(
        label=_("处理结果"),
        choices=UPHELD_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择异议是否成立"),
            "invalid_choice": _("请选择异议是否成立"),
        },
    )
    reason = TextField(
        label=_("处理意见和依据"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("请写明处理意见和依据"),
            "max_length": _("处理意见不能超过 %(limit_value)d 字"),
        },
    )
    to_grade = forms.ChoiceField(
        label=_("异议成立时的等级"),
        required=False,
        choices=[("", _("请选择"))] + [(g, GRADE_LABELS[g]) for g in reversed(GRADES)],
        error_messages={"invalid_choice": _("请选择调整后的等级")},
    )

    def __init__(self, *args, needs_grade: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_grade = needs_grade
        if not needs_grade:
            del self.fields["to_grade"]

    def clean(self):
        data = super().clean()
        data["upheld_bool"] = data.get("upheld") == "1"
        if (
            self.needs_grade
            and data["upheld_bool"]
            and not data.get("to_grade")
            and "to_grade" not in self.errors
        ):
            self.add_error("to_grade", _("异议成立时请选择调整后的等级"))
        return data
