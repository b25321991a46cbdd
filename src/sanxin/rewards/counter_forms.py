"""Forms of the shop counter: the search, the redemption (products and quantities,
who collected), the void and its confirmation, the paper slips. They check the
shape of the input; the services (`rewards.services`) check the rules — the gate,
limits, stock, balance — and name what is wrong."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanxin.lib.forms import DateInput
from sanxin.lib.text import LineField, TextField

MAX_QUANTITY = 999


class SearchForm(forms.Form):
    q = LineField(label=gettext_lazy("户号或户主姓名"), max_length=30, required=False)


def quantity_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_QUANTITY,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
    )


class RedeemForm(forms.Form):
    """One quantity per product of the shop (`qty_<product id>`), who collected (a
    member of the household, shown by masked name), and the idempotency key the page
    was rendered with."""

    collected_by = forms.TypedChoiceField(
        label=gettext_lazy("领取人"), coerce=int, widget=forms.RadioSelect
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, products, collectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = list(products)
        for product in self.products:
            self.fields[f"qty_{product.pk}"] = quantity_field(product.name)
        self.fields["collected_by"].choices = collectors
        if collectors and "collected_by" not in self.initial:
            self.initial["collected_by"] = collectors[0][0]

    def quantity_fields(self):
        """(product, bound field) in the catalogue's order."""
        return [(p, self[f"qty_{p.pk}"]) for p in self.products]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.lines():
            raise ValidationError(_("请至少选一件商品，填写数量。"))
        return cleaned

    def lines(self) -> list[tuple[object, int]]:
        """(product, quantity) of every product with a quantity above zero."""
        data = getattr(self, "cleaned_data", {})
        return [
            (p, data[f"qty_{p.pk}"]) for p in self.products if (data.get(f"qty_{p.pk}") or 0) > 0
        ]


class VoidForm(forms.Form):
    reason = LineField(
        label=gettext_lazy("作废原因"),
        max_length=300,
        help_text=gettext_lazy("例如：商品拿错了、数量录错了"),
    )


class VoidDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("意见"),
        choices=[("approve", gettext_lazy("同意作废")), ("reject", gettext_lazy("不同意"))],
        widget=forms.RadioSelect,
    )
    reason = TextField(label=gettext_lazy("说明"), max_length=300, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not cleaned.get("reason"):
            self.add_error("reason", _("不同意时请写明理由。"))
        return cleaned


# --- paper slips ---------------------------------------------------------------------


class SlipForm(forms.Form):
    """One paper slip (纸质兑换单) as written at the counter: its number, the real date
    and time, the household's 户号, who collected (the name on the slip; empty: the
    head), and a quantity per product."""

    slip_number = LineField(label=gettext_lazy("单据号"), max_length=40, code=True)
    occurred_on = forms.DateField(label=gettext_lazy("日期"), widget=DateInput())
    occurred_time = forms.TimeField(
        label=gettext_lazy("时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    household_number = LineField(label=gettext_lazy("户号"), max_length=30, code=True)
    collector_name = LineField(
        label=gettext_lazy("领取人姓名"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("单据上签的名字；不填为户主"),
    )

    def __init__(self, *args, products, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = list(products)
        self.today = today
        self.fields["occurred_on"].widget.attrs["max"] = today.isoformat()
        for product in self.products:
            self.fields[f"qty_{product.pk}"] = quantity_field(product.name)

    def quantity_fields(self):
        return [(p, self[f"qty_{p.pk}"]) for p in self.products]

    def is_blank(self) -> bool:
        """Nothing typed in this slip (an unused row of the batch)."""
        return not self.is_bound or not self.has_changed()

    def clean(self):
        cleaned = super().clean()
        day, moment = cleaned.get("occurred_on"), cleaned.get("occurred_time")
        if day and day > self.today:
            self.add_error("occurred_on", _("日期不能晚于今天。"))
        if day and moment:
            cleaned["occurred_at"] = timezone.make_aware(datetime.combine(day, moment))
            if cleaned["occurred_at"] > timezone.now():
                self.add_error("occurred_time", _("时间不能晚于现在。"))
        if not self.errors and not self.lines():
            raise ValidationError(_("请至少填写一件商品的数量。"))
        return cleaned

    def lines(self) -> list[tuple[object, int]]:
        data = getattr(self, "cleaned_data", {})
        return [
            (p, data[f"qty_{p.pk}"]) for p in self.products if (data.get(f"qty_{p.pk}") or 0) > 0
        ]


class BaseSlipFormSet(forms.BaseFormSet):
    """The slips of one batch; rows left blank are skipped, at least one is needed."""

    def __init__(self, *args, products, today: date, **kwargs):
        self.products = products
        self.today = today
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"products": self.products, "today": self.today}

    def filled_forms(self) -> list[tuple[int, SlipForm]]:
        """(slip number in the batch, starting at 1, form) of the rows not left blank."""
        return [(i, f) for i, f in enumerate(self.forms, start=1) if not f.is_blank()]

    def clean(self):
        if any(self.errors):
            return
        if not self.filled_forms():
            raise ValidationError(_("请至少填写一张单据。"))
        numbers = [f.cleaned_data["slip_number"] for _i, f in self.filled_forms()]
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        if repeated:
            raise ValidationError(
                _("同一批里单据号重复：%(numbers)s") % {"numbers": "、".join(repeated)}
            )


SlipFormSet = forms.formset_factory(
    SlipForm, formset=BaseSlipFormSet, extra=3, max_num=50, absolute_max=50, validate_max=True
)
