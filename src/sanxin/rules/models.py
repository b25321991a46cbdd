from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanxin.rules.scheme import Scheme
from sanxin.rules.scheme_reader import scheme_from_dict


class SchemeVersion(models.Model):
    """One published version of a scoring scheme, stored as its full document
    (`rules.scheme` reads it). A district publishes versions; a village adopts one
    and may add its own items, which makes a village version based on it. Once any
    entry or grade uses a version (`in_use_since` set) its document is frozen: the
    database refuses to change it (see the migration's trigger)."""

    district = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("发布区")
    )
    village = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("村（村级版本）"),
    )
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="village_versions",
        verbose_name=_("所依据的区级版本"),
    )
    code = models.CharField(_("方案代码"), max_length=40)
    version = models.CharField(_("版本"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    effective_from = models.DateField(_("生效日期"))
    document = models.JSONField(_("方案内容"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    in_use_since = models.DateTimeField(_("启用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评分方案版本")
        verbose_name_plural = _("评分方案版本")
        ordering = ["district_id", "village_id", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "code", "version"],
                condition=models.Q(village__isnull=True),
                name="scheme_unique_district_version",
            ),
            models.UniqueConstraint(
                fields=["village", "code", "version"],
                condition=models.Q(village__isnull=False),
                name="scheme_unique_village_version",
            ),
        ]

    def __str__(self) -> str:
        owner = self.village.name if self.village is not None else self.district.name
        return f"{owner} {self.name} {self.version}"

    @property
    def scheme(self) -> Scheme:
        cached = getattr(self, "_scheme", None)
        if cached is None:
            cached = self._scheme = scheme_from_dict(self.document)
        return cached
