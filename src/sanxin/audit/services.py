"""The audit trail. `audit()` must be called inside the transaction of the change."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from sanxin.audit.models import AuditEvent


def audit(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_repr: str = "",
    region_path: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip_address: str | None = None,
    at=None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_repr = object_repr or str(obj)[:200]
    user = actor if getattr(actor, "pk", None) else None
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        actor=user,
        actor_name=(str(user) if user else (actor if isinstance(actor, str) else "系统"))[:150],
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=object_repr[:200],
        region_path=region_path,
        before=before,
        after=after,
        ip_address=ip_address,
    )
