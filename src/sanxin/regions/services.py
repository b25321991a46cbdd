"""Writes for regions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from sanxin.regions.choices import CHILD_LEVEL, Level
from sanxin.regions.models import Region


@transaction.atomic
def region_create(
    *,
    level: str,
    name: str,
    parent: Region | None = None,
    kind: str = "",
    code: str = "",
    sort_order: int = 0,
) -> Region:
    if level == Level.DISTRICT:
        if parent is not None:
            raise ValidationError("区不能有上级")
    elif parent is None or CHILD_LEVEL.get(Level(parent.level)) != level:
        raise ValidationError(f"{Level(level).label} 的上级层级不对")
    if code and (len(code) != 12 or not code.isdigit()):
        raise ValidationError("区划代码应为 12 位数字")
    region = Region(
        level=level, name=name, parent=parent, kind=kind, code=code, sort_order=sort_order, path=""
    )
    region.full_clean(exclude=["path"])
    region.save()
    region.path = f"{parent.path if parent else '/'}{region.pk}/"
    region.save(update_fields=["path"])
    return region


def region_get_or_create(
    *,
    level: str,
    name: str,
    parent: Region | None = None,
    kind: str = "",
    code: str = "",
    sort_order: int = 0,
) -> tuple[Region, bool]:
    existing = Region.objects.filter(level=level, name=name, parent=parent).first()
    if existing:
        return existing, False
    return region_create(
        level=level, name=name, parent=parent, kind=kind, code=code, sort_order=sort_order
    ), True
