"""Forms of the lending pages: publishing a credit policy, granting a line with other
terms, declining one, and the bank's file. Amounts in yuan, rates in percent a year."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy

from sanxin.households.upload_form import SpreadsheetUploadForm, VillageChoiceField
from sanxin.lending.selectors import Terms
from sanxin.lib.forms import DateInput
from sanxin.lib.text import TextField
from sanxin.regions.models import Region
from sanxin.rules.choices import GRADE_LABELS, RATED_GRADES


def _amount_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


def _rate_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=7,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal("99.9999"),
        widget=forms.NumberInput(attrs={"step": "0.0001", "inputmode": "decimal"}),
        **kwargs,
    )


class PolicyForm(forms.Form):
    """A new policy version: the effective date, the standard line and rate, and for
    each rated grade its line and rate (both empty: that grade gets no line)."""

    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=DateInput())
    standard_line = _amount_field(gettext_lazy("一般授信额度（元）"))
    standard_rate = _rate_field(gettext_lazy("基准年利率（%）"))
    note = TextField(
        label=gettext_lazy("说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for grade in RATED_GRADES:
            label = GRADE_LABELS[grade]
            self.fields[f"line_{grade}"] = _amount_field(
                gettext_lazy("%(grade)s 授信额度（元）") % {"grade": label}, required=False
            )
            self.fields[f"rate_{grade}"] = _rate_field(
                gettext_lazy("%(grade)s 年利率（%%）") % {"grade": label}, required=False
            )

    def grade_rows(self):
        """(grade label, line field, rate field) per rated grade, for the template."""
        return [
            (GRADE_LABELS[g], self[f"line_{g}"], self[f"rate_{g}"]) for g in reversed(RATED_GRADES)
        ]

    def clean(self):
        data = super().clean()
        for grade in RATED_GRADES:
            line, rate = data.get(f"line_{grade}"), data.get(f"rate_{grade}")
            if (line is None) != (rate is None) and not self.has_error(f"line_{grade}"):
                self.add_error(
                    f"rate_{grade}" if rate is None else f"line_{grade}",
                    gettext_lazy("额度和年利率要么都填，要么都不填（都不填表示该等级不授信）"),
                )
        return data

    def grades(self) -> dict[str, Terms]:
        data = self.cleaned_data
        return {
            g: Terms(data[f"line_{g}"], data[f"rate_{g}"])
            for g in RATED_GRADES
            if data.get(f"line_{g}") is not None and data.get(f"rate_{g}") is not None
        }


class GrantForm(forms.Form):
    line_amount = _amount_field(gettext_lazy("授信额度（元）"))
    annual_rate = _rate_field(gettext_lazy("年利率（%）"))
    reason = TextField(
        label=gettext_lazy("理由"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("额度或利率与授信政策不同时必填"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineForm(forms.Form):
    reason = TextField(
        label=gettext_lazy("不予授信的理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BankUploadForm(SpreadsheetUploadForm):
    village = VillageChoiceField(queryset=Region.objects.none(), label=gettext_lazy("村"))
    file = forms.FileField(label=gettext_lazy("信用社返回的授信名单（.xlsx 或 .csv）"))
