"""Input validation for the village activity pages."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanxin.engagement.choices import ActivityKind
from sanxin.lib.forms import DateInput
from sanxin.lib.text import LineField, TextField


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class ActivityForm(forms.Form):
    where = forms.ChoiceField(label=_("发布范围"))
    kind = forms.ChoiceField(label=_("活动类型"), choices=ActivityKind.choices)
    title = LineField(label=_("活动名称"), max_length=80)
    day = forms.DateField(label=_("日期"), widget=DateInput())
    starts = forms.TimeField(label=_("开始时间"), widget=TimeInput())
    ends = forms.TimeField(label=_("结束时间"), widget=TimeInput())
    place = LineField(label=_("地点"), max_length=80)
    capacity = forms.IntegerField(
        label=_("人数上限"),
        required=False,
        min_value=1,
        max_value=10_000,
        help_text=_("不限人数请留空"),
    )
    item_code = forms.ChoiceField(
        label=_("参加可得积分"),
        required=False,
        help_text=_("本村评分方案中的按人加分项；签到后由组织者记分、另一名成员审核"),
    )
    description = TextField(label=_("内容说明"), required=False, max_length=2000)

    def __init__(self, *args, places: list[tuple[str, str]], items: list[tuple[str, str]], **kw):
        super().__init__(*args, **kw)
        self.fields["where"].choices = places
        self.fields["item_code"].choices = [("", _("不记积分")), *items]

    def moments(self) -> tuple[datetime, datetime]:
        cd = self.cleaned_data
        tz = timezone.get_current_timezone()
        start = datetime.combine(cd["day"], cd["starts"], tzinfo=tz)
        end = datetime.combine(cd["day"], cd["ends"], tzinfo=tz)
        return start, end


class ReasonForm(forms.Form):
    reason = LineField(label=_("取消原因"), max_length=200)


class SignUpForm(forms.Form):
    person = forms.TypedChoiceField(label=_("报名人"), coerce=int)

    def __init__(self, *args, people, **kw):
        super().__init__(*args, **kw)
        self.fields["person"].choices = [(p.pk, p.name) for p in people]


class ChecklistForm(forms.Form):
    people = forms.TypedMultipleChoiceField(label=_("到场人员"), coerce=int)

    def __init__(self, *args, people, **kw):
        super().__init__(*args, **kw)
        self.fields["people"].choices = [(p.pk, p.name) for p in people]
