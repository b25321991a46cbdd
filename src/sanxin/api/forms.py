from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanxin.lib.forms import DateInput
from sanxin.lib.text import LineField


class TokenForm(forms.Form):
    name = LineField(
        label=_("用途"),
        max_length=60,
        help_text=_("写明用在哪个系统，例如：信用社台账同步"),
    )
    expires_on = forms.DateField(
        label=_("有效期至（含当天）"),
        required=False,
        widget=DateInput,
        help_text=_("不填则一直有效，直到撤销"),
    )

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("有效期不能早于今天"))
        return day

    def expires_at(self) -> datetime | None:
        """The end of the chosen day, local time."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
