"""Party and cadre reserve candidates: the forms of the pages."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxin.lib.forms import DateInput
from sanxin.lib.text import LineField, TextField
from sanxin.rewards.models import CandidateKind
from sanxin.rules.choices import Grade


class NominateForm(forms.Form):
    """A nomination: from a suggestion (`person` set) or by hand (household number and name)."""

    kind = forms.ChoiceField(label=_("类别"), choices=CandidateKind.choices)
    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    household_number = LineField(label=_("户号"), max_length=30, required=False, code=True)
    name = LineField(label=_("姓名"), max_length=30, required=False)
    reason = TextField(
        label=_("提名理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # A double submit nominates once (see ledger.submissions).
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("household_number") and data.get("name")):
            raise forms.ValidationError(_("请填写户号和姓名"))
        return data


class StepForm(forms.Form):
    reason = TextField(
        label=_("理由"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CriteriaForm(forms.Form):
    effective_from = forms.DateField(label=_("生效日期"), widget=DateInput())
    min_grade = forms.ChoiceField(
        label=_("户在用等级至少"),
        choices=[(g.value, g.label) for g in Grade if g != Grade.UNRATED],
        initial=Grade.A4,
    )
    party_min_age = forms.IntegerField(
        label=_("发展党员后备人选最低年龄"), min_value=18, max_value=100, initial=18
    )
    party_max_age = forms.IntegerField(
        label=_("发展党员后备人选最高年龄（空为不限）"), min_value=18, max_value=100, required=False
    )
    cadre_min_vanguard = forms.DecimalField(
        label=_("村干部后备人选先锋积分至少（百分制）"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        initial=Decimal(80),
    )
    cadre_max_age = forms.IntegerField(
        label=_("村干部后备人选最高年龄（空为不限）"), min_value=18, max_value=100, required=False
    )
    exclude_vetoed = forms.BooleanField(
        label=_("有生效中的一票否决时不建议"), required=False, initial=True
    )
