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

from sanxin.accounts.scope import Perm, scope_for
from sanxin.households.models import Household
from sanxin.oversight.services import audit
from sanxin.ratings.models import Certificate, GradeRecord, GradeSource
from sanxin.ratings.notice import mask_name
from sanxin.ratings.standing import grade_in_force
from sanxin.rules.scheme import GRADE_LABELS, grade_rank

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
    return (
        scope.covers_household(household, Perm.REVIEW_POINTS)
        or scope.covers_household(household, Perm.CHANGE_REGISTRY)
        or household.pk in scope.own_household_ids()
    )


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
        household=household, grade_record=record, serial=secrets.token_hex(8).upper(), issued_by=actor, issued_at=timezone.now(),
    )
    audit(actor=actor, action="certificate.issue", obj=certificate, region_path=household.villager_group.path,
          after={"household": household.pk, "grade": record.grade, "serial": certificate.serial})
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
    return Certificate.objects.select_related("household__village__parent", "grade_record__cycle").filter(serial=serial).first()


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


def verify(certificate: Certificate, today: date | None = None) -> Verification:
    today = today or timezone.localdate()
    record = certificate.grade_record
    household = certificate.household
    current: GradeRecord | None = grade_in_force(household)
    explanation = ""
    current_label = ""
    if current is not None and current.pk != record.pk:
        current_label = GRADE_LABELS.get(current.grade, current.grade)
        later = GradeRecord.objects.filter(household=household, pk__gt=record.pk)
        downgraded = later.filter(source=GradeSource.DYNAMIC, cycle_id=record.cycle_id).order_by("id").first()
        if downgraded is not None and grade_rank(downgraded.grade) < grade_rank(record.grade):
            status = Status.REVOKED
            explanation = f"{downgraded.effective_from:%Y-%m-%d} 起{downgraded.reason}"
        else:
            status = Status.SUPERSEDED
            explanation = f"{current.effective_from:%Y-%m-%d} 起该户等级为{current_label}"
    elif today > record.valid_until:
        status = Status.EXPIRED
        explanation = f"有效期至 {record.valid_until:%Y-%m-%d}"
    else:
        status = Status.VALID
    village = household.village
    return Verification(
        certificate=certificate, status=status, head_masked=mask_name(household.head_name),
        village=f"{village.parent.name} {village.name}" if village.parent_id else village.name,
        grade=record.grade, grade_label=GRADE_LABELS.get(record.grade, record.grade),
        effective_from=record.effective_from, valid_until=record.valid_until,
        current_grade_label=current_label, explanation=explanation,
    )
