"""The oversight app's records: the assessment (考核) of towns and villages.

A district's yearly `AssessmentScheme` holds weighted `Indicator`s, computed from the
data (oversight/assessment/indicators.py) or scored by hand (`ManualScore`, each
setting a new row: the latest counts). Publishing freezes the results as an
`AssessmentVersion` with one `AssessmentResult` per town and village and one
`AssessmentScore` per indicator of each; all four of these are append-only (the
database refuses UPDATE and DELETE). A change after publishing is a new version with
a reason; the old one stays, superseded. (The audit log's table keeps its old name
`oversight_auditevent` but its model lives in sanxin.audit.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sanxin.lib.photos import PhotoBase, stored_name
from sanxin.oversight.assessment.choices import (
    IndicatorKind,
    IndicatorLevel,
    ResultLevel,
    RuleKind,
    SchemeStatus,
)

_USER = settings.AUTH_USER_MODEL
_SCORE = {"max_digits": 6, "decimal_places": 2}


class AssessmentScheme(models.Model):
    """A district's assessment scheme of one year (考核指标体系). Its indicators are
    edited while it is a draft; once published they stay as they are."""

    SCOPE_PATH = "district__path"
    SCOPE_HOUSEHOLD = None

    district = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区")
    )
    year = models.PositiveSmallIntegerField(_("考核年度"))
    name = models.CharField(_("名称"), max_length=80)
    status = models.CharField(
        _("状态"), max_length=10, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("考核指标体系")
        verbose_name_plural = _("考核指标体系")
        ordering = ["district_id", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year"], name="assessmentscheme_unique_year"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SchemeStatus.values), name="assessmentscheme_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="assessmentscheme_year_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_draft(self) -> bool:
        return self.status == SchemeStatus.DRAFT


class Indicator(models.Model):
    """One weighted indicator of a scheme. The maximum score is its weight. A computed
    indicator names its computation (a key of `indicators.REGISTRY`) and its rule:
    linear between `floor` (0 points) and `target` (full points), or `thresholds`,
    a list of [at least, points] pairs as decimal strings, ascending."""

    SCOPE_PATH = "scheme__district__path"
    SCOPE_HOUSEHOLD = None

    scheme = models.ForeignKey(
        AssessmentScheme,
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("考核指标体系"),
    )
    name = models.CharField(_("指标名称"), max_length=80)
    weight = models.DecimalField(_("权重（满分）"), **_SCORE)
    level = models.CharField(
        _("适用对象"), max_length=10, choices=IndicatorLevel.choices, default=IndicatorLevel.BOTH
    )
    kind = models.CharField(_("类型"), max_length=10, choices=IndicatorKind.choices)
    computation = models.CharField(_("计算方法"), max_length=40, blank=True)
    rule = models.CharField(_("计分规则"), max_length=12, choices=RuleKind.choices, blank=True)
    floor = models.DecimalField(_("下限"), max_digits=12, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(
        _("目标值"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    thresholds = models.JSONField(_("分档"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["scheme_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="indicator_unique_name"),
            models.CheckConstraint(
                condition=Q(weight__gt=0, weight__lte=100), name="indicator_weight_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__in=IndicatorLevel.values), name="indicator_level_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=IndicatorKind.MANUAL, computation="", rule="")
                    | (Q(kind=IndicatorKind.COMPUTED) & ~Q(computation="") & ~Q(rule=""))
                ),
                name="indicator_kind_matches_rule",
            ),
            models.CheckConstraint(
                condition=~Q(rule=RuleKind.LINEAR)
                | Q(floor__isnull=False, target__isnull=False, floor__lt=F("target")),
                name="indicator_linear_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_manual(self) -> bool:
        return self.kind == IndicatorKind.MANUAL

    def applies_to(self, level: str) -> bool:
        return self.level in (IndicatorLevel.BOTH, level)


class ManualScore(models.Model):
    """The district's hand score of one region on a manual indicator, with its note
    and evidence. Never changed: scoring again adds a row, the latest counts."""

    SCOPE_PATH = "region__path"
    SCOPE_HOUSEHOLD = None

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="manual_scores", verbose_name=_("指标")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("镇或村")
    )
    score = models.DecimalField(_("得分"), **_SCORE)
    note = models.TextField(_("评分说明"))
    set_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(_("评分时间"))

    class Meta:
        verbose_name = _("区级评分")
        verbose_name_plural = _("区级评分")
        ordering = ["indicator_id", "region_id", "-set_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0), name="manualscore_not_negative"),
        ]
        indexes = [models.Index(fields=["indicator", "region", "-id"], name="manualscore_latest")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.region_id} {self.score}"


def manual_evidence_path(instance: ManualScorePhoto, filename: str) -> str:
    return stored_name(
        "assessment",
        instance.manual_score.set_at,
        instance.manual_score_id,
        instance.sha256,
        filename,
    )


class ManualScorePhoto(PhotoBase):
    """A photo or scan given as evidence for a hand score (lib/photos). Never changed."""

    manual_score = models.ForeignKey(
        ManualScore, on_delete=models.PROTECT, related_name="photos", verbose_name=_("区级评分")
    )
    image = models.FileField(_("证据照片"), upload_to=manual_evidence_path)

    SCOPE_PATH = "manual_score__region__path"
    SCOPE_HOUSEHOLD = None

    class Meta:
        verbose_name = _("评分证据照片")
        verbose_name_plural = _("评分证据照片")


class AssessmentVersion(models.Model):
    """One publication of a scheme's results. Version 1 is the first; a later one
    needs a reason and supersedes the earlier ones, which stay visible. `indicators`
    is the scheme's indicators as they were published. Never changed."""

    SCOPE_PATH = "scheme__district__path"
    SCOPE_HOUSEHOLD = None

    scheme = models.ForeignKey(
        AssessmentScheme,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("考核指标体系"),
    )
    number = models.PositiveSmallIntegerField(_("版本"))
    reason = models.TextField(_("重新发布的理由"), blank=True)
    indicators = models.JSONField(_("发布时的指标"))
    published_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("考核结果版本")
        verbose_name_plural = _("考核结果版本")
        ordering = ["scheme_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "number"], name="assessmentversion_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="assessmentversion_number_valid"
            ),
            models.CheckConstraint(
                condition=Q(number=1) | ~Q(reason=""), name="assessmentversion_later_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id} v{self.number}"


class AssessmentResult(models.Model):
    """One town's or village's frozen result in a version: total and rank (among the
    district's towns, or its villages; `town_rank` among the villages of its town).
    Never changed."""

    SCOPE_PATH = "region__path"
    SCOPE_HOUSEHOLD = None

    version = models.ForeignKey(
        AssessmentVersion, on_delete=models.PROTECT, related_name="results", verbose_name=_("版本")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("镇或村")
    )
    level = models.CharField(_("层级"), max_length=10, choices=ResultLevel.choices)
    total = models.DecimalField(_("总分"), **_SCORE)
    rank = models.PositiveIntegerField(_("排名"))
    town_rank = models.PositiveIntegerField(_("镇内排名"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["version_id", "level", "rank", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "region"], name="assessmentresult_unique"),
            models.CheckConstraint(
                condition=Q(level__in=ResultLevel.values), name="assessmentresult_level_valid"
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="assessmentresult_rank_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.region_id} {self.total}"


class AssessmentScore(models.Model):
    """One indicator's frozen score for one result: the raw value, the score and the
    working that explains it (and, for a hand score, the score row it used). Never
    changed."""

    SCOPE_PATH = "result__region__path"
    SCOPE_HOUSEHOLD = None

    result = models.ForeignKey(
        AssessmentResult, on_delete=models.PROTECT, related_name="scores", verbose_name=_("结果")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("指标")
    )
    raw_value = models.DecimalField(
        _("原始值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(_("得分"), **_SCORE)
    working = models.TextField(_("计算过程"))
    manual_score = models.ForeignKey(
        ManualScore, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        ordering = ["result_id", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["result", "indicator"], name="assessmentscore_unique"),
            models.CheckConstraint(condition=Q(score__gte=0), name="assessmentscore_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.result_id} {self.indicator_id} {self.score}"
