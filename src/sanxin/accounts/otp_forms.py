"""The one form of two-factor login: a code typed from the authenticator app or a
recovery code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxin.lib.text import LineField


class CodeForm(forms.Form):
    code = LineField(
        label=_("验证码"),
        max_length=20,
        code=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "class": "otp-code",
                "autofocus": True,
            }
        ),
    )
