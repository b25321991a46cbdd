"""The district column of the large tables (docs/scaling.md): every row that grows with
households × time names its district, so that a distributed PostgreSQL (Citus) could
distribute the tables by district and keep each district's rows together."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


def district_field(*, null: bool = False) -> models.ForeignKey:
    """The `district` foreign key to the district's Region: indexed, PROTECT, no reverse
    accessor. `null=True` only where a row may belong to no region (the audit log)."""
    return models.ForeignKey(
        "regions.Region",
        null=null,
        blank=null,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("区"),
    )
