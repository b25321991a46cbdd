"""Rating cycles (评定周期) and the immutable rating snapshots they compute.

A cycle belongs to a village and a period and moves forward through
open → computed → review → notice → final. Computing grades every active household
of the village as of the cycle's cut-off date and stores one `Rating` row per
household for a new *run*; ratings are append-only (the database refuses UPDATE and
DELETE). The cycle's `current_run` names the rows in force; a re-run writes new rows
with a higher run number and moves `current_run` only once all of them are written,
so a half-finished computation is never seen."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanxin.lib.photos import PhotoBase, stored_name
from sanxin.ratings.choices import AppealKind, Cadence, CycleState, GradeSource
from sanxin.ratings.periods import label
from sanxin.regions.fields import district_field
from sanxin.rules.choices import Grade, Tier, grade_check, tier_check


class Cycle(models.Model):
    village = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="rating_cycles",
        verbose_name=_("村"),
    )
    period = models.CharField(_("评定期"), max_length=20)
    cut_off = models.DateField(_("截止日期"))
    state = models.CharField(
        _("状态"), max_length=10, choices=CycleState.choices, default=CycleState.OPEN
    )
    current_run = models.PositiveIntegerField(_("当前计算批次"), default=0)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    review_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    notice_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("最终确定时间"), null=True, blank=True)
    notice_starts_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("开启人"),
    )
    created_at = models.DateTimeField(_("开启时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评定周期")
        verbose_name_plural = _("评定周期")
        ordering = ["-period", "village__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "period"], name="cycle_unique_village_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.period}"

    @property
    def period_label(self) -> str:
        """2026 年度 / 2026 年第一季度."""
        return label(self.period)


class Rating(models.Model):
    """One household's computed result in one run of a cycle. Never changed."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("评定周期")
    )
    run = models.PositiveIntegerField(_("计算批次"))
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="ratings",
        verbose_name=_("农户"),
    )
    district = district_field()  # the household's (docs/scaling.md)
    scheme_version = models.ForeignKey(
        "rules.SchemeVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("方案版本"),
    )
    tier = models.CharField(_("身份"), max_length=14, choices=Tier.choices)
    total = models.DecimalField(
        _("综合得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    computed_grade = models.CharField(_("按积分等级"), max_length=10, choices=Grade.choices)
    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices)
    vetoed = models.BooleanField(_("有否决事项"), default=False)
    components = models.JSONField(_("各项得分"))
    reasons = models.JSONField(_("评定理由"))
    result = models.JSONField(_("计算结果"))
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("评定结果")
        verbose_name_plural = _("评定结果")
        ordering = ["cycle_id", "run", "household_id"]
        constraints = [
            models.UniqueConstraint(
                # With the district, for a database distributed by it (docs/scaling.md).
                fields=["cycle", "run", "household", "district"],
                name="rating_unique_household_in_run",
            ),
            tier_check("tier", "rating_tier_valid"),
            grade_check("computed_grade", "rating_computed_grade_valid"),
            grade_check("grade", "rating_grade_valid"),
        ]
        indexes = [models.Index(fields=["cycle", "run", "grade"], name="rating_cycle_run_grade")]

    def __str__(self) -> str:
        return f"{self.cycle_id}#{self.run} {self.household_id} {self.grade}"


class Adjustment(models.Model):
    """A committee member's proposal to change one household's grade in a cycle,
    with a written reason. Takes effect only once another member confirms it
    (`AdjustmentDecision`). Never changed."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("评定周期")
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="rating_adjustments",
        verbose_name=_("农户"),
    )
    rating = models.ForeignKey(
        Rating,
        on_delete=models.PROTECT,
        related_name="adjustments",
        verbose_name=_("所调整的评定结果"),
    )
    from_grade = models.CharField(_("原等级"), max_length=10, choices=Grade.choices)
    to_grade = models.CharField(_("调整为"), max_length=10, choices=Grade.choices)
    reason = models.TextField(_("调整理由"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提议人"),
    )
    proposed_at = models.DateTimeField(_("提议时间"))

    class Meta:
        verbose_name = _("等级调整")
        verbose_name_plural = _("等级调整")
        ordering = ["cycle_id", "proposed_at", "id"]
        constraints = [
            grade_check("from_grade", "adjustment_from_grade_valid"),
            grade_check("to_grade", "adjustment_to_grade_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.household_id} {self.from_grade}→{self.to_grade}"


class AdjustmentDecision(models.Model):
    """The second committee member's confirmation or refusal of an adjustment. Never changed."""

    adjustment = models.OneToOneField(
        Adjustment, on_delete=models.PROTECT, related_name="decision", verbose_name=_("等级调整")
    )
    confirmed = models.BooleanField(_("确认"))
    reason = models.TextField(_("理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("决定人"),
    )
    decided_at = models.DateTimeField(_("决定时间"))

    class Meta:
        verbose_name = _("调整决定")
        verbose_name_plural = _("调整决定")

    def __str__(self) -> str:
        return f"{self.adjustment_id} {'confirmed' if self.confirmed else 'refused'}"


class ReviewMeeting(models.Model):
    """The committee meeting that closes a cycle's review. `members_present` is a
    list of {"id": user id, "name": display name}, frozen at recording. Never changed."""

    cycle = models.OneToOneField(
        Cycle, on_delete=models.PROTECT, related_name="meeting", verbose_name=_("评定周期")
    )
    held_on = models.DateField(_("会议日期"))
    members_present = models.JSONField(_("出席成员"))
    committee_size = models.PositiveIntegerField(_("评信团人数"))
    decision = models.TextField(_("会议决定"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("评审会议")
        verbose_name_plural = _("评审会议")

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.held_on}"


class Appeal(models.Model):
    """An objection (异议) filed during a cycle's public notice by the household, or
    by a committee member on its behalf, about its grade or one of its entries.
    Never changed: the answer is an `AppealDecision`."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("评定周期")
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("农户"),
    )
    kind = models.CharField(_("异议对象"), max_length=10, choices=AppealKind.choices)
    entry = models.ForeignKey(
        "ledger.Entry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("有异议的积分记录"),
    )
    grade_at_filing = models.CharField(_("提出时的等级"), max_length=10, choices=Grade.choices)
    reason = models.TextField(_("异议理由"))
    evidence_text = models.TextField(_("证据说明"), blank=True)
    on_behalf = models.BooleanField(_("评信团成员代为提出"), default=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提出人"),
    )
    filed_at = models.DateTimeField(_("提出时间"))

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["cycle_id", "filed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="entry", entry__isnull=False)
                    | models.Q(kind="grade", entry__isnull=True)
                ),
                name="appeal_entry_matches_kind",
            ),
            grade_check("grade_at_filing", "appeal_grade_at_filing_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.household_id} {self.kind}"


def appeal_evidence_path(instance: AppealPhoto, filename: str) -> str:
    return stored_name(
        "appeals", instance.appeal.filed_at, instance.appeal_id, instance.sha256, filename
    )


class AppealPhoto(PhotoBase):
    """A photo or scan the appellant gives as evidence. Never changed."""

    appeal = models.ForeignKey(
        Appeal, on_delete=models.PROTECT, related_name="photos", verbose_name=_("异议")
    )
    image = models.FileField(_("证据照片"), upload_to=appeal_evidence_path)

    class Meta:
        verbose_name = _("异议证据照片")
        verbose_name_plural = _("异议证据照片")


class AppealDecision(models.Model):
    """The answer to an appeal, by a committee member other than the recorder of the
    disputed entry. Upheld: `reversal` (an entry appeal) and/or `to_grade` (the
    household's grade after recomputation or adjustment), with the recomputed
    engine result in `result`. Never changed."""

    appeal = models.OneToOneField(
        Appeal, on_delete=models.PROTECT, related_name="decision", verbose_name=_("异议")
    )
    upheld = models.BooleanField(_("异议成立"))
    reason = models.TextField(_("处理意见"))
    to_grade = models.CharField(_("处理后等级"), max_length=10, blank=True, choices=Grade.choices)
    reversal = models.ForeignKey(
        "ledger.Entry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("冲正记录"),
    )
    result = models.JSONField(_("重新计算结果"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"))

    class Meta:
        verbose_name = _("异议处理")
        verbose_name_plural = _("异议处理")
        constraints = [grade_check("to_grade", "appealdecision_to_grade_valid", blank=True)]

    def __str__(self) -> str:
        return f"{self.appeal_id} {'upheld' if self.upheld else 'dismissed'}"


class GradeRecord(models.Model):
    """One line of a household's grade history: the grade in force from
    `effective_from` until the next record. Written when a cycle becomes final
    (source=cycle) and when a serious event changes the grade between cycles
    (source=dynamic, 动态调整). Never changed."""

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="grade_records",
        verbose_name=_("农户"),
    )
    district = district_field()  # the household's (docs/scaling.md)
    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices)
    source = models.CharField(_("来源"), max_length=10, choices=GradeSource.choices)
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="grade_records", verbose_name=_("评定周期")
    )
    effective_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("最长有效至"))
    reason = models.TextField(_("说明"), blank=True)
    veto_event = models.ForeignKey(
        "ledger.VetoEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("否决事件"),
    )
    entry = models.ForeignKey(
        "ledger.Entry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("否决积分项"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("等级记录")
        verbose_name_plural = _("等级记录")
        ordering = ["household_id", "-effective_from", "-id"]
        indexes = [models.Index(fields=["household", "-id"], name="graderecord_household_latest")]
        constraints = [grade_check("grade", "graderecord_grade_valid")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.grade} {self.effective_from}"


class Certificate(models.Model):
    """A printed household credit certificate (信用等级证书) for one grade record.
    `serial` is random; the public verification link carries it signed. Never changed."""

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("农户"),
    )
    grade_record = models.ForeignKey(
        GradeRecord,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("等级记录"),
    )
    serial = models.CharField(_("证书编号"), max_length=32, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发证人"),
    )
    issued_at = models.DateTimeField(_("发证时间"))

    class Meta:
        verbose_name = _("信用等级证书")
        verbose_name_plural = _("信用等级证书")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.serial


class RatingPolicy(models.Model):
    """A district's choice of rating period: a year (the default) or a quarter."""

    district = models.OneToOneField(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="rating_policy",
        verbose_name=_("区"),
    )
    cadence = models.CharField(
        _("评定周期长度"), max_length=10, choices=Cadence.choices, default=Cadence.YEAR
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("设置人"),
    )
    updated_at = models.DateTimeField(_("设置时间"), auto_now=True)

    class Meta:
        verbose_name = _("评定周期设置")
        verbose_name_plural = _("评定周期设置")

    def __str__(self) -> str:
        return f"{self.district_id} {self.cadence}"
