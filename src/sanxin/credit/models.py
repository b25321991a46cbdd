"""The credit union's side (信用社): 双基 credit assessments of households. An
assessment is append-only (the database refuses UPDATE and DELETE); a correction is
a new assessment that supersedes the previous one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanxin.regions.fields import district_field


class CreditAssessment(models.Model):
    """A credit-union officer's 双基 assessment of a household for a period. The
    indicator answers are financial data: only the credit union and the household
    see them; others see the area scores and the total. A correction is a new
    assessment that supersedes the previous one."""

    # Where its rows hang in the region tree, for Scope.filter (accounts/scope.py).
    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="credit_assessments",
        verbose_name=_("农户"),
    )
    district = district_field()  # the household's (docs/scaling.md)
    scheme_version = models.ForeignKey(
        "rules.SchemeVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("方案版本"),
    )
    period = models.CharField(_("评定期"), max_length=20)
    assessed_on = models.DateField(_("入户评定日期"))
    answers = models.JSONField(_("指标明细"))
    area_scores = models.JSONField(_("各方面得分"))
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("更正的原评定"),
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评定人"),
    )
    created_at = models.DateTimeField(_("录入时间"))

    class Meta:
        verbose_name = _("“双基”信用评定")
        verbose_name_plural = _("“双基”信用评定")
        ordering = ["-assessed_on", "-id"]
        # The table kept its name when the model moved here from the ledger: no data
        # moved, and its append-only triggers (ledger migration 0002) stay in place.
        db_table = "ledger_creditassessment"
        constraints = [
            models.UniqueConstraint(
                # With the district, for a database distributed by it (docs/scaling.md).
                fields=["household", "period", "district"],
                condition=models.Q(supersedes__isnull=True),
                name="credit_one_original_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.period} {self.total}"
