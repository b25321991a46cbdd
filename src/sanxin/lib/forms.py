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
