"""Input validation for the points supermarket's pages kept by the core (the
district's redemption policy)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxin.lib.forms import DateInput
from sanxin.lib.text import TextField
from sanxin.rewards.models import DEFAULT_COMPONENTS
from sanxin.rules.choices import GRADE_LABELS, RATED_GRADES
from sanxin.rules.scheme import COMPONENT_LABELS

EXPIRY_CHOICES = [
    ("0", _("获得当年年底过期")),
    ("1", _("获得次年年底过期")),
    ("2", _("获得后第二年年底过期")),
    ("", _("不过期")),
]


def allowance_field(grade: str) -> str:
    return f"allowance_{grade}"


class PolicyForm(forms.Form):
    effective_from = forms.DateField(label=_("生效日期"), widget=DateInput())
    components = forms.MultipleChoiceField(
        label=_("哪些积分计入积分钱包"),
        choices=list(COMPONENT_LABELS.items()),
        initial=DEFAULT_COMPONENTS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("审核通过的加分按所选类别计入；扣分只影响等级，不扣钱包积分"),
    )
    min_grade = forms.ChoiceField(
        label=_("兑换最低等级"),
        choices=[(g, GRADE_LABELS[g]) for g in RATED_GRADES],
        initial="3A",
    )
    expiry_years = forms.TypedChoiceField(
        label=_("积分有效期"),
        choices=EXPIRY_CHOICES,
        initial="1",
        coerce=int,
        empty_value=None,
        required=False,
    )
    notify_days_before = forms.IntegerField(
        label=_("过期前几天提醒"), min_value=0, max_value=366, initial=30
    )
    note = TextField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for grade in RATED_GRADES:
            self.fields[allowance_field(grade)] = forms.DecimalField(
                label=_("%(grade)s 户") % {"grade": GRADE_LABELS[grade]},
                required=False,
                min_value=Decimal(0),
                max_digits=10,
                decimal_places=2,
            )

    def allowance_fields(self):
        return [self[allowance_field(g)] for g in RATED_GRADES]

    def allowances(self) -> dict[str, Decimal]:
        return {
            g: self.cleaned_data[allowance_field(g)]
            for g in RATED_GRADES
            if self.cleaned_data.get(allowance_field(g))
        }
