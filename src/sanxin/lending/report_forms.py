"""The filters of the lending reports: a period and a region."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxin.lending.report_selectors import Period
from sanxin.lib.forms import DateInput

MAX_DAYS = 3 * 366  # a report covers at most about three years


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    end = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())
    region = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, today: date, **kwargs):
        default = Period.year_to(today)
        kwargs.setdefault("initial", {"start": default.start, "end": default.end})
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["end"].widget.attrs["max"] = today.isoformat()

    def clean(self):
        data = super().clean()
        default = Period.year_to(self.today)
        end = data.get("end") or default.end
        start = data.get("start") or Period.year_to(end).start
        if end > self.today:
            self.add_error("end", _("截止日期不能晚于今天。"))
        elif start > end:
            self.add_error("start", _("起始日期不能晚于截止日期。"))
        elif (end - start).days > MAX_DAYS:
            self.add_error("start", _("统计期最长三年。"))
        else:
            data["period"] = Period(start, end)
        return data

    def period(self) -> Period:
        """The chosen period, or the twelve months to today when the form is invalid."""
        if self.is_valid() and "period" in self.cleaned_data:
            return self.cleaned_data["period"]
        return Period.year_to(self.today)
