"""Issuing and revoking personal API tokens (audited)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.accounts.scope import Perm, scope_for
from sanxin.accounts.services import users_in_reach
from sanxin.api import tokens
from sanxin.api.models import ApiToken
from sanxin.audit.services import audit

logger = logging.getLogger(__name__)

# How many unrevoked tokens one user may hold (a token per system that reads for them).
MAX_ACTIVE_TOKENS = 20


@transaction.atomic
def token_issue(
    *,
    actor: User,
    name: str,
    expires_at: datetime | None = None,
    ip_address: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token of the actor's own, acting as the actor. Returns the row and the
    token itself, which is shown once and never stored."""
    if not actor.is_active:
        raise PermissionDenied("账号已停用")
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": "有效期必须晚于现在"})
    active = (
        ApiToken.objects.filter(owner=actor, revoked_at__isnull=True)
        .exclude(expires_at__lte=now)
        .count()
    )
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(f"有效的令牌最多 {MAX_ACTIVE_TOKENS} 个，请先撤销不用的令牌")
    value, prefix = tokens.make()
    token = ApiToken(
        owner=actor,
        name=name,
        prefix=prefix,
        token_hash=tokens.hash_of(value),
        created_at=now,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    audit(
        actor=actor,
        action="api_token.issue",
        obj=token,
        after={"name": name, "expires_at": expires_at.isoformat() if expires_at else None},
        ip_address=ip_address,
    )
    logger.info("api token %s issued to user %s", token.pk, actor.pk)
    return token, value


def may_revoke(actor: User, token: ApiToken) -> bool:
    """Its owner, or a user manager (district or town admin) who reaches the owner."""
    if token.owner_id == actor.pk:
        return True
    return (
        scope_for(actor).has(Perm.MANAGE_USERS)
        and users_in_reach(actor).filter(pk=token.owner_id).exists()
    )


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken, ip_address: str | None = None) -> ApiToken:
    """Revoke at once: the next request with the token is refused."""
    if not may_revoke(actor, token):
        raise PermissionDenied("无权撤销该令牌")
    now = timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    if not updated:
        raise ValidationError("该令牌已经撤销")
    token.revoked_at, token.revoked_by = now, actor
    audit(
        actor=actor,
        action="api_token.revoke",
        obj=token,
        object_repr=f"{token} / {token.owner}",
        after={"owner": token.owner_id},
        ip_address=ip_address,
    )
    logger.info("api token %s revoked by user %s", token.pk, actor.pk)
    return token
