"""The assessment's fixed vocabularies (stored values, shown labels)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class IndicatorLevel(models.TextChoices):
    """Which regions an indicator scores."""

    BOTH = "both", _("镇和村")
    TOWN = "town", _("镇")
    VILLAGE = "village", _("村")


class IndicatorKind(models.TextChoices):
    COMPUTED = "computed", _("系统计算")
    MANUAL = "manual", _("区级评分")


class RuleKind(models.TextChoices):
    """How a computed indicator's raw value becomes a score."""

    LINEAR = "linear", _("线性：下限得 0 分，达到目标值得满分")
    THRESHOLDS = "thresholds", _("分档：达到某一档得该档分数")


class ResultLevel(models.TextChoices):
    TOWN = "town", _("镇")
    VILLAGE = "village", _("村")
