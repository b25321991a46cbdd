"""Template filters of the shop counter's pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from sanxin.rewards.receipts import points_text, receipt_time

register = template.Library()


@register.filter
def points(value) -> str:
    """Points as the counter shows them: 12, 12.5 (no trailing zeros)."""
    if value is None or value == "":
        return ""
    try:
        return points_text(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def receipt_moment(value) -> str:
    """A receipt's date and time, 2025-03-01 14:05, in the site's time zone."""
    return receipt_time(value) if value else ""


@register.filter
def qty_field(form, product):
    """`{% with f=form|qty_field:product %}`: the quantity field of `product`."""
    return form[f"qty_{product.pk}"]
