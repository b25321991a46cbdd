"""The audit trail. `audit()` must be called inside the transaction of the change."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from sanxin.audit.models import AuditEvent, PruneWindow
from sanxin.regions.models import Region

if TYPE_CHECKING:
    # The user model lives above the audit log (accounts); its base class is enough here.
    from django.contrib.auth.base_user import AbstractBaseUser as User

# Who the trail names for a system action (a command, the demo): `actor=None`.
SYSTEM_NAME = "系统"


def audit(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_repr: str = "",
    region_path: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip_address: str | None = None,
    at: datetime | None = None,
    system: str = SYSTEM_NAME,
) -> AuditEvent:
    """Record one action. `actor` None is a system action, named `system` in the trail."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_repr = object_repr or str(obj)[:200]
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        actor=actor,  # type: ignore[misc]  # the project User, typed by its base here
        actor_name=(str(actor) if actor is not None else system)[:150],
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=object_repr[:200],
        region_path=region_path,
        district_id=Region.district_id_in_path(region_path) if region_path else None,
        before=before,
        after=after,
        ip_address=ip_address,
    )


def audit_many(
    *,
    actor: User | None,
    action: str,
    rows: list[tuple[models.Model, str, dict[str, Any] | None, dict[str, Any] | None]],
    system: str = SYSTEM_NAME,
) -> int:
    """Record one action on many objects at once (a bulk import): `rows` are
    (object, region path, before, after), each written as `audit()` would, in one
    bulk insert. Call it inside the transaction of the change."""
    at = timezone.now()
    actor_name = (str(actor) if actor is not None else system)[:150]
    events = [
        AuditEvent(
            at=at,
            actor=actor,  # type: ignore[misc]  # the project User, typed by its base here
            actor_name=actor_name,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk) if obj.pk is not None else "",
            object_repr=str(obj)[:200],
            region_path=region_path,
            district_id=Region.district_id_in_path(region_path) if region_path else None,
            before=before,
            after=after,
        )
        for obj, region_path, before, after in rows
    ]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


PRUNE_BATCH = 5000


def audit_prune(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete the audit rows older than the retention period
    (`SANXIN_AUDIT_RETENTION_DAYS`, at least 183 days), in one transaction, in
    batches; writes one row saying how many went. Returns that number."""
    days = settings.SANXIN_AUDIT_RETENTION_DAYS if days is None else days
    if days < 183:
        raise ValueError("the audit log is kept at least 183 days")
    now = now or timezone.now()
    cutoff = (now - timedelta(days=days)).replace(microsecond=0)
    removed = 0
    with transaction.atomic():
        PruneWindow.objects.create(before=cutoff)
        while True:
            ids = list(
                AuditEvent.objects.filter(at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:PRUNE_BATCH]
            )
            if not ids:
                break
            removed += AuditEvent.objects.filter(pk__in=ids).delete()[0]
        PruneWindow.objects.all().delete()
        if removed:
            audit(
                actor=None,
                action="audit.prune",
                object_type="audit.AuditEvent",
                object_repr=f"{removed}条",
                after={"removed": removed, "before": cutoff.isoformat(), "days": days},
                at=now,
            )
    return removed
