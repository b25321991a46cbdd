"""Personal-information rights (PIPL): correction requests a household files about its
own registry data and the committee answers, and the record of anonymising people who
left the register. Consent to publication lives in the register itself
(`households.models.Consent`, table `privacy_consent`): every publishing app reads it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CorrectionField(models.TextChoices):
    """What a household may ask to correct (the registry's fields; the rest of its
    data — points, grades, loans — has its own appeal or the credit union). A wrong
    identity number or sex (read from the number) goes under "other": the committee
    re-registers the person, as docs/privacy.md says."""

    NAME = "name", _("姓名")
    RELATION = "relation", _("与户主关系")
    PHONE = "phone", _("联系电话")
    POLITICAL_STATUS = "political_status", _("政治面貌")
    CADRE_POST = "cadre_post", _("职务")
    ADDRESS = "address", _("住址")
    HOUSEHOLD_PHONE = "household_phone", _("本户联系电话")
    OTHER = "other", _("其他")


# Fields of a member (the others are the household's own).
PERSON_FIELDS = frozenset(
    {
        CorrectionField.NAME,
        CorrectionField.RELATION,
        CorrectionField.PHONE,
        CorrectionField.POLITICAL_STATUS,
        CorrectionField.CADRE_POST,
    }
)


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("待答复")
    ACCEPTED = "accepted", _("已更正")
    DECLINED = "declined", _("不予更正")


class CorrectionRequest(models.Model):
    """A household's request to correct its registry data. Accepting it changes the
    record through the registry's own services (audited there); declining it needs a
    reason. The request itself is kept as it was filed."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="correction_requests",
        verbose_name=_("户"),
    )
    person = models.ForeignKey(
        "households.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("成员"),
    )
    field = models.CharField(_("更正内容"), max_length=20, choices=CorrectionField.choices)
    current_value = models.CharField(_("原来的内容"), max_length=200, blank=True)
    requested_value = models.CharField(_("应更正为"), max_length=200)
    reason = models.TextField(_("说明"), max_length=1000, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    filed_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=CorrectionStatus.choices,
        default=CorrectionStatus.PENDING,
    )
    answer = models.TextField(_("答复"), max_length=1000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("更正申请")
        verbose_name_plural = _("更正申请")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="pending", answered_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(answered_at__isnull=False)),
                name="correction_answered_iff_not_pending",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="declined") | ~models.Q(answer=""),
                name="correction_decline_has_reason",
            ),
            models.UniqueConstraint(
                fields=["filed_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="correction_filed_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()}：{self.requested_value}"


class Anonymisation(models.Model):
    """Append-only: a person who left the register, anonymised after the retention
    period. Keeps no personal field, only which row and when."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("户")
    )
    person = models.ForeignKey(
        "households.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("成员")
    )
    left_on = models.DateField(_("离开日期"))
    anonymised_at = models.DateTimeField(_("匿名化时间"))

    class Meta:
        verbose_name = _("匿名化记录")
        verbose_name_plural = _("匿名化记录")
        constraints = [
            models.UniqueConstraint(fields=["person"], name="anonymised_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.anonymised_at:%Y-%m-%d}"
