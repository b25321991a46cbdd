"""What the big screen (大屏) shows: the district's headline figures and its charts as
plain JSON-ready data, re-read by the page every `REFRESH_SECONDS`.

The screen covers the district of the user's `Perm.BIG_SCREEN` grant over the twelve
months to today. It shows totals only, never a household; the lending figures only to
a reader holding `Perm.LENDING_TOTALS` (the display account does not)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, Scope
from sanxin.lending.report_selectors import Period
from sanxin.oversight.report import Pilot, children_of, headline, lending_shown, pilot_figures
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.choices import GRADE_LABELS, GRADES, Grade

REFRESH_SECONDS = 60


def screen_region(scope: Scope) -> Region | None:
    """The district the screen shows: the first one in reach with Perm.BIG_SCREEN."""
    return scope.regions(Perm.BIG_SCREEN).filter(level=Level.DISTRICT).order_by("path").first()


def _number(value: int | Decimal) -> int | str:
    """JSON for a figure: integers as numbers, Decimals as exact text."""
    return value if isinstance(value, int) else format(value, "f")


def _chart(key: str, title: str, kind: str, categories: list[str], series: list) -> dict:
    return {"id": key, "title": title, "kind": kind, "categories": categories, "series": series}


def screen_data(scope: Scope, region: Region, now: datetime | None = None) -> dict[str, Any]:
    """The screen's figures and charts for `region`. A fixed number of queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    period = Period.year_to(today)
    towns = children_of(region)
    figures = pilot_figures(scope, region, period, Perm.BIG_SCREEN)
    total = figures.get(None) or Pilot()
    with_lending = lending_shown(scope, region)

    def per_town(attr: str) -> list:
        return [_number(getattr(figures.get(t.pk) or Pilot(), attr)) for t in towns]

    names = [t.name for t in towns]
    rated = [g for g in GRADES if g != Grade.UNRATED]
    charts = [
        _chart(
            "grades",
            _("信用等级分布（户）"),
            "pie",
            [GRADE_LABELS[g] for g in GRADES],
            [{"name": _("农户"), "data": [total.grades[g] for g in GRADES]}],
        ),
        _chart(
            "grades_by_town",
            _("各镇信用等级（户）"),
            "stack",
            names,
            [
                {
                    "name": GRADE_LABELS[g],
                    "data": [(figures.get(t.pk) or Pilot()).grades[g] for t in towns],
                }
                for g in rated
            ],
        ),
        _chart(
            "rewards_by_town",
            _("各镇积分兑换"),
            "bar",
            names,
            [
                {"name": _("兑换农户（户）"), "data": per_town("redeemed_households")},
                {"name": _("兑换积分（分）"), "data": per_town("redeemed_points")},
            ],
        ),
        _chart(
            "honours_by_town",
            _("各镇后备人选与美丽庭院"),
            "bar",
            names,
            [
                {"name": _("后备人选（人）"), "data": per_town("candidates")},
                {"name": _("美丽庭院（户）"), "data": per_town("courtyards")},
            ],
        ),
    ]
    if with_lending:
        charts.append(
            _chart(
                "loans_by_town",
                _("各镇发放贷款"),
                "bar",
                names,
                [
                    {"name": _("放款笔数（笔）"), "data": per_town("loans")},
                    {"name": _("放款金额（元）"), "data": per_town("loans_amount")},
                ],
            )
        )
    return {
        "region": region.name,
        "title": _("%(region)s“三信”工作大屏") % {"region": region.name},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "updated": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        "refresh": REFRESH_SECONDS,
        "headline": [
            {"label": f.label, "value": _number(f.value), "unit": f.unit}
            for f in headline(total, with_lending=with_lending)
        ],
        "charts": charts,
    }
