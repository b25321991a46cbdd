from __future__ import annotations

from datetime import date
from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanxin.households.choices import (
    CadrePost,
    ConsentPurpose,
    HouseholdStatus,
    PoliticalStatus,
    Sex,
)
from sanxin.lib import crypto, idcard
from sanxin.regions.fields import district_field


def id_number_columns(value: str) -> dict[str, str]:
    """What a person's row stores for the identity number `value`: the ciphertext, the
    two keyed look-up hashes (whole number, last four characters) and the masked form.
    Nothing stored in clear narrows the number below the bound in docs/access.md; the
    birth date in particular is kept only inside the ciphertext."""
    return {
        "id_number_encrypted": crypto.encrypt(value),
        "id_number_hash": crypto.blind_index(value),
        "id_last_digits_index": crypto.blind_index(idcard.last_digits(value), crypto.LAST_DIGITS),
        "id_number_masked": idcard.mask(value),
    }


class Household(models.Model):
    """A household (户), the unit that is rated."""

    # Where its rows hang in the region tree, for Scope.filter (accounts/scope.py).
    SCOPE_PATH = "villager_group__path"
    SCOPE_HOUSEHOLD = "pk"

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="households", verbose_name=_("村")
    )
    villager_group = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="group_households",
        verbose_name=_("村民小组"),
    )
    # The district of its village, denormalised: the column every large table is
    # distributed by (docs/scaling.md); set from the group's path on creation.
    district = district_field()
    number = models.CharField(_("户号"), max_length=30)
    address = models.CharField(_("住址"), max_length=120, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE
    )
    # The day the household left the register (moved out or closed); empty while it is
    # in the register. Personal fields are anonymised some years later (privacy app).
    left_on = models.DateField(_("离册日期"), null=True, blank=True)
    # Denormalised for listing without a join per row; kept in step by the services.
    head_name = models.CharField(_("户主"), max_length=30, blank=True)
    member_count = models.PositiveSmallIntegerField(_("人口"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("农户")
        verbose_name_plural = _("农户")
        ordering = ["village_id", "number"]
        constraints = [
            models.UniqueConstraint(
                # The district makes no difference to what is unique (a village lies in
                # one district); it is there for a database distributed by district,
                # which requires it in every unique constraint (docs/scaling.md).
                fields=["village", "number", "district"],
                name="household_unique_number_in_village",
            ),
        ]
        indexes = [models.Index(fields=["villager_group", "number"], name="household_group_number")]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}".strip()


class Person(models.Model):
    # Where its rows hang in the region tree, for Scope.filter (accounts/scope.py).
    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("所在户")
    )
    name = models.CharField(_("姓名"), max_length=30)
    id_number_encrypted = models.TextField(_("身份证号（密文）"), editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Keyed hash of the last four characters, for "search by the last digits".
    id_last_digits_index = models.CharField(max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    relation = models.CharField(_("与户主关系"), max_length=20)
    is_head = models.BooleanField(_("户主"), default=False)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    political_status = models.CharField(
        _("政治面貌"),
        max_length=14,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    cadre_post = models.CharField(_("职务"), max_length=24, choices=CadrePost.choices, blank=True)
    active = models.BooleanField(_("在户"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["household_id", "-is_head", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(is_head=True, active=True),
                name="person_one_head_per_household",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="person_name")]

    def __str__(self) -> str:
        return self.name

    def reveal_id_number(self) -> str:
        """The full number. Call only through households.services.person_reveal_id,
        which checks the scope and writes the audit row."""
        return crypto.decrypt(self.id_number_encrypted)

    @cached_property
    def birth_date(self) -> date:
        """Read from the encrypted identity number (it is stored nowhere in clear).
        For ordering and age rules; pages show only the year (docs/access.md)."""
        return idcard.IdNumber(crypto.decrypt(self.id_number_encrypted)).birth_date

    @property
    def birth_year(self) -> int:
        return self.birth_date.year

    @property
    def is_party_member(self) -> bool:
        return self.political_status in (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)


class Move(models.Model):
    """A person moving from one household to another; their records stay theirs."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="moves")
    from_household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    to_household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    moved_on = models.DateField(_("迁移日期"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("迁移记录")
        verbose_name_plural = _("迁移记录")

    def __str__(self) -> str:
        return f"{self.person} {self.moved_on}"


class PendingImport(models.Model):
    """An uploaded roster between preview and confirm. The file is kept encrypted
    (it holds identity numbers) and is deleted once confirmed or abandoned."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=200)
    content_encrypted = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class Consent(models.Model):
    """Append-only: each giving or withdrawing of consent to a publication is a row; the
    newest row for a household and purpose is in force, and no row means no consent.
    Written by `privacy.services.consent_record`; read through `households.consent` by
    every page that publishes a name or a photo. Its table is still `privacy_consent`
    (the model moved down from the privacy app so that engagement can read it)."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("户"),
    )
    purpose = models.CharField(_("用途"), max_length=20, choices=ConsentPurpose.choices)
    given = models.BooleanField(_("同意"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    on_paper = models.BooleanField(_("书面同意（评信团代为登记）"), default=False)

    class Meta:
        db_table = "privacy_consent"
        verbose_name = _("公开同意")
        verbose_name_plural = _("公开同意")
        ordering = ["household_id", "purpose", "-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}：{'同意' if self.given else '不同意'}"
