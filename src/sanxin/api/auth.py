"""`Authorization: Bearer <token>`, the API's only authentication (no session, so no
CSRF). A valid token makes the request act exactly as its owner does in the UI:
`request.user` is the owner, `request.scope` is `scope_for(owner)` (the same regions,
permissions and field groups), `request.auth` the ApiToken.

The rate limits (`sanxin.api.rates`) are checked here, before the operation runs and
before the token's last use is noted: a refused request (429) does no work and writes
nothing but its count (and, the first one of a minute over the owner's limit, the
lockout's audit row). Reads and writes are counted per owner, not per token."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja.errors import Throttled
from ninja.security import HttpBearer

from sanxin.accounts import rates as counting
from sanxin.accounts.scope import Perm, Scope, scope_for
from sanxin.api import rates, tokens
from sanxin.api.models import ApiToken

M = TypeVar("M", bound=Model)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        now = timezone.now()
        window = counting.Window.at(now)
        ip = counting.client_ip(request)
        # One query: the token, and how often this address failed in this minute.
        found = (
            tokens.active(token, now=now)
            .annotate(address_failures=rates.failures_now(window, ip))
            .first()
        )
        if found is None:
            failed = counting.hit(rates.failure_bucket(ip), window)
            counting.note_over(rates.failure_bucket(ip), failed, rates.failure_limit())
            if failed > rates.failure_limit():
                raise Throttled(wait=window.retry_after)
            return None
        if found.address_failures >= rates.failure_limit():  # type: ignore[attr-defined]
            # The address is blocked: a right token is answered as a wrong one is.
            raise Throttled(wait=window.retry_after)
        # The owner's bucket, shared by all their tokens.
        refusal = counting.count(
            request, found.owner, rates.kind_of(request.method or "GET"), now=now
        )
        if refusal is not None:
            raise Throttled(wait=refusal.retry_after)
        tokens.note_use(found, ip=ip, now=now)
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
