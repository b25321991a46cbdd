"""`Authorization: Bearer <token>`, the API's only authentication (no session, so no
CSRF). A valid token makes the request act exactly as its owner does in the UI:
`request.user` is the owner, `request.scope` is `scope_for(owner)` (the same regions,
permissions and field groups), `request.auth` the ApiToken."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from ninja.security import HttpBearer

from sanxin.accounts.scope import Perm, Scope, scope_for
from sanxin.api import tokens
from sanxin.api.models import ApiToken

M = TypeVar("M", bound=Model)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.authenticate(token, ip=request.META.get("REMOTE_ADDR") or None)
        if found is None:
            return None
        request.user = found.owner
        request.scope = scope_for(found.owner)  # type: ignore[attr-defined]
        return found


def require(request: HttpRequest, perm: Perm | None = Perm.VIEW_REGISTRY) -> Scope:
    """The caller's scope, after the check the pages' `@requires(perm)` makes: 403
    unless the caller holds `perm` somewhere. Begin every operation with it."""
    scope: Scope = request.scope  # type: ignore[attr-defined]
    if perm is not None and not scope.has(perm):
        raise PermissionDenied
    return scope


def get_or_404(queryset: QuerySet[M], pk: int) -> M:
    """The row `pk` of an already scoped queryset, or 404."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
