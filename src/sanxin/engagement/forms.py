"""Input validation for the 全民争信 pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanxin.engagement.choices import TieRule, VoterBody
from sanxin.ledger.forms import PhotosField
from sanxin.lib.forms import DateInput
from sanxin.lib.text import LineField, TextField
from sanxin.rules.choices import Grade


class SelectionForm(forms.Form):
    honour_type = forms.ChoiceField(label=_("荣誉"))
    region = forms.ChoiceField(label=_("评选范围（村或镇）"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    nominate_from = forms.DateField(label=_("提名开始"), widget=DateInput())
    nominate_until = forms.DateField(label=_("提名截止"), widget=DateInput())
    vote_from = forms.DateField(label=_("投票开始"), widget=DateInput())
    vote_until = forms.DateField(label=_("投票截止"), widget=DateInput())
    quota = forms.IntegerField(label=_("名额"), min_value=1, max_value=500)
    voters = forms.ChoiceField(label=_("投票人"), choices=VoterBody.choices)
    quorum_percent = forms.IntegerField(
        label=_("有效票比例（%）"),
        min_value=1,
        max_value=100,
        initial=66,
        help_text=_("投票人数达到应投票人数的这一比例（向上取整）计票才有效；三分之二填 66"),
    )
    tie_rule = forms.ChoiceField(label=_("同票规则"), choices=TieRule.choices)
    notice_days = forms.IntegerField(label=_("公示天数"), min_value=1, max_value=60, initial=7)

    def __init__(self, *args, honour_type_choices, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["honour_type"].choices = honour_type_choices
        self.fields["region"].choices = [(r.pk, r.name) for r in regions]
        self.fields["year"].initial = timezone.localdate().year


class NominationForm(forms.Form):
    household_number = LineField(label=_("户号"), max_length=30)
    person_name = LineField(
        label=_("被推荐人姓名"),
        max_length=30,
        required=False,
        help_text=_("按户评选的荣誉不必填写"),
    )
    reason = TextField(
        label=_("推荐理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=1000
    )
    photos = PhotosField(label=_("照片"), max_count=6)


class CheckForm(forms.Form):
    eligible = forms.TypedChoiceField(
        label=_("审查结果"),
        choices=[("1", _("通过")), ("0", _("不通过"))],
        coerce=lambda v: v == "1",
    )
    reason = LineField(label=_("审查意见"), max_length=300, required=False)


class VoteForm(forms.Form):
    choices = forms.MultipleChoiceField(
        label=_("我的选择"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, nominations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choices"].choices = [(n.pk, label) for n, label in nominations]


class ObjectionForm(forms.Form):
    text = TextField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class AnswerForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("处理结果"),
        choices=[("0", _("异议不成立")), ("1", _("异议成立，取消当选"))],
        coerce=lambda v: v == "1",
    )
    answer = TextField(label=_("答复"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class ReasonForm(forms.Form):
    reason = LineField(label=_("原因"), max_length=300)


class RepresentativeForm(forms.Form):
    household_number = LineField(label=_("户号"), max_length=30)
    person_name = LineField(label=_("姓名"), max_length=30)
    since = forms.DateField(label=_("起始日期"), widget=DateInput())


class HonourTypeForm(forms.Form):
    name = LineField(
        label=_("荣誉名称"), max_length=40, help_text=_("如 好婆婆、文明家庭、致富带头人")
    )
    item_code = forms.ChoiceField(label=_("获得后记的积分项"))
    for_household = forms.BooleanField(label=_("按户授予（如美丽庭院）"), required=False)
    min_grade = forms.ChoiceField(
        label=_("最低在用信用等级"), choices=Grade.choices, initial=Grade.A3
    )
    no_active_veto = forms.BooleanField(
        label=_("不得有正在执行的一票否决"), required=False, initial=True
    )
    repeat_years = forms.IntegerField(
        label=_("同一荣誉间隔年数"), min_value=0, max_value=20, initial=3, help_text=_("0 表示不限")
    )
    self_nomination = forms.BooleanField(label=_("允许推荐本户"), required=False)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_code"].choices = [(i.code, f"{i.name}（{i.code}）") for i in items]
