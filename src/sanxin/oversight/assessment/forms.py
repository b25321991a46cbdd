"""The assessment pages' forms: a scheme, an indicator, a hand score, publishing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxin.ledger.forms import PhotosField
from sanxin.lib.text import LineField, TextField
from sanxin.oversight.assessment.choices import IndicatorKind, IndicatorLevel, RuleKind
from sanxin.oversight.assessment.indicators import computation_choices
from sanxin.oversight.assessment.scoring import parse_steps


class SchemeForm(forms.Form):
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100)
    name = LineField(
        label=_("名称"), max_length=80, required=False, help_text=_("不填则为“某年度三信工作考核”")
    )
    use_defaults = forms.BooleanField(label=_("采用默认指标"), required=False, initial=True)


class SchemeNameForm(forms.Form):
    name = LineField(label=_("名称"), max_length=80)


class IndicatorForm(forms.Form):
    name = LineField(label=_("指标名称"), max_length=80)
    weight = forms.DecimalField(label=_("权重（满分）"), max_digits=6, decimal_places=2)
    level = forms.ChoiceField(label=_("适用对象"), choices=IndicatorLevel.choices)
    kind = forms.ChoiceField(label=_("类型"), choices=IndicatorKind.choices)
    computation = forms.ChoiceField(label=_("计算方法（系统计算）"), required=False)
    rule = forms.ChoiceField(
        label=_("计分规则（系统计算）"), required=False, choices=[("", "—"), *RuleKind.choices]
    )
    floor = forms.DecimalField(
        label=_("下限（线性）"), required=False, max_digits=12, decimal_places=2
    )
    target = forms.DecimalField(
        label=_("目标值（线性）"), required=False, max_digits=12, decimal_places=2
    )
    thresholds = LineField(
        label=_("分档（分档计分）"),
        required=False,
        max_length=300,
        help_text=_("写成 达到值:得分，用逗号分开，如 100:10, 90:7, 80:4"),
    )
    note = TextField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["computation"].choices = [("", "—"), *computation_choices()]

    def clean_thresholds(self):
        return parse_steps(self.cleaned_data.get("thresholds") or "")

    @staticmethod
    def initial_of(indicator) -> dict:
        return {
            "name": indicator.name,
            "weight": indicator.weight,
            "level": indicator.level,
            "kind": indicator.kind,
            "computation": indicator.computation,
            "rule": indicator.rule,
            "floor": indicator.floor,
            "target": indicator.target,
            "thresholds": ", ".join(f"{a}:{p}" for a, p in reversed(indicator.thresholds or [])),
            "note": indicator.note,
        }


class ManualScoreForm(forms.Form):
    region = forms.TypedChoiceField(label=_("镇或村"), coerce=int)
    score = forms.DecimalField(label=_("得分"), min_value=0, max_digits=6, decimal_places=2)
    note = TextField(label=_("评分说明"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("证据照片"))

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {r.pk: r for r in regions}
        self.fields["region"].choices = [
            (r.pk, f"{r.parent.name} {r.name}" if r.level == "village" else r.name) for r in regions
        ]


class PublishForm(forms.Form):
    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = TextField(
        label=_("重新发布的理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
