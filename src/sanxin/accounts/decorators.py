"""The one way a view declares what it needs: `@requires(Perm.X)`."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from sanxin.accounts.scope import Perm, scope_for


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
