from django import forms
from django.utils.translation import gettext_lazy as _

from sanxin.households.choices import ConsentPurpose
from sanxin.lib.text import LineField, TextField
from sanxin.privacy.models import CorrectionField


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label=_("要更正的内容"), choices=CorrectionField.choices)
    person = forms.TypedChoiceField(
        label=_("哪位成员"), coerce=int, required=False, empty_value=None
    )
    requested_value = LineField(label=_("应更正为"), max_length=200)
    reason = TextField(label=_("说明（可不填）"), max_length=1000, required=False)
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("（本户信息，不是某位成员）"))] + [
            (p.pk, p.name) for p in members
        ]


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("答复"),
        choices=[("accept", _("同意更正")), ("decline", _("不予更正"))],
        widget=forms.RadioSelect,
    )
    value = LineField(label=_("更正后的内容"), max_length=200, required=False)
    answer = TextField(label=_("答复说明（不予更正时必填）"), max_length=1000, required=False)


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices)
    given = forms.TypedChoiceField(
        choices=[("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1"
    )
