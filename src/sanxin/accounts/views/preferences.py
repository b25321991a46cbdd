"""我的设置 and the 长辈模式 switch. A signed-in user's choice is kept on the account
(through accounts.services); an anonymous visitor's in a cookie, for the public pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts import services
from sanxin.accounts.context_processors import ELDER_COOKIE, elder_mode_of

ELDER_COOKIE_AGE = 365 * 24 * 3600


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/settings.html", {"elder_mode": elder_mode_of(request)})


@require_POST
def elder_mode(request: HttpRequest) -> HttpResponse:
    """Switch 长辈模式 on (`elder_mode=on`) or off, then go back to `next`."""
    on = request.POST.get("elder_mode") == "on"
    response = redirect(_next_url(request, "/"))
    if request.user.is_authenticated:
        services.user_set_elder_mode(actor=request.user, elder_mode=on)  # type: ignore[arg-type]
        messages.success(request, _("已开启长辈模式") if on else _("已关闭长辈模式"))
    elif on:
        response.set_cookie(ELDER_COOKIE, "1", max_age=ELDER_COOKIE_AGE, samesite="Lax")
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response
