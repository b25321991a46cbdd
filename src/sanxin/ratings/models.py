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


class CycleState(models.TextChoices):
    OPEN = "open", _("已开启")
    COMPUTED = "computed", _("已计算")
    REVIEW = "review", _("委员会审核")
    NOTICE = "notice", _("公示")
    FINAL = "final", _("最终")


class Cycle(models.Model):
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="rating_cycles", verbose_name=_("村"))
    period = models.CharField(_("评定期"), max_length=20)
    cut_off = models.DateField(_("截止日期"))
    state = models.CharField(_("状态"), max_length=10, choices=CycleState.choices, default=CycleState.OPEN)
    current_run = models.PositiveIntegerField(_("当前计算批次"), default=0)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    review_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    notice_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("最终确定时间"), null=True, blank=True)
    notice_starts_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("开启人"))
    created_at = models.DateTimeField(_("开启时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评定周期")
        verbose_name_plural = _("评定周期")
        ordering = ["-period", "village__path"]
        constraints = [
            models.UniqueConstraint(fields=["village", "period"], name="cycle_unique_village_period"),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.period}"


class Rating(models.Model):
    """One household's computed result in one run of a cycle. Never changed."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("评定周期"))
    run = models.PositiveIntegerField(_("计算批次"))
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="ratings", verbose_name=_("农户"))
    scheme_version = models.ForeignKey("rules.SchemeVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("方案版本"))
    tier = models.CharField(_("身份"), max_length=14)
    total = models.DecimalField(_("综合得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    computed_grade = models.CharField(_("按积分等级"), max_length=10)
    grade = models.CharField(_("等级"), max_length=10)
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
            models.UniqueConstraint(fields=["cycle", "run", "household"], name="rating_unique_household_in_run"),
        ]
        indexes = [models.Index(fields=["cycle", "run", "grade"], name="rating_cycle_run_grade")]

    def __str__(self) -> str:
        return f"{self.cycle_id}#{self.run} {self.household_id} {self.grade}"


class Adjustment(models.Model):
    """A committee member's proposal to change one household's grade in a cycle,
    with a written reason. Takes effect only once another member confirms it
    (`AdjustmentDecision`). Never changed."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("评定周期"))
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="rating_adjustments", verbose_name=_("农户"))
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("所调整的评定结果"))
    from_grade = models.CharField(_("原等级"), max_length=10)
    to_grade = models.CharField(_("调整为"), max_length=10)
    reason = models.TextField(_("调整理由"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提议人"))
    proposed_at = models.DateTimeField(_("提议时间"))

    class Meta:
        verbose_name = _("等级调整")
        verbose_name_plural = _("等级调整")
        ordering = ["cycle_id", "proposed_at", "id"]

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.household_id} {self.from_grade}→{self.to_grade}"


class AdjustmentDecision(models.Model):
    """The second committee member's confirmation or refusal of an adjustment. Never changed."""

    adjustment = models.OneToOneField(Adjustment, on_delete=models.PROTECT, related_name="decision", verbose_name=_("等级调整"))
    confirmed = models.BooleanField(_("确认"))
    reason = models.TextField(_("理由"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("决定人"))
    decided_at = models.DateTimeField(_("决定时间"))

    class Meta:
        verbose_name = _("调整决定")
        verbose_name_plural = _("调整决定")

    def __str__(self) -> str:
        return f"{self.adjustment_id} {'confirmed' if self.confirmed else 'refused'}"


class ReviewMeeting(models.Model):
    """The committee meeting that closes a cycle's review. `members_present` is a
    list of {"id": user id, "name": display name}, frozen at recording. Never changed."""

    cycle = models.OneToOneField(Cycle, on_delete=models.PROTECT, related_name="meeting", verbose_name=_("评定周期"))
    held_on = models.DateField(_("会议日期"))
    members_present = models.JSONField(_("出席成员"))
    committee_size = models.PositiveIntegerField(_("评信团人数"))
    decision = models.TextField(_("会议决定"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("评审会议")
        verbose_name_plural = _("评审会议")

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.held_on}"
