"""The report's choices: which region (a district or a town in reach) and which period."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from sanxin.lending.report_forms import MAX_DAYS
from sanxin.lib.forms import DateInput
from sanxin.oversight.figures import Period
from sanxin.regions.choices import Level
from sanxin.regions.models import Region


class ReportForm(forms.Form):
    region = forms.TypedChoiceField(label=_("地区"), coerce=int, required=True)
    start = forms.DateField(label=_("起始日期"), widget=DateInput())
    end = forms.DateField(label=_("截止日期"), widget=DateInput())

    def __init__(self, data, *, regions: list[Region], today: date):
        """Bound to `data` over the defaults: the first region in reach, this year to
        today (the dashboard's default period)."""
        default = Period.current(today)
        values = {
            "region": str(regions[0].pk) if regions else "",
            "start": default.start.isoformat(),
            "end": default.end.isoformat(),
        }
        values.update({k: v for k, v in data.items() if k in values and v})
        super().__init__(values)
        self.regions = {r.pk: r for r in regions}
        self.today = today
        self.fields["region"].choices = [
            (
                r.pk,
                r.name
                if r.level == Level.DISTRICT
                else f"{r.parent.name if r.parent else ''} {r.name}".strip(),
            )
            for r in regions
        ]
        self.fields["end"].widget.attrs["max"] = today.isoformat()

    def query(self) -> str:
        """The chosen values as a query string (for the download links)."""
        return urlencode({k: self.data[k] for k in ("region", "start", "end")})

    def clean_region(self):
        return self.regions[self.cleaned_data["region"]]  # the choices refused any other

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return data
        if end > self.today:
            self.add_error("end", _("截止日期不能晚于今天。"))
        elif start > end:
            self.add_error("start", _("起始日期不能晚于截止日期。"))
        elif (end - start).days > MAX_DAYS:
            self.add_error("start", _("统计期最长三年。"))
        else:
            data["period"] = Period(start, end)
        return data
