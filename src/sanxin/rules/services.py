"""Writes for scheme versions. Each checks the actor's permission and scope: a
district's versions are published by a district admin of that district
(Perm.MANAGE_SCHEME), a village's own items by a committee head of that village
(Perm.MANAGE_VILLAGE_ITEMS). `actor=None` is the system (a management command,
the demo), which the audit row names as such."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.defaults import load_default_scheme
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import Scheme, SchemeError
from sanxin.rules.scheme_reader import (
    adopt_for_village,
    item_from_dict,
    scheme_from_dict,
    scheme_from_json,
    validate_scheme,
)

if TYPE_CHECKING:
    from sanxin.accounts.models import User


def _check_scope(actor: User | None, region: Region, perm: Perm, refused: str) -> None:
    if actor is None:
        return  # the system
    if not scope_for(actor).covers_region(region, perm):
        raise PermissionDenied(refused)


def _as_validation_error(exc: SchemeError) -> ValidationError:
    messages = exc.args[0] if exc.args and isinstance(exc.args[0], list) else [str(exc)]
    return ValidationError([str(m) for m in messages])


@transaction.atomic
def scheme_version_publish(
    *,
    actor: User | None,
    district: Region,
    document: dict[str, Any],
    effective_from: date | None = None,
) -> SchemeVersion:
    """Publish a district scheme version from its document (validated in full)."""
    if district.level != Level.DISTRICT:
        raise ValidationError("评分方案由区级发布")
    _check_scope(actor, district, Perm.MANAGE_SCHEME, "只有本区的区管理员可以发布评分方案")
    try:
        scheme = scheme_from_dict(document)
    except SchemeError as exc:
        raise _as_validation_error(exc) from None
    effective = effective_from or scheme.effective_from or timezone.localdate()
    if SchemeVersion.objects.filter(
        district=district, village__isnull=True, code=scheme.code, version=scheme.version
    ).exists():
        raise ValidationError(f"版本号“{scheme.version}”已发布过，请使用新的版本号")
    version = SchemeVersion.objects.create(
        district=district,
        code=scheme.code,
        version=scheme.version,
        name=scheme.name,
        effective_from=effective,
        document=scheme.to_dict(),
        created_by=actor,
    )
    audit(
        actor=actor,
        action="scheme.publish",
        obj=version,
        region_path=district.path,
        after={"code": scheme.code, "version": scheme.version, "effective_from": str(effective)},
    )
    return version


def scheme_install_default(*, district: Region, actor: User | None = None) -> SchemeVersion:
    """The shipped default scheme as the district's first version (idempotent)."""
    _check_scope(actor, district, Perm.MANAGE_SCHEME, "只有本区的区管理员可以启用评分方案")
    scheme = load_default_scheme()
    existing = SchemeVersion.objects.filter(
        district=district, village__isnull=True, code=scheme.code, version=scheme.version
    ).first()
    if existing:
        return existing
    return scheme_version_publish(actor=actor, district=district, document=scheme.to_dict())


@transaction.atomic
def village_version_adopt(
    *,
    actor: User | None,
    village: Region,
    base: SchemeVersion,
    own_items: list[dict[str, Any]],
    version: str,
    effective_from: date,
) -> SchemeVersion:
    """The village adopts a district version, adding its own items within the limits."""
    if village.level != Level.VILLAGE:
        raise ValidationError("村级自设项属于一个村")
    _check_scope(actor, village, Perm.MANAGE_VILLAGE_ITEMS, "只有本村评信团团长可以设置本村自设项")
    if base.village_id is not None:
        raise ValidationError("只能基于区级方案版本")
    if not village.path.startswith(base.district.path):
        raise ValidationError("只能采用本区的方案版本")
    try:
        items = [item_from_dict(d, f"own_items[{i}]") for i, d in enumerate(own_items)]
        scheme = adopt_for_village(base.scheme, items, version=version)
    except SchemeError as exc:
        raise _as_validation_error(exc) from None
    if SchemeVersion.objects.filter(village=village, code=scheme.code, version=version).exists():
        raise ValidationError(f"本村已有版本“{version}”，请使用新的版本号")
    adopted = SchemeVersion.objects.create(
        district_id=base.district_id,
        village=village,
        based_on=base,
        code=scheme.code,
        version=version,
        name=f"{scheme.name}（{village.name}）",
        effective_from=effective_from,
        document=scheme.to_dict(),
        created_by=actor,
    )
    audit(
        actor=actor,
        action="scheme.village_adopt",
        obj=adopted,
        region_path=village.path,
        after={"base": str(base), "own_items": [i.code for i in items]},
    )
    return adopted


