"""Forms for 双基 credit assessments: the assessment form is generated from the
credit-union indicator sheet of the scheme in force."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanxin.credit.periods import period_error
from sanxin.households.upload_form import SpreadsheetUploadForm, VillageChoiceField
from sanxin.lib.forms import DateInput
from sanxin.lib.text import TextField
from sanxin.regions.models import Region
from sanxin.rules.scheme import CreditArea, Scheme

ANSWER_PREFIX = "answer_"


def points_text(points: Decimal) -> str:
    """8 → "8", 7.50 → "7.5"."""
    text = format(points, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def answer_field_name(indicator_code: str) -> str:
    return ANSWER_PREFIX + indicator_code


class AssessmentForm(forms.Form):
    period = forms.CharField(
        label=gettext_lazy("评定期"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": r"\d{4}", "size": 6}),
        help_text=gettext_lazy("四位年份，如 2025"),
    )
    assessed_on = forms.DateField(
        label=gettext_lazy("入户评定日期"),
        widget=DateInput(),
    )
    note = TextField(
        label=gettext_lazy("备注"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The assessment this form corrects, as the officer saw it (guards against a
    # silent correction of a period they did not mean, or of a newer correction).
    supersedes = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The rendered form carries a fresh key: a double submit records once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)

    def __init__(self, *args, scheme: Scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        for area in scheme.credit_areas:
            for ind in area.indicators:
                self.fields[answer_field_name(ind.code)] = forms.ChoiceField(
                    label=ind.name,
                    choices=[
                        (
                            o.code,
                            _("%(label)s（%(points)s分）")
                            % {"label": o.label, "points": points_text(o.points)},
                        )
                        for o in ind.options
                    ],
                    widget=forms.RadioSelect,
                    error_messages={
                        "required": _("请选择“%(name)s”") % {"name": ind.name},
                        "invalid_choice": _("“%(name)s”没有这个选项") % {"name": ind.name},
                    },
                )

    def clean_period(self) -> str:
        period = (self.cleaned_data.get("period") or "").strip()
        error = period_error(period)
        if error:
            raise forms.ValidationError(error)
        return period

    def clean_assessed_on(self):
        on = self.cleaned_data["assessed_on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("评定日期不能在今天之后"))
        return on

    def answers(self) -> dict[str, str]:
        return {
            ind.code: self.cleaned_data[answer_field_name(ind.code)]
            for area in self.scheme.credit_areas
            for ind in area.indicators
        }

    def areas(self) -> list[tuple[CreditArea, list[forms.BoundField]]]:
        """For the template: each area with the bound fields of its indicators."""
        return [
            (area, [self[answer_field_name(ind.code)] for ind in area.indicators])
            for area in self.scheme.credit_areas
        ]


class CreditUploadForm(SpreadsheetUploadForm):
    village = VillageChoiceField(
        queryset=Region.objects.none(), label=gettext_lazy("评定表属于哪个村")
    )
    file = forms.FileField(label=gettext_lazy("评定表文件（.xlsx 或 .csv）"))
