"""Two-factor login pages: enrolment (QR code, manual key, a first code, then the
recovery codes shown once), verification after the password, new recovery codes, and
an admin's reset of a user's second factor. The rules are in accounts/otp.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from sanxin.accounts import otp
from sanxin.accounts.decorators import requires
from sanxin.accounts.otp_forms import CodeForm
from sanxin.accounts.views.users import _get_user, manages_users
from sanxin.lib.forms import apply_service_errors
from sanxin.lib.qr import qr_svg


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _needs_2fa(request) -> None:
    if not otp.requires_second_factor(request.user):
        raise PermissionDenied


def _codes_page(request, codes: list[str], *, first: bool):
    return render(
        request,
        "accounts/otp_codes.html",
        {"codes": codes, "first": first, "next": _next_url(request)},
    )


@requires()
def otp_enrol(request):
    _needs_2fa(request)
    if otp.confirmed_totp(request.user) is not None:
        return redirect("accounts:otp_verify")
    device = otp.totp_pending(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp.otp_enrol_confirm(actor=request.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            device.refresh_from_db()
            otp_login(request, device)
            return _codes_page(request, codes, first=True)
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr": qr_svg(device.config_url, title=_("用手机验证器扫描这个二维码")),
            "manual_key": otp.manual_key(device),
            "next": _next_url(request),
        },
        status=400 if form.errors else 200,
    )


@requires()
def otp_verify(request):
    _needs_2fa(request)
    if otp.confirmed_totp(request.user) is None:
        return redirect("accounts:otp_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = otp.code_check(request.user, form.cleaned_data["code"])
        if result.device is not None:
            otp_login(request, result.device)
            if result.device.persistent_id.startswith("otp_static"):
                messages.warning(
                    request,
                    _("您用了一个备用码，还剩 %(n)d 个。手机找回后请重新生成备用码。")
                    % {"n": otp.recovery_codes_left(request.user)},
                )
            return redirect(_next_url(request))
        form.add_error("code", result.error)
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@requires()
def otp_recovery(request):
    _needs_2fa(request)
    if otp.confirmed_totp(request.user) is None:
        return redirect("accounts:otp_enrol")
    if request.method == "POST":
        try:
            codes = otp.otp_recovery_regenerate(actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("accounts:otp_recovery")
        return _codes_page(request, codes, first=False)
    return render(
        request,
        "accounts/otp_recovery.html",
        {"left": otp.recovery_codes_left(request.user)},
    )


@manages_users
def otp_status(request, pk: int):
    managed = _get_user(request, pk)
    return render(
        request,
        "accounts/otp_status.html",
        {
            "managed": managed,
            "device": otp.confirmed_totp(managed),
            "left": otp.recovery_codes_left(managed),
            "required": otp.requires_second_factor(managed),
        },
    )


@require_POST
@manages_users
def otp_reset(request, pk: int):
    managed = _get_user(request, pk)
    try:
        otp.otp_reset(actor=request.user, user=managed)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("已重置 %(u)s 的手机验证器：下次登录时需重新绑定。") % {"u": managed}
        )
    return redirect("accounts:otp_status", pk=managed.pk)
