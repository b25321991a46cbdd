"""Household credit certificates (信用等级证书) and their public verification.

A certificate is issued for the household's grade in force. Its QR code carries a
signed link to the public verification page (`/v/<token>/`): the token is the
certificate's random serial signed with the site's secret, so links cannot be
guessed or altered. The page says whether the grade is still in force: valid,
superseded by a later cycle, revoked by a dynamic adjustment, or expired."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.accounts.scope import scope_for
from sanxin.households.models import Household
from sanxin.oversight.services import audit
from sanxin.ratings.models import Certificate, GradeRecord, GradeSource
from sanxin.ratings.notice import mask_name
from sanxin.ratings.selectors import oversees_village
from sanxin.ratings.standing import grade_history, grade_in_force
from sanxin.rules.scheme import GRADE_LABELS, GRADES, grade_rank

SALT = "sanxin.ratings.certificate"


class Status:
    VALID = "valid"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    EXPIRED = "expired"


STATUS_LABELS = {
    Status.VALID: "有效",
    Status.SUPERSEDED: "已被新的评定结果取代",
    Status.REVOKED: "已撤销（等级已动态下调）",
    Status.EXPIRED: "已过有效期",
}


def can_issue(actor, household: Household) -> bool:
    """The village's committee (head, deputy, members) and the town/district admins;
    the household itself may print its own certificate too."""
    scope = scope_for(actor)
    return household.pk in scope.own_household_ids() or oversees_village(scope, household.village)


@transaction.atomic
def certificate_issue(*, actor, household: Household, today: date | None = None) -> Certificate:
    if not can_issue(actor, household):
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
        issued_at=timezone.now(),
    )
    audit(
        actor=actor,
        action="certificate.issue",
        obj=certificate,
        region_path=household.villager_group.path,
        after={"household": household.pk, "grade": record.grade, "serial": certificate.serial},
    )
    return certificate


def token_for(certificate: Certificate) -> str:
    return signing.Signer(salt=SALT).sign(certificate.serial)


def certificate_from_token(token: str) -> Certificate | None:
    """The certificate a verification token names, or None when the token was
    tampered with or names no certificate."""
    try:
        serial = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return (
        Certificate.objects.select_related("household__village__parent", "grade_record__cycle")
        .filter(serial=serial)
        .first()
    )


@dataclass(frozen=True)
class Verification:
    certificate: Certificate
    status: str
    head_masked: str
    village: str
    grade: str
    grade_label: str
    effective_from: date
    valid_until: date
    current_grade_label: str  # the household's grade in force now, when it differs
    explanation: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_valid(self) -> bool:
        return self.status == Status.VALID


def status_of(
    record: GradeRecord, history: list[GradeRecord], today: date
) -> tuple[str, GradeRecord | None]:
    """A certificate's status from the grade record it was issued for and the
    household's grade history (newest first), and the record that changed it:
    a later dynamic downgrade of the same cycle revokes it, any other later record
    supersedes it, the end of its validity expires it. No query."""
    current = history[0] if history else None
    if current is not None and current.pk != record.pk:
        later = sorted((r for r in history if r.pk > record.pk), key=lambda r: r.pk)
        downgraded = next(
            (r for r in later if r.source == GradeSource.DYNAMIC and r.cycle_id == record.cycle_id),
            None,
        )
        if downgraded is not None and grade_rank(downgraded.grade) < grade_rank(record.grade):
            return Status.REVOKED, downgraded
        return Status.SUPERSEDED, current
    if today > record.valid_until:
        return Status.EXPIRED, None
    return Status.VALID, None


def verify(certificate: Certificate, today: date | None = None) -> Verification:
    today = today or timezone.localdate()
    record = certificate.grade_record
    household = certificate.household
    history = list(grade_history(household))
    status, changed = status_of(record, history, today)
    current = history[0] if history else None
    current_label = (
        GRADE_LABELS.get(current.grade, current.grade)
        if current is not None and current.pk != record.pk
        else ""
    )
    if status == Status.REVOKED:
        explanation = f"{changed.effective_from:%Y-%m-%d} 起{changed.reason}"
    elif status == Status.SUPERSEDED:
        explanation = f"{changed.effective_from:%Y-%m-%d} 起该户等级为{current_label}"
    elif status == Status.EXPIRED:
        explanation = f"有效期至 {record.valid_until:%Y-%m-%d}"
    else:
        explanation = ""
    village = household.village
    return Verification(
        certificate=certificate,
        status=status,
        head_masked=mask_name(household.head_name),
        village=f"{village.parent.name} {village.name}" if village.parent_id else village.name,
        grade=record.grade,
        grade_label=GRADE_LABELS.get(record.grade, record.grade),
        effective_from=record.effective_from,
        valid_until=record.valid_until,
        current_grade_label=current_label,
        explanation=explanation,
    )


def can_issue_for_village(actor, village) -> bool:
    """The village's committee and the town/district admins over it."""
    return oversees_village(scope_for(actor), village)


@transaction.atomic
def certificates_issue_village(
    *, actor, village, min_grade: str, today: date | None = None
) -> tuple[list[Certificate], int]:
    """Certificates for every household of the village whose grade in force is at
    least `min_grade` and still valid, for printing them all at once: a certificate
    already issued for that grade record is reused, the missing ones are issued in
    bulk. Returns (certificates by household number, how many were new). A handful
    of queries whatever the village's size."""
    if not can_issue_for_village(actor, village):
        raise PermissionDenied("只有本村评信团或镇、区管理员可以批量出具证书")
    if min_grade not in GRADES or min_grade == "unrated":
        raise ValidationError({"min_grade": "请选择最低等级（A 至 5A）"})
    today = today or timezone.localdate()
    latest: dict[int, GradeRecord] = {}
    rows = (
        GradeRecord.objects.filter(household__village=village)
        .select_related("household")
        .order_by("household_id", "-id")
    )
    for record in rows:
        latest.setdefault(record.household_id, record)
    wanted = [
        r
        for r in latest.values()
        if r.grade != "unrated"
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
