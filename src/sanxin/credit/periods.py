"""The period of a 双基 assessment: a year, not in the future."""

from __future__ import annotations

import re
from datetime import date

from django.utils import timezone

_PERIOD_RE = re.compile(r"^(19|20)\d{2}$")


def current_period(today: date | None = None) -> str:
    """The default period: the current year."""
    return str((today or timezone.localdate()).year)


def period_error(period: str, today: date | None = None) -> str | None:
    """A Chinese reason when `period` is not a usable period (a year, not in the future)."""
    if not _PERIOD_RE.fullmatch(period or ""):
        return "评定期应为四位年份，如“2025”"
    if int(period) > (today or timezone.localdate()).year:
        return "评定期不能在今年之后"
    return None
