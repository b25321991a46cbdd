"""The one way a view declares what it needs: `@requires(Perm.X)`."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from sanxin.accounts.scope import Perm, Scope, scope_for

if TYPE_CHECKING:
    from sanxin.accounts.models import User


class ScopedRequest(HttpRequest):
    """The request a view under `@requires` receives, for the type checker: a
    signed-in user and that user's scope."""

    user: User  # narrower than HttpRequest's: login is required
    scope: Scope


def requires(perm: Perm | None = None):
    """Login required; with `perm`, the user must hold it somewhere (403 otherwise).
    The view receives `request.scope` for its scoped look-ups."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            request.scope = scope_for(request.user)
            if perm is not None and not request.scope.has(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_perm = perm
        return wrapper

    return decorator
