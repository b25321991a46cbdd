"""What the forms of every app share."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


def apply_service_errors(
    form: forms.Form, exc: ValidationError, *, fields: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form: next to the field it names when
    the form has that field (`fields` maps a service's key to the form's field name
    where they differ), otherwise as an error of the whole form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        name = (fields or {}).get(key, key)
        form.add_error(name if name in form.fields else None, messages)


def id_or_none(value: object, *, max_digits: int = 18) -> int | None:
    """A row id (or a count) from a URL's query or a posted field: ASCII digits, at
    most `max_digits` of them; None for anything else. `str.isdigit()` alone is not
    enough: it is true of "²" and "፩", which int() refuses, and int() refuses more
    than 4,300 digits (either a 500 where a 404 or the page was meant)."""
    text = str(value)
    if text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None


class DateInput(forms.DateInput):
    """An `<input type="date">` whose value is always ISO `YYYY-MM-DD`: the browser's date
    widget drops any other form (such as the localized 2026/12/01), so a default date
    would not show. `attrs` adds to the type (e.g. `max`)."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
