"""Writes for scheme versions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.oversight.services import audit
from sanxin.regions.models import Level, Region
from sanxin.rules.defaults import load_default_scheme
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import SchemeError, adopt_for_village, item_from_dict, scheme_from_dict


def _as_validation_error(exc: SchemeError) -> ValidationError:
    messages = exc.args[0] if exc.args and isinstance(exc.args[0], list) else [str(exc)]
    return ValidationError([str(m) for m in messages])


@transaction.atomic
def scheme_version_publish(*, actor, district: Region, document: dict[str, Any], effective_from: date | None = None) -> SchemeVersion:
    """Publish a district scheme version from its document (validated in full)."""
    if district.level != Level.DISTRICT:
        raise ValidationError("评分方案由区级发布")
    try:
        scheme = scheme_from_dict(document)
    except SchemeError as exc:
        raise _as_validation_error(exc) from None
    effective = effective_from or scheme.effective_from or timezone.localdate()
    if SchemeVersion.objects.filter(district=district, village__isnull=True, code=scheme.code, version=scheme.version).exists():
        raise ValidationError(f"版本号“{scheme.version}”已发布过，请使用新的版本号")
    version = SchemeVersion.objects.create(
        district=district, code=scheme.code, version=scheme.version, name=scheme.name,
        effective_from=effective, document=scheme.to_dict(), created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit(actor=actor, action="scheme.publish", obj=version, region_path=district.path, after={"code": scheme.code, "version": scheme.version, "effective_from": str(effective)})
    return version


def scheme_install_default(*, district: Region, actor=None) -> SchemeVersion:
    """The shipped default scheme as the district's first version (idempotent)."""
    scheme = load_default_scheme()
    existing = SchemeVersion.objects.filter(district=district, village__isnull=True, code=scheme.code, version=scheme.version).first()
    if existing:
        return existing
    return scheme_version_publish(actor=actor, district=district, document=scheme.to_dict())


@transaction.atomic
def village_version_adopt(*, actor, village: Region, base: SchemeVersion, own_items: list[dict[str, Any]], version: str, effective_from: date) -> SchemeVersion:
    """The village adopts a district version, adding its own items within the limits."""
    if base.village_id is not None:
        raise ValidationError("只能基于区级方案版本")
    try:
        items = [item_from_dict(d, f"own_items[{i}]") for i, d in enumerate(own_items)]
        scheme = adopt_for_village(base.scheme, items, version=version)
    except SchemeError as exc:
        raise _as_validation_error(exc) from None
    if SchemeVersion.objects.filter(village=village, code=scheme.code, version=version).exists():
        raise ValidationError(f"本村已有版本“{version}”，请使用新的版本号")
    adopted = SchemeVersion.objects.create(
        district_id=base.district_id, village=village, based_on=base, code=scheme.code, version=version,
        name=f"{scheme.name}（{village.name}）", effective_from=effective_from, document=scheme.to_dict(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit(actor=actor, action="scheme.village_adopt", obj=adopted, region_path=village.path, after={"base": str(base), "own_items": [i.code for i in items]})
    return adopted


def scheme_version_mark_in_use(version: SchemeVersion) -> None:
    """Freeze the version the first time something uses it."""
    if version.in_use_since is None:
        now = timezone.now()
        SchemeVersion.objects.filter(pk=version.pk, in_use_since__isnull=True).update(in_use_since=now)
        version.in_use_since = now
