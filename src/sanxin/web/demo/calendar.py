"""The demo's calendar: the dates of its year of points and of its finished cycle,
moved by whole years so that, built on `today` (the project's local date), the
demo shows a current year and its finished cycle lies wholly in the past.

Dates are written as in the demo's first year (points from 2024-12 to 2025-10-20,
the cycle finished in 2025-11) and shifted by `Calendar.shift`. Nothing here reads
the clock at import time: `Calendar.on(today)` is built once per demo build.

The year before the demo's (`Calendar.previous`, the same dates a year earlier) is
the pilot village's previous finished cycle: its credit lines carry the loans of the
twelve months to the build day that come before the demo's cut-off, so whatever day
the demo is built its loan book is up to a year old (instalments that fell due and
were paid, one loan 90+ days overdue), while the demo's own year, its cycle and
everything after the final stay where `year_shift` puts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.utils import timezone

# Days from the cut-off to the last of the finished cycle's events: notice from
# cut-off + 7 to + 13, final on + 14, certificates, and a veto on + 18.
CYCLE_DAYS = 21

# The cycle's calendar, in days after the cut-off (Calendar.as_of).
COMPUTED_DAY = 1
REVIEW_DAY = 1
ADJUST_DAY = 2  # adjustments proposed on this day, confirmed the next, before the meeting
MEETING_DAY = 5
NOTICE_DAY = 7  # the notice runs 7 days, NOTICE_DAY to NOTICE_DAY + 6
FINAL_DAY = NOTICE_DAY + 7  # the day after the window
VETO_DAY = FINAL_DAY + 4  # < CYCLE_DAYS: in the past whenever the demo is built
assert VETO_DAY < CYCLE_DAYS
assert REVIEW_DAY < ADJUST_DAY and ADJUST_DAY + 1 < MEETING_DAY < NOTICE_DAY

CREDIT_DAYS = 78  # the credit union's visits: 10 February to 28 April

_DAY_START = time(8, 30)


def year_shift(today: date) -> int:
    """Whole years to move the demo's calendar by, so that its year of points ends
    on the most recent 20 October that is at least CYCLE_DAYS before today: built
    today, the demo shows a current year (bonuses count until the end of the
    calendar year they happen in) and its finished cycle lies wholly in the past."""
    ready = date(today.year, 10, 20) + timedelta(days=CYCLE_DAYS)  # this year's cut-off fits
    return today.year - 2025 if today >= ready else today.year - 2026


def at(day: date, minutes: int) -> datetime:
    """A moment on `day`, `minutes` after 08:30, in the project's time zone."""
    start = datetime.combine(day, _DAY_START, tzinfo=timezone.get_default_timezone())
    return start + timedelta(minutes=minutes)


