"""Template helpers for the points screens."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from sanxin.accounts.scope import Perm

register = template.Library()


@register.filter
def can(scope, perm: str) -> bool:
    """`{% if scope|can:"points.record" %}`: the user holds the permission somewhere."""
    if scope is None or not hasattr(scope, "has"):
        return False
    try:
        return scope.has(Perm(perm))
    except ValueError:
        return False


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


@register.filter
def points(value) -> str:
    """A point value without trailing zeros: 10.00 -> "10", 2.50 -> "2.5"."""
    if value is None or value == "":
        return "—"
    try:
        return _plain(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


@register.filter
def signed(value) -> str:
    """A point change with its sign: 2 -> "+2", -5.5 -> "-5.5", 0 -> "0"."""
    if value is None or value == "":
        return "—"
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = _plain(d)
    return f"+{text}" if d > 0 else text
