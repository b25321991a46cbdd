"""Input forms of the shop staff's pages (shops, products, stock, funding)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanxin.lib.forms import DateInput
from sanxin.lib.text import LineField
from sanxin.regions.models import Region
from sanxin.rewards.choices import FundingKind, LimitPeriod
from sanxin.rules.choices import Grade

MONEY = {"max_digits": 12, "decimal_places": 2}


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.name


class VillagesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Region) -> str:
        return obj.name


class ShopForm(forms.Form):
    region = RegionChoiceField(label=_("所属村/镇"), queryset=Region.objects.none())
    name = LineField(label=_("名称"), max_length=60)
    code = LineField(
        label=_("简码"),
        max_length=12,
        code=True,
        help_text=_("小票编号的前缀，2 到 12 位字母或数字，如 DGK；建好后不能改"),
    )
    villages = VillagesField(label=_("服务的村"), queryset=Region.objects.none())
    address = LineField(label=_("地址"), max_length=120, required=False)
    active = forms.BooleanField(label=_("营业中"), required=False, initial=True)

    def __init__(self, *args, regions, villages, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["villages"].queryset = villages
        if editing:
            del self.fields["region"]
            del self.fields["code"]
        else:
            del self.fields["active"]


class ProductForm(forms.Form):
    name = LineField(label=_("名称"), max_length=60)
    unit = LineField(label=_("单位"), max_length=10, help_text=_("如 条、双、瓶、袋、桶"))
    price_points = forms.DecimalField(
        label=_("兑换积分"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    min_grade = forms.ChoiceField(
        label=_("最低等级"),
        required=False,
        choices=[("", _("按兑换办法（默认 3A 及以上）"))]
        + [(g.value, g.label) for g in (Grade.A3, Grade.A4, Grade.A5)],
    )
    limit_quantity = forms.IntegerField(
        label=_("每户限兑数量"), required=False, min_value=1, max_value=10_000
    )
    limit_period = forms.ChoiceField(
        label=_("限兑周期"), required=False, choices=[("", _("不限"))] + list(LimitPeriod.choices)
    )
    sort_order = forms.IntegerField(label=_("排序"), required=False, min_value=0, initial=0)
    photo = forms.FileField(label=_("照片"), required=False, help_text=_("JPG、PNG 或 WebP"))
    active = forms.BooleanField(label=_("上架"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
        if not editing:
            del self.fields["active"]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["sort_order"] = data.get("sort_order") or 0
        data["photo"] = data.get("photo") or None
        return data


class ReceiveForm(forms.Form):
    product = forms.ModelChoiceField(label=_("商品"), queryset=None)  # type: ignore[arg-type]
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=100_000)
    unit_cost = forms.DecimalField(
        label=_("单价（元）"), min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    supplier = LineField(label=_("供应商"), max_length=80)
    funding_source = forms.ModelChoiceField(label=_("资金来源"), queryset=None)  # type: ignore[arg-type]
    received_on = forms.DateField(label=_("入库日期"), widget=DateInput())
    note = LineField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, products, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        self.fields["funding_source"].queryset = sources
        self.fields["received_on"].initial = timezone.localdate()


class AdjustForm(forms.Form):
    product = forms.ModelChoiceField(label=_("商品"), queryset=None)  # type: ignore[arg-type]
    quantity = forms.IntegerField(
        label=_("数量（减少写负数）"), min_value=-100_000, max_value=100_000
    )
    reason = LineField(label=_("原因"), max_length=300, help_text=_("如破损、受潮、过期、丢失"))

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


class StocktakeForm(forms.Form):
    counted_on = forms.DateField(label=_("盘点日期"), widget=DateInput())
    note = LineField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counted_on"].initial = timezone.localdate()
        self.products = products
        for p in products:
            self.fields[f"count_{p.pk}"] = forms.IntegerField(
                label=f"{p.name}（{p.unit}）", min_value=0, max_value=100_000
            )

    def rows(self):
        return [(p, self[f"count_{p.pk}"]) for p in self.products]

    def counts(self) -> dict[int, int]:
        return {p.pk: self.cleaned_data[f"count_{p.pk}"] for p in self.products}


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=FundingKind.choices)
    name = LineField(label=_("名称"), max_length=80, help_text=_("如 2025年区级积分超市专项资金"))


class FundingReceiptForm(forms.Form):
    source = forms.ModelChoiceField(label=_("资金来源"), queryset=None)  # type: ignore[arg-type]
    amount = forms.DecimalField(
        label=_("金额（元）"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    received_on = forms.DateField(label=_("到账日期"), widget=DateInput())
    note = LineField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources
        self.fields["received_on"].initial = timezone.localdate()
