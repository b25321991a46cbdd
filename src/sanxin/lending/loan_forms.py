"""Forms of the loan pages: applying (the villager's phone and the officer's desk),
the decision with its reasons, the disbursement, a repayment, a reversal, the upload
of the bank's repayment file."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy

from sanxin.households.upload_form import SpreadsheetUploadForm, VillageChoiceField
from sanxin.lending.choices import LoanPurpose, RefusalReason, RepaymentMethod
from sanxin.lib.forms import DateInput
from sanxin.lib.text import LineField, TextField
from sanxin.regions.models import Region

TERMS = (1, 3, 6, 12, 18, 24, 36, 60)


def _money(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


class ApplyForm(forms.Form):
    amount = _money(gettext_lazy("申请金额（元）"))
    purpose = forms.ChoiceField(
        label=gettext_lazy("用途"), choices=LoanPurpose.choices, widget=forms.RadioSelect
    )
    purpose_detail = LineField(
        label=gettext_lazy("用途说明（选填）"), max_length=200, required=False
    )
    term_months = forms.TypedChoiceField(
        label=gettext_lazy("期限"),
        coerce=int,
        choices=[(t, gettext_lazy("%(n)d 个月") % {"n": t}) for t in TERMS],
        initial=12,
    )
    method = forms.ChoiceField(
        label=gettext_lazy("还款方式"),
        choices=RepaymentMethod.choices,
        widget=forms.RadioSelect,
        initial=RepaymentMethod.EQUAL_INSTALMENTS,
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("决定"),
        choices=[("grant", gettext_lazy("批准")), ("refuse", gettext_lazy("不批准"))],
        widget=forms.RadioSelect,
    )
    reasons = forms.MultipleChoiceField(
        label=gettext_lazy("不批准的主要原因（可多选，农户能看到）"),
        choices=RefusalReason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = TextField(
        label=gettext_lazy("说明（农户能看到）"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DisburseForm(forms.Form):
    disbursed_on = forms.DateField(label=gettext_lazy("放款日期"), widget=DateInput())
    amount = _money(gettext_lazy("放款金额（元）"))
    bank_loan_number = LineField(
        label=gettext_lazy("信用社贷款编号（借据号）"), max_length=40, code=True
    )


class RepayForm(forms.Form):
    paid_on = forms.DateField(label=gettext_lazy("还款日期"), widget=DateInput())
    amount = _money(gettext_lazy("还款金额（元）"))
    bank_reference = LineField(label=gettext_lazy("信用社交易流水号"), max_length=60, code=True)
    note = LineField(label=gettext_lazy("备注（选填）"), max_length=200, required=False)


class ReverseForm(forms.Form):
    reason = LineField(label=gettext_lazy("冲正原因"), max_length=200)


class RepaymentUploadForm(SpreadsheetUploadForm):
    village = VillageChoiceField(
        queryset=Region.objects.none(), label=gettext_lazy("导入到哪个辖区的贷款")
    )
    file = forms.FileField(label=gettext_lazy("信用社还款文件（.xlsx 或 .csv）"))
