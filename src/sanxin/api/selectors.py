"""Reads of API tokens for the token pages."""

from __future__ import annotations

from django.db.models import QuerySet

from sanxin.accounts.models import User
from sanxin.accounts.scope import Perm, scope_for
from sanxin.accounts.services import users_in_reach
from sanxin.api.models import ApiToken


def tokens_of(owner: User) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(owner=owner)
        .select_related("owner", "revoked_by")
        .order_by("-created_at", "-id")
    )


def revocable_by(actor: User) -> QuerySet[ApiToken]:
    """The tokens `actor` may revoke: their own, and a user manager's users' (the
    users they reach, as the user pages list them)."""
    mine = ApiToken.objects.filter(owner=actor)
    if not scope_for(actor).has(Perm.MANAGE_USERS):
        return mine
    return ApiToken.objects.filter(owner__in=users_in_reach(actor)) | mine
