from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sanxin.regions.choices import Level


class Region(models.Model):
    """One node of district → town → village → villager group.

    `path` is the chain of ancestor ids ("/1/4/17/"), so "everything under X" is one
    indexed prefix match whatever the level.
    """

    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("名称"), max_length=60)
    # 镇 / 乡 / 街道, 村 / 社区: the suffix users see; kept apart from the level.
    kind = models.CharField(_("类型"), max_length=10, blank=True)
    code = models.CharField(
        _("区划代码"), max_length=12, blank=True, help_text=_("12 位统计用区划代码")
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent"),
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="region_unique_code"
            ),
            models.CheckConstraint(
                condition=models.Q(level="district", parent__isnull=True)
                | (~models.Q(level="district") & models.Q(parent__isnull=False)),
                name="region_only_districts_are_roots",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: Region) -> bool:
        return self.path.startswith(other.path)

    @staticmethod
    def ids_in_path(path: str) -> list[int]:
        """The region ids of a materialised path ("/1/4/17/" → [1, 4, 17]), from the
        district down: the one place that parses a path."""
        return [int(part) for part in path.strip("/").split("/") if part]

    @staticmethod
    def district_id_in_path(path: str) -> int:
        """The id of the district a materialised path lies in (its first id)."""
        return Region.ids_in_path(path)[0]

    @property
    def ancestor_ids(self) -> list[int]:
        """This region's chain of ids, from its district down to itself."""
        return Region.ids_in_path(self.path)