def scheme_version_mark_in_use(version: SchemeVersion) -> None:
    """Freeze the version the first time something uses it."""
    if version.in_use_since is None:
        now = timezone.now()
        SchemeVersion.objects.filter(pk=version.pk, in_use_since__isnull=True).update(
            in_use_since=now
        )
        version.in_use_since = now


def scheme_versions_unfreeze_for_erase(using: str = DEFAULT_DB_ALIAS) -> int:
    """Unfreeze every scheme version (in use: no DELETE) so that erasing a whole
    database can delete them: `demo-data --reset` and the flush after tests that
    commit. Nothing else may call it; returns how many versions were unfrozen."""
    return (
        SchemeVersion.objects.using(using)
        .filter(in_use_since__isnull=False)
        .update(in_use_since=None)
    )


def _errors_of(exc: SchemeError) -> ValidationError:
    """One message per field path (SchemeError.errors), so a page can list them all."""
    return ValidationError(list(exc.errors) or [str(exc)])


def scheme_version_import(
    *,
    actor: User | None,
    district: Region,
    content: str | bytes,
    effective_from: date | None = None,
) -> SchemeVersion:
    """Publish an exported scheme file as a new district version. Nothing is saved when
    the file has a problem; the ValidationError lists every problem by field path. The
    effective date given here (else the file's) is written into the document too."""
    _check_scope(actor, district, Perm.MANAGE_SCHEME, "只有本区的区管理员可以发布评分方案")
    try:
        scheme = scheme_from_json(content)
    except SchemeError as exc:
        raise _errors_of(exc) from None
    if effective_from is not None:
        scheme = replace(scheme, effective_from=effective_from)
    return scheme_version_publish(
        actor=actor, district=district, document=scheme.to_dict(), effective_from=effective_from
    )


@transaction.atomic
def scheme_version_derive(
    *, actor: User | None, base: SchemeVersion, scheme: Scheme, effective_from: date
) -> SchemeVersion:
    """Publish `scheme` (the base version's scheme with changes) as a new district
    version. The base is never modified (it may be frozen)."""
    _check_scope(actor, base.district, Perm.MANAGE_SCHEME, "只有本区的区管理员可以发布评分方案")
    if base.village_id is not None:
        raise ValidationError("只能基于区级方案版本")
    if effective_from <= base.effective_from:
        raise ValidationError(
            f"新版本的生效日期应晚于所依据版本的生效日期（{base.effective_from:%Y-%m-%d}）"
        )
    scheme = replace(scheme, effective_from=effective_from)
    errors = validate_scheme(scheme)
    if errors:
        raise ValidationError(errors)
    version = scheme_version_publish(
        actor=actor,
        district=base.district,
        document=scheme.to_dict(),
        effective_from=effective_from,
    )
    old = {i.code: i for i in base.scheme.items}
    changed = [i.code for i in scheme.items if i.code in old and old[i.code] != i]
    added = [i.code for i in scheme.items if i.code not in old]
    removed = [code for code in old if scheme.find_item(code) is None]
    audit(
        actor=actor,
        action="scheme.derive",
        obj=version,
        region_path=base.district.path,
        before={"base": base.pk, "version": base.version},
        after={
            "version": scheme.version,
            "changed_items": changed,
            "added_items": added,
            "removed_items": removed,
            "tiers_changed": base.scheme.tiers != scheme.tiers,
        },
    )
    return version
