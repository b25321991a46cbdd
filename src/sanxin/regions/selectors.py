from __future__ import annotations

from django.db.models import Q, QuerySet

from sanxin.regions.choices import Level
from sanxin.regions.models import Region


def village_lookup(name_or_code: str) -> QuerySet[Region]:
    """Villages whose name or 12-digit code is exactly this."""
    return Region.objects.filter(Q(name=name_or_code) | Q(code=name_or_code), level=Level.VILLAGE)
