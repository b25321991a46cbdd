"""The form of the QR-card pages: revoking a lost card needs a reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxin.lib.text import LineField


class CardRevokeForm(forms.Form):
    reason = LineField(label=_("作废原因"), max_length=200)
