"""Forms for editing the registry by hand (the roster import handles bulk)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxin.households.choices import CadrePost, HouseholdStatus, PoliticalStatus
from sanxin.lib import idcard
from sanxin.lib.forms import DateInput
from sanxin.lib.text import LineField
from sanxin.regions.choices import Level
from sanxin.regions.models import Region

PHONE = re.compile(r"^(1[3-9]\d{9}|(0\d{2,3}-?)?\d{7,8})$")


def clean_phone(value: str) -> str:
    value = re.sub(r"[\s]", "", value or "")
    if value and not PHONE.match(value):
        raise forms.ValidationError(
            _("电话格式不对：应为 11 位手机号，或 0314-1234567 这样的固定电话。")
        )
    return value


class IdNumberInput(forms.TextInput):
    """Never echoes the number back into the page: a re-shown form asks for it again."""

    def format_value(self, value):
        return None


class GroupField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.name


class HouseholdForm(forms.Form):
    villager_group = GroupField(queryset=Region.objects.none(), label=_("村民小组"))
    address = LineField(label=_("住址"), max_length=120, required=False)
    phone = LineField(label=_("联系电话"), max_length=20, required=False, code=True)
    status = forms.ChoiceField(label=_("状态"), choices=HouseholdStatus.choices)

    def __init__(self, *args, village: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villager_group"].queryset = Region.objects.filter(
            parent=village, level=Level.GROUP
        ).order_by("sort_order", "name")

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])


class NewHouseholdForm(HouseholdForm):
    number = LineField(label=_("户号"), max_length=30, code=True)
    head_name = LineField(label=_("户主姓名"), max_length=30)
    head_id_number = LineField(
        label=_("户主身份证号"),
        max_length=30,
        code=True,
        widget=IdNumberInput(attrs={"autocomplete": "off"}),
    )

    field_order = [
        "number",
        "villager_group",
        "head_name",
        "head_id_number",
        "address",
        "phone",
        "status",
    ]

    def clean_head_id_number(self):
        try:
            return idcard.parse(self.cleaned_data["head_id_number"])
        except idcard.IdNumberError as exc:
            raise forms.ValidationError(str(exc)) from None


class PersonForm(forms.Form):
    name = LineField(label=_("姓名"), max_length=30)
    relation = LineField(
        label=_("与户主关系"),
        max_length=20,
        help_text=_("户主填“户主”；其他如配偶、子、女、父亲、母亲、儿媳、孙子、孙女"),
    )
    phone = LineField(label=_("联系电话"), max_length=20, required=False, code=True)
    political_status = forms.ChoiceField(label=_("政治面貌"), choices=PoliticalStatus.choices)
    cadre_post = forms.ChoiceField(
        label=_("职务"), choices=[("", _("无"))] + list(CadrePost.choices), required=False
    )

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])


class NewPersonForm(PersonForm):
    id_number = LineField(
        label=_("身份证号"),
        max_length=30,
        code=True,
        widget=IdNumberInput(attrs={"autocomplete": "off"}),
    )

    field_order = ["name", "id_number", "relation", "phone", "political_status", "cadre_post"]

    def clean_id_number(self):
        try:
            return idcard.parse(self.cleaned_data["id_number"])
        except idcard.IdNumberError as exc:
            raise forms.ValidationError(str(exc)) from None


class MoveForm(forms.Form):
    to_number = LineField(
        label=_("迁入户的户号（本村）"), max_length=30, subject=_("户号"), code=True
    )
    relation = LineField(label=_("在新户中与户主关系"), max_length=20)
    moved_on = forms.DateField(label=_("迁移日期"), widget=DateInput())
    reason = LineField(label=_("原因"), max_length=200, required=False)
