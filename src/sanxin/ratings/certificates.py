"""Household credit certificates (信用等级证书) and their public verification.

A certificate is issued for the household's grade in force. Its QR code carries a
signed link to the public verification page (`/v/<token>/`): the token is the
certificate's random serial signed with the site's secret, so links cannot be
guessed or altered. The page says whether the grade is still in force (valid,
superseded by a later cycle, revoked by a dynamic adjustment, or expired) and
nothing about why a grade changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.ratings.models import Certificate, GradeRecord
from sanxin.ratings.notice import mask_name
from sanxin.ratings.pdf import CertificateDoc
from sanxin.ratings.standing import grade_history, in_force
from sanxin.rules.scheme import GRADE_LABELS, grade_rank

if TYPE_CHECKING:
    pass

SALT = "sanxin.ratings.certificate"


class Status:
    VALID = "valid"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    EXPIRED = "expired"


STATUS_LABELS = {
    Status.VALID: "有效",
    Status.SUPERSEDED: "已被新的评定结果取代",
    Status.REVOKED: "已撤销",
    Status.EXPIRED: "已过有效期",
}


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
    """Only what the public page may show (no model object, so no reason can leak)."""

    serial: str
    issued_on: date
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
    household's grade records, and the record in force when it differs. The one
    rule of `ratings.standing` decides: the certificate is valid while the grade in
    force is its grade in its cycle (again valid once a revoked veto restores it),
    revoked while that cycle's grade is dynamically lowered below it, superseded by
    a later period's grade (or a restored higher one), expired after its validity.
    No query."""
    current = in_force(history)
    if current is not None and current.pk != record.pk:
        if current.cycle_id != record.cycle_id:
            return Status.SUPERSEDED, current
        if grade_rank(current.grade) < grade_rank(record.grade):
            return Status.REVOKED, current
        if current.grade != record.grade:
            return Status.SUPERSEDED, current
    if today > record.valid_until:
        return Status.EXPIRED, None
    return Status.VALID, None


def verify(certificate: Certificate, today: date | None = None) -> Verification:
    """What the public page shows: masked name, village, grade, validity and status.
    Never the reason of a change (a veto's name is nobody else's business)."""
    today = today or timezone.localdate()
    record = certificate.grade_record
    household = certificate.household
    history = grade_history(household)
    status, changed = status_of(record, history, today)
    current_label = GRADE_LABELS.get(changed.grade, changed.grade) if changed is not None else ""
    if status == Status.REVOKED:
        explanation = f"{changed.effective_from:%Y-%m-%d} 起该户等级调整为{current_label}"
    elif status == Status.SUPERSEDED:
        explanation = f"{changed.effective_from:%Y-%m-%d} 起该户等级为{current_label}"
    elif status == Status.EXPIRED:
        explanation = f"有效期至 {record.valid_until:%Y-%m-%d}"
    else:
        explanation = ""
    village = household.village
    return Verification(
        serial=certificate.serial,
        issued_on=timezone.localdate(certificate.issued_at),
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


def _village_name(village) -> str:
    return f"{village.parent.name} {village.name}" if village.parent_id else village.name


def certificate_doc(certificate: Certificate, village, site: str) -> CertificateDoc:
    """What a certificate's page prints. `site`: the site's absolute root URL (the
    request's, or the one the page that started a batch job had), for the QR link."""
    household, record = certificate.household, certificate.grade_record
    label = GRADE_LABELS.get(record.grade, record.grade)
    return CertificateDoc(
        serial=certificate.serial,
        head_name_masked=mask_name(household.head_name),
        village_name=_village_name(village),
        grade_label=_("%(grade)s级") % {"grade": label},
        grade=record.grade,
        effective_from=record.effective_from,
        valid_until=record.valid_until,
        issuer=_("%(village)s评信团") % {"village": village.name},
        verify_url=urljoin(site, reverse("certificate_verify", args=[token_for(certificate)])),
        issued_on=timezone.localdate(certificate.issued_at),
    )