@dataclass(frozen=True)
class Calendar:
    """The demo's dates for one build."""

    shift: int

    @classmethod
    def on(cls, today: date | None = None) -> Calendar:
        """The calendar of a demo built on `today` (default: the local date now)."""
        return cls(year_shift(today or timezone.localdate()))

    @property
    def previous(self) -> Calendar:
        """The same calendar a year earlier: the previous cycle (its cut-off, notice
        and final a year before the demo's) and the 双基 visits of that year."""
        return Calendar(self.shift - 1)

    def d(self, year: int, month: int, day: int) -> date:
        """A date of the demo's calendar, written as in its first year."""
        return date(year + self.shift, month, day)

    # The year of points ----------------------------------------------------------
    @property
    def as_of(self) -> date:
        """The demo's reference date and its cycle's cut-off (20 October)."""
        return self.d(2025, 10, 20)

    @property
    def ledger_from(self) -> date:
        return self.d(2024, 12, 1)

    @property
    def reference_year(self) -> int:
        """The calendar year of the demo's points (last December is history)."""
        return 2025 + self.shift

    @property
    def credit_period(self) -> str:
        return str(2025 + self.shift)

    @property
    def credit_from(self) -> date:
        return self.d(2025, 2, 10)

    @property
    def disputed_on(self) -> date:
        """The third quarter's 六齐 inspection, whose deduction a villager disputes."""
        return self.d(2025, 9, 26)

    def ledger_end(self) -> datetime:
        """17:30 on the cut-off: nothing in the demo ledger happens later."""
        return at(self.as_of, 9 * 60)

    # Village activities of the year (dates and names invented) --------------------
    @cached_property
    def cleanups(self) -> tuple[tuple[date, str], ...]:
        d = self.d
        return (
            (d(2024, 12, 14), "冬季村庄清洁行动"), (d(2025, 3, 15), "春季村庄清洁行动"), (d(2025, 5, 24), "清理村内沟渠"),
            (d(2025, 8, 9), "清理滦河河道"), (d(2025, 10, 18), "秋季人居环境整治"),
        )  # fmt: skip

    @cached_property
    def volunteering(self) -> tuple[tuple[date, str], ...]:
        d = self.d
        return (
            (d(2024, 12, 21), "走访慰问孤寡老人"), (d(2025, 1, 18), "春节前为困难户打扫房屋"), (d(2025, 4, 4), "清明节森林防火值守"),
            (d(2025, 6, 14), "滦河河道清理"), (d(2025, 7, 26), "汛期巡堤值守"), (d(2025, 9, 20), "帮助留守老人秋收"),
            (d(2025, 10, 11), "秋季森林防火巡查"),
        )  # fmt: skip

    @cached_property
    def inspections(self) -> tuple[date, ...]:
        """六齐, quarterly."""
        d = self.d
        return (d(2024, 12, 27), d(2025, 3, 28), d(2025, 6, 27), d(2025, 9, 26))

    @cached_property
    def model_household(self) -> tuple[tuple[date, str], ...]:
        d = self.d
        return (
            (d(2025, 3, 31), "第一季度"),
            (d(2025, 6, 30), "第二季度"),
            (d(2025, 9, 30), "第三季度"),
        )

    @cached_property
    def meetings(self) -> tuple[tuple[date, str, int], ...]:
        d, y = self.d, 2025 + self.shift
        return (
            (d(2024, 12, 10), f"{y - 1}年12月", 1), (d(2025, 3, 10), f"{y}年第一季度", 3),
            (d(2025, 6, 10), f"{y}年第二季度", 3), (d(2025, 9, 10), f"{y}年第三季度", 3),
            (d(2025, 10, 16), f"{y}年10月", 2),
        )  # fmt: skip

    @cached_property
    def trainings(self) -> tuple[tuple[date, str], ...]:
        d = self.d
        return (
            (d(2025, 5, 16), "移风易俗"),
            (d(2025, 8, 22), "防汛安全"),
            (d(2025, 10, 15), "防范电信诈骗"),
        )

    @cached_property
    def party_meetings(self) -> tuple[date, ...]:
        d = self.d
        return (d(2024, 12, 24), d(2025, 2, 25), d(2025, 5, 27), d(2025, 8, 26), d(2025, 10, 17))

    @cached_property
    def theme_days(self) -> tuple[tuple[date, str], ...]:
        d = self.d
        return (
            (d(2025, 3, 5), "学雷锋志愿服务"), (d(2025, 7, 1), "“七一”重温入党誓词"), (d(2025, 9, 30), "烈士纪念日祭扫"),
            (d(2025, 10, 13), "走访慰问老党员"),
        )  # fmt: skip

    @cached_property
    def party_studies(self) -> tuple[date, ...]:
        d = self.d
        return (d(2025, 1, 14), d(2025, 4, 15), d(2025, 6, 17), d(2025, 10, 14))

    # The rating cycles ---------------------------------------------------------------
    def cycle_day(self, days: int, hour: int = 9, minute: int = 0) -> datetime:
        """A moment `days` after the cut-off, at hour:minute, in the project's time zone."""
        return datetime.combine(
            self.as_of + timedelta(days=days),
            time(hour, minute),
            tzinfo=timezone.get_default_timezone(),
        )

    @property
    def cycle_period(self) -> str:
        return str(self.as_of.year)

    @property
    def next_period(self) -> str:
        return str(self.as_of.year + 1)

    @property
    def next_cut_off(self) -> date:
        return self.as_of.replace(year=self.as_of.year + 1)
