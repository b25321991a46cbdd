"""Input validation for the suggestion and contribution pages (the honour pages'
forms are in forms.py)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanxin.engagement.choices import ContributionKind, ProjectKind
from sanxin.engagement.services import contributions, suggestions
from sanxin.ledger.forms import PhotosField
from sanxin.lib.forms import DateInput
from sanxin.lib.text import LineField, TextField


class SuggestionForm(forms.Form):
    text = TextField(
        label=_("您的建议"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=suggestions.MAX_TEXT,
    )
    show_name = forms.BooleanField(
        label=_("向其他村民显示我的名字（姓名部分隐去）"),
        required=False,
        help_text=_("不勾选时，其他村民看到的是“村民”；村评信团总能看到是谁提的。"),
    )
    photos = PhotosField(label=_("照片（可选）"), max_count=suggestions.MAX_PHOTOS)


class AnswerForm(forms.Form):
    state = forms.ChoiceField(
        label=_("答复结果"),
        choices=[(s.value, s.label) for s in suggestions.ANSWERS],
        widget=forms.RadioSelect,
    )
    reply = TextField(
        label=_("答复内容"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=suggestions.MAX_REPLY,
    )


class ProjectForm(forms.Form):
    name = LineField(label=_("项目名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类型"), choices=ProjectKind.choices)
    target_amount = forms.DecimalField(
        label=_("目标金额（元，可不填）"),
        required=False,
        min_value=0.01,
        max_digits=12,
        decimal_places=2,
    )
    description = TextField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False
    )


class ContributionForm(forms.Form):
    household_number = LineField(label=_("户号"), max_length=30, code=True)
    person_name = LineField(
        label=_("投工人姓名"),
        max_length=30,
        required=False,
        help_text=_("义务投工按人记分；不填则记在户主名下"),
    )
    project = forms.ChoiceField(label=_("项目"), required=False)
    cause = LineField(
        label=_("其他用途"),
        max_length=80,
        required=False,
        help_text=_("不属于上面的项目时填写，如“帮扶困难户”"),
    )
    kind = forms.ChoiceField(
        label=_("方式"), choices=ContributionKind.choices, widget=forms.RadioSelect
    )
    amount = forms.DecimalField(
        label=_("金额（元）"),
        required=False,
        min_value=0.01,
        max_digits=12,
        decimal_places=2,
        help_text=_("捐资填金额；捐物可填折合金额（按每满100元计分，不填不计分）"),
    )
    goods = LineField(label=_("物品"), max_length=80, required=False)
    goods_quantity = forms.DecimalField(
        label=_("数量"), required=False, min_value=0.01, max_digits=12, decimal_places=2
    )
    goods_unit = LineField(label=_("单位"), max_length=8, required=False)
    labour_days = forms.DecimalField(
        label=_("投工（天）"),
        required=False,
        min_value=0.1,
        max_digits=6,
        decimal_places=1,
        help_text=_("按满一天计分，不足一天不计"),
    )
    contributed_on = forms.DateField(label=_("日期"), widget=DateInput())
    evidence_text = TextField(
        label=_("凭证说明"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
        help_text=_("如收据编号、经手人"),
    )
    photos = PhotosField(label=_("凭证照片"), max_count=contributions.MAX_PHOTOS)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", _("（其他用途）"))] + [
            (str(p.pk), p.name) for p in projects
        ]
        self.fields["contributed_on"].initial = timezone.localdate()
