"""Issuing household credit certificates (信用等级证书): one for a household's grade
in force, or a village's at once for printing. Verification (tokens, status, the
public page's facts) is a read: ratings/certificates.py."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households.models import Household
from sanxin.ratings.models import Certificate, GradeRecord
from sanxin.ratings.standing import grade_in_force, in_force
from sanxin.regions.models import Region
from sanxin.rules.scheme import GRADES, grade_rank

if TYPE_CHECKING:
    from sanxin.accounts.models import User


@transaction.atomic
def certificate_issue(
    *, actor: User, household: Household, today: date | None = None, at: datetime | None = None
) -> Certificate:
    """A certificate for the household's grade in force. `at`: the moment it is issued
    (default now; the demo writes its past)."""
    if not scope_for(actor).may_issue_certificate(household):
        raise PermissionDenied("无权为该户出具信用等级证书")
    record = grade_in_force(household)
    if record is None:
        raise ValidationError("该户还没有最终评定的信用等级，不能出具证书")
    today = today or timezone.localdate()
    if today > record.valid_until:
        raise ValidationError(f"该户的等级已于 {record.valid_until:%Y-%m-%d} 过期，不能出具证书")
    if record.grade == "unrated":
        raise ValidationError("该户当前未评级，不能出具证书")
    certificate = Certificate.objects.create(
        household=household,
        grade_record=record,
        serial=secrets.token_hex(8).upper(),
        issued_by=actor,
        issued_at=at or timezone.now(),
    )
    audit(
        actor=actor,
        action="certificate.issue",
        at=at,
        obj=certificate,
        region_path=household.villager_group.path,
        after={"household": household.pk, "grade": record.grade, "serial": certificate.serial},
    )
    return certificate


@transaction.atomic
def certificates_issue_village(
    *, actor: User, village: Region, min_grade: str, today: date | None = None
) -> tuple[list[Certificate], int]:
    """Certificates for every household of the village whose grade in force is at
    least `min_grade` and still valid, for printing them all at once: a certificate
    already issued for that grade record is reused, the missing ones are issued in
    bulk. Returns (certificates by household number, how many were new). A handful
    of queries whatever the village's size."""
    if not scope_for(actor).covers_region(village, Perm.ISSUE_CERTIFICATES):
        raise PermissionDenied("只有本村评信团或镇、区管理员可以批量出具证书")
    if min_grade not in GRADES or min_grade == "unrated":
        raise ValidationError({"min_grade": "请选择最低等级（A 至 5A）"})
    today = today or timezone.localdate()
    by_household: dict[int, list[GradeRecord]] = {}
    for record in GradeRecord.objects.filter(household__village=village).select_related(
        "household", "cycle"
    ):
        by_household.setdefault(record.household_id, []).append(record)
    wanted = [
        r
        for r in (in_force(records) for records in by_household.values())
        if r is not None
        and r.grade != "unrated"
        and grade_rank(r.grade) >= grade_rank(min_grade)
        and today <= r.valid_until
    ]
    existing: dict[int, Certificate] = {}
    for cert in Certificate.objects.filter(grade_record__in=wanted).order_by("issued_at", "id"):
        existing.setdefault(cert.grade_record_id, cert)
    now = timezone.now()
    new = [
        Certificate(
            household_id=r.household_id,
            grade_record=r,
            serial=secrets.token_hex(8).upper(),
            issued_by=actor,
            issued_at=now,
        )
        for r in wanted
        if r.pk not in existing
    ]
    Certificate.objects.bulk_create(new)
    if new:
        audit(
            actor=actor,
            action="certificate.issue_village",
            obj=None,
            object_type="ratings.certificate",
            object_repr=f"{village.name} {len(new)}",
            region_path=village.path,
            at=now,
            after={
                "village": village.pk,
                "min_grade": min_grade,
                "issued": len(new),
                "reused": len(existing),
            },
        )
    serials = [c.serial for c in new]
    fresh = (
        {c.grade_record_id: c for c in Certificate.objects.filter(serial__in=serials)}
        if serials
        else {}
    )
    by_record = {**existing, **fresh}
    certificates = []
    for record in sorted(wanted, key=lambda r: (r.household.number, r.household_id)):
        cert = by_record[record.pk]
        cert.grade_record, cert.household = record, record.household  # already loaded
        certificates.append(cert)
    return certificates, len(new)
