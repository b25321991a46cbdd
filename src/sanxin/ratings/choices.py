"""The ratings app's fixed vocabularies: a district's rating cadence, a cycle's states,
what an appeal is about, where a grade record comes from. The values are stored in the
database, the labels shown."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Cadence(models.TextChoices):
    YEAR = "year", _("按年度评定")
    QUARTER = "quarter", _("按季度评定")


class CycleState(models.TextChoices):
    OPEN = "open", _("已开启")
    COMPUTED = "computed", _("已计算")
    REVIEW = "review", _("委员会审核")
    NOTICE = "notice", _("公示")
    FINAL = "final", _("最终")


class AppealKind(models.TextChoices):
    GRADE = "grade", _("对评定等级")
    ENTRY = "entry", _("对某条积分记录")


class GradeSource(models.TextChoices):
    CYCLE = "cycle", _("周期评定")
    DYNAMIC = "dynamic", _("动态调整")
