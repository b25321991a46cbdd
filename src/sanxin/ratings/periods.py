"""Rating periods: a year by default (`2026`); a district may rate by quarter
(`2026Q1`). Typed periods are normalised (`2026年度` → `2026`, `2026年第一季度`,
`2026-q1` → `2026Q1`); anything else is refused with the expected form."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError

from sanxin.ratings.choices import Cadence

QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR = re.compile(r"^(\d{4})\s*(?:年度|年)?$")
_QUARTER = re.compile(r"^(\d{4})\s*(?:[-_ ]?[Qq]([1-4])|年?第?([一二三四1-4])季度?)$")


def normalise(text: str, cadence: str) -> str:
    """The canonical period for `text` under the cadence, or ValidationError."""
    text = (text or "").strip()
    if cadence == Cadence.QUARTER:
        m = _QUARTER.match(text)
        if not m:
            raise ValidationError(
                {"period": "本区按季度评定，评定期请写成 2026Q1（或 2026年第一季度）"}
            )
        return f"{m.group(1)}Q{QUARTER_WORDS[m.group(2) or m.group(3)]}"
    m = _YEAR.match(text)
    if not m:
        raise ValidationError({"period": "本区按年度评定，评定期请写成 2026（或 2026年度）"})
    return m.group(1)


def label(period: str) -> str:
    """`2026` → 2026 年度, `2026Q1` → 2026 年第一季度 (other text as it is)."""
    if re.fullmatch(r"\d{4}", period or ""):
        return f"{period} 年度"
    m = re.fullmatch(r"(\d{4})Q([1-4])", period or "")
    if m:
        return f"{m.group(1)} 年第{'一二三四'[int(m.group(2)) - 1]}季度"
    return period


def current(cadence: str, today: date) -> str:
    """The period `today` falls in."""
    if cadence == Cadence.QUARTER:
        return f"{today.year}Q{(today.month - 1) // 3 + 1}"
    return str(today.year)


def default_cut_off(period: str) -> date | None:
    """The last day of a quarter; for a year, the 20th of October (the pilot's
    habit: points close in late autumn, the grades are final before winter)."""
    m = re.fullmatch(r"(\d{4})Q([1-4])", period)
    if m:
        year, q = int(m.group(1)), int(m.group(2))
        return date(year, 12, 31) if q == 4 else date(year, 3 * q + 1, 1) - timedelta(days=1)
    if re.fullmatch(r"\d{4}", period):
        return date(int(period), 10, 20)
    return None


def bounds(period: str) -> tuple[date, date]:
    """The first and last day of a period (`2026`, `2026Q1`)."""
    m = re.fullmatch(r"(\d{4})Q([1-4])", period or "")
    if m:
        year, q = int(m.group(1)), int(m.group(2))
        end = date(year, 12, 31) if q == 4 else date(year, 3 * q + 1, 1) - timedelta(days=1)
        return date(year, 3 * q - 2, 1), end
    if re.fullmatch(r"\d{4}", period or ""):
        return date(int(period), 1, 1), date(int(period), 12, 31)
    return date.min, date.min


def order_key(period: str) -> tuple[date, date]:
    """Sorts periods in time: by their last day, then the shorter (a quarter) after
    the longer (its year), so a later period always has a greater key."""
    start, end = bounds(period)
    return end, start


def allowed_to_open(cadence: str, today: date) -> tuple[str, str]:
    """The current period and the next one: the periods a cycle may be opened for."""
    this = current(cadence, today)
    _start, end = bounds(this)
    return this, current(cadence, end + timedelta(days=1))


def is_past(period: str, cadence: str, today: date) -> bool:
    """Whether `period` ended before the current period began."""
    return order_key(period) < order_key(current(cadence, today))


def earlier(cadence: str, today: date, count: int) -> list[str]:
    """The `count` periods before the current one, latest first (for re-running history)."""
    found: list[str] = []
    start, _end = bounds(current(cadence, today))
    for _ in range(count):
        period = current(cadence, start - timedelta(days=1))
        found.append(period)
        start, _end = bounds(period)
    return found
