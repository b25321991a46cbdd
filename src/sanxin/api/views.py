"""The logged-in pages of the API: one's own tokens (list, create — the token shown
once —, revoke), a user manager's view of a user's tokens, and the API's reference
page rendered on the server from the OpenAPI schema (ninja's Swagger UI needs inline
script and a CDN, which the Content-Security-Policy and offline installs rule out)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.accounts.services import users_in_reach
from sanxin.api import reference, selectors, services
from sanxin.api.forms import TokenForm
from sanxin.lib.forms import apply_service_errors


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@never_cache
@requires()
def tokens(request):
    """The user's own tokens; POST creates one and shows it this once."""
    created = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                token, value = services.token_issue(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    expires_at=form.expires_at(),
                    ip_address=_ip(request),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                created = {"token": token, "value": value}
                form = TokenForm()
    else:
        form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": selectors.tokens_of(request.user),
        },
    )


@require_GET
@requires(Perm.MANAGE_USERS)
def user_tokens(request, pk: int):
    """A user manager's view of one of their users' tokens, to revoke them."""
    owner = get_object_or_404(users_in_reach(request.user), pk=pk)
    return render(
        request,
        "api/user_tokens.html",
        {"owner": owner, "tokens": selectors.tokens_of(owner)},
    )


@require_POST
@requires()
def token_revoke(request, pk: int):
    token = selectors.revocable_by(request.user).filter(pk=pk).select_related("owner").first()
    if token is None:
        raise Http404
    try:
        services.token_revoke(actor=request.user, token=token, ip_address=_ip(request))
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已撤销令牌“%(name)s”，它不能再使用。") % {"name": token.name})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    return redirect(target or "api:tokens")


@require_GET
@requires()
def docs(request):
    """The API reference, for any logged-in user."""
    return render(request, "api/docs.html", {"ref": reference.build()})
