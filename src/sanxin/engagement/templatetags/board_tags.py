"""Money and days as the village board writes them (the same as its A4 poster)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from sanxin.engagement import poster

register = template.Library()


@register.filter
def yuan(value) -> str:
    """12345.5 → "12,345.50 元"; empty for no value."""
    if value is None or value == "":
        return ""
    return poster.yuan(Decimal(value))


@register.filter
def days(value) -> str:
    """2.50 → "2.5 天"."""
    return poster.days(Decimal(value or 0))
