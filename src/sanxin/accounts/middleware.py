"""The second factor gate: with `settings.SANXIN_REQUIRE_2FA` on, a signed-in user who
needs two-factor login (accounts/otp.py `requires_second_factor`) and has not passed it
in this session reaches only the enrolment, verification and logout pages (and static
files); every other request is sent to verification, or to enrolment when the user has
no authenticator yet. Installed after django-otp's OTPMiddleware."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

from sanxin.accounts import otp

OPEN_URL_NAMES = ("accounts:otp_verify", "accounts:otp_enrol", "accounts:logout")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if getattr(settings, "SANXIN_REQUIRE_2FA", False) and self._must_verify(request):
            return self._send_to_verify(request)
        return self.get_response(request)

    @staticmethod
    def _must_verify(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if request.path.startswith(settings.STATIC_URL):
            return False
        if request.path in {reverse(name) for name in OPEN_URL_NAMES}:
            return False
        if user.is_verified():
            return False
        return otp.requires_second_factor(user)

    @staticmethod
    def _send_to_verify(request) -> HttpResponse:
        name = "accounts:otp_verify" if otp.confirmed_totp(request.user) else "accounts:otp_enrol"
        target = reverse(name)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request") == "true":  # django-htmx runs later
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
