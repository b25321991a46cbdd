"""The points ledger (积分台账). Entries, their review decisions and their photos
are append-only: the database refuses UPDATE and DELETE on all three tables. A
mistake is corrected by a reversal entry that cites the original and a reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanxin.ledger.choices import Source
from sanxin.lib.photos import PhotoBase, stored_name
from sanxin.regions.fields import district_field
from sanxin.rules.choices import Grade, Tier, grade_check, tier_check


class Entry(models.Model):
    # Where its rows hang in the region tree, for Scope.filter (accounts/scope.py).
    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("农户"),
    )
    district = district_field()  # the household's (docs/scaling.md)
    person = models.ForeignKey(
        "households.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("人员"),
    )
    scheme_version = models.ForeignKey(
        "rules.SchemeVersion",
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("方案版本"),
    )
    item_code = models.CharField(_("积分项代码"), max_length=40)
    item_name = models.CharField(_("积分项"), max_length=120)
    component = models.CharField(_("积分类别"), max_length=20)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    occurred_on = models.DateField(_("发生日期"))
    points = models.DecimalField(_("分值"), max_digits=9, decimal_places=2)
    tier = models.CharField(_("身份"), max_length=14, choices=Tier.choices)
    evidence_text = models.TextField(_("事实与依据"), blank=True)
    source = models.CharField(
        _("来源"), max_length=12, choices=Source.choices, default=Source.MANUAL
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"))
    # A rejected reversal may be followed by another one, so several reversals may
    # cite one entry; `entry_reverse` allows at most one that is pending or approved.
    reversal_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        verbose_name=_("冲正的原记录"),
    )
    reason = models.CharField(_("冲正原因"), max_length=300, blank=True)
    batch_key = models.CharField(max_length=40, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="entry_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(reversal_of__isnull=True) | ~models.Q(reason=""),
                name="entry_reversal_has_reason",
            ),
            tier_check("tier", "entry_tier_valid"),
        ]
        indexes = [models.Index(fields=["household", "occurred_on"], name="entry_household_date")]

    def __str__(self) -> str:
        return f"{self.item_name} {self.points:+}"


class Review(models.Model):
    """The committee's decision on an entry: one per entry, never changed."""

    entry = models.OneToOneField(
        Entry, on_delete=models.PROTECT, related_name="review", verbose_name=_("积分记录")
    )
    district = district_field()  # the entry's (docs/scaling.md)
    approved = models.BooleanField(_("通过"))
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"))

    class Meta:
        verbose_name = _("审核")
        verbose_name_plural = _("审核")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved=True) | ~models.Q(reason=""),
                name="review_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{'通过' if self.approved else '驳回'} {self.entry_id}"


class PendingEntry(models.Model):
    """An entry waiting for its review: the review queue's own index. An entry is
    pending while it has no `Review`; no index on the entries can say "no review
    row", so the database keeps this table itself (triggers made by
    `ledger.pending`, migration 0009): a row is added with every entry and removed
    with its review, whatever writes them (services, bulk inserts, raw SQL). The
    queue then reads the pending entries without visiting the reviewed ones
    (docs/benchmarks.md, "The review queue")."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    entry = models.OneToOneField(
        Entry, primary_key=True, on_delete=models.PROTECT, related_name="pending"
    )
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+"
    )  # the entry's
    district = district_field()  # the entry's (docs/scaling.md)

    class Meta:
        verbose_name = _("待审核记录")
        verbose_name_plural = _("待审核记录")

    def __str__(self) -> str:
        return str(self.entry_id)


def evidence_path(instance: EntryPhoto, filename: str) -> str:
    return stored_name(
        "evidence", instance.entry.recorded_at, instance.entry_id, instance.sha256, filename
    )


class EntryPhoto(PhotoBase):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(_("照片"), upload_to=evidence_path)

    class Meta:
        verbose_name = _("证据照片")
        verbose_name_plural = _("证据照片")


class VetoEvent(models.Model):
    """A veto (一票否决) or direct grading (直接判级) decided for a household from the
    scheme's catalogue (e.g. 被列为失信被执行人, 恶意拖欠信用社贷款): it caps the
    household's grade for the rule's period whatever its points. Append-only; a
    mistaken one is revoked by a new row that cites it and a reason."""

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="veto_events",
        verbose_name=_("农户"),
    )
    scheme_version = models.ForeignKey(
        "rules.SchemeVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("方案版本"),
    )
    rule_code = models.CharField(_("规则代码"), max_length=60)
    name = models.CharField(_("事由"), max_length=120)
    kind = models.CharField(_("类型"), max_length=10)
    cap_grade = models.CharField(_("最高等级"), max_length=10, choices=Grade.choices)
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"), null=True, blank=True)
    evidence_text = models.TextField(_("事实与依据"))
    revokes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revoked_by",
        verbose_name=_("撤销的原认定"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("认定人"),
    )
    recorded_at = models.DateTimeField(_("认定时间"))

    class Meta:
        verbose_name = _("一票否决/直接判级")
        verbose_name_plural = _("一票否决/直接判级")
        ordering = ["-starts_on", "-id"]
        constraints = [grade_check("cap_grade", "vetoevent_cap_grade_valid")]

    def __str__(self) -> str:
        return f"{self.household} {self.name}"


class Submission(models.Model):
    """One submitted form that records something, by its idempotency key: a repeated
    submission (a double tap, a resent POST) answers with what the first recorded
    instead of recording again. The key is unique per user and kind of form."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=30)
    fingerprint = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    object_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("表单提交")
        verbose_name_plural = _("表单提交")

    def __str__(self) -> str:
        return self.key
