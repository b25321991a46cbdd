"""How lending shows money and rates: yuan with thousands separators and two places
(150,000.00), rates in percent without trailing zeros (4.75)."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:,.2f}"


@register.filter
def rate(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
