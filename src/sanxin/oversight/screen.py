"""What the big screen (大屏) shows: the district dashboard's headline figures and
charts (`oversight/figures.py`) as JSON-ready data, re-read by the page every
`REFRESH_SECONDS`.

The screen covers the district of the user's `Perm.BIG_SCREEN` grant over this year to
today (the dashboard's default period). It shows totals only, never a household; the
lending figures only to a reader holding `Perm.LENDING_TOTALS` (the display account
does not)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, Scope
from sanxin.lending.report_selectors import Totals
from sanxin.oversight.figures import Figures, Period, dashboard
from sanxin.oversight.report import (
    Figure,
    display,
    extras,
    headline,
    lending_shown,
    points,
    row_name,
)
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.choices import GRADE_LABELS, RATED_GRADES

REFRESH_SECONDS = 60
TEN_THOUSAND = Decimal(10_000)


def screen_region(scope: Scope) -> Region | None:
    """The district the screen shows: the first one in reach with Perm.BIG_SCREEN."""
    return scope.regions(Perm.BIG_SCREEN).filter(level=Level.DISTRICT).order_by("path").first()


def _number(value: int | Decimal | None) -> int | str | None:
    """JSON for a figure: integers as numbers, Decimals as exact text, None as null."""
    return format(value, "f") if isinstance(value, Decimal) else value


def _chart(
    key: str, title: str, kind: str, categories: list[str], series: list, axes: int = 1
) -> dict:
    """A chart for screen.js: pie, bar, stack (stacked bars) or line; `axes` 2 puts the
    second series on its own value axis (a count beside an amount)."""
    return {
        "id": key,
        "title": title,
        "kind": kind,
        "axes": axes,
        "categories": categories,
        "series": series,
    }


def _series(name: str, values) -> dict:
    return {"name": name, "data": [_number(v) for v in values]}


def screen_data(scope: Scope, region: Region, now: datetime | None = None) -> dict[str, Any]:
    """The screen's figures and charts for `region`. A fixed number of queries."""
    now = now or timezone.now()
    period = Period.current(timezone.localdate(now))
    with_lending = lending_shown(scope, region)
    board = dashboard(region, period, with_lending=with_lending)
    _by_row, total_extra = extras(board)
    total = board.total
    rows = board.rows
    names = [row_name(board, r) for r in rows]
    grades = [g for g in RATED_GRADES if total.grades.get(g)] or list(RATED_GRADES)
    charts = [
        _chart(
            "grades",
            _("在用信用等级分布（户）"),
            "pie",
            [GRADE_LABELS[g] for g in grades],
            [_series(_("农户"), [total.grades.get(g, 0) for g in grades])],
        ),
        _chart(
            "grades_by_town",
            _("各镇在用信用等级（户）"),
            "stack",
            names,
            [
                _series(GRADE_LABELS[g], [r.figures.grades.get(g, 0) for r in rows])
                for g in RATED_GRADES
            ],
        ),
        _chart(
            "entries_by_month",
            _("每月积分记录（条）"),
            "line",
            [f"{m.month:%Y-%m}" for m in board.months],
            [
                _series(_("记录"), [m.recorded for m in board.months]),
                _series(_("通过"), [m.approved for m in board.months]),
                _series(_("退回"), [m.rejected for m in board.months]),
            ],
        ),
        _chart(
            "rewards_by_town",
            _("各镇积分兑换"),
            "bar",
            names,
            [
                _series(_("兑换次数"), [r.figures.redemptions for r in rows]),
                _series(_("兑换积分"), [points(r.figures.redemption_points) for r in rows]),
            ],
            axes=2,
        ),
        _chart(
            "engagement_by_town",
            _("各镇荣誉与后备人选"),
            "bar",
            names,
            [
                _series(_("荣誉（个）"), [r.figures.honours for r in rows]),
                _series(_("列入后备（人）"), [r.figures.candidates_listed for r in rows]),
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
                    _series(_("放款笔数"), [_loans(r.figures).loans for r in rows]),
                    _series(_("放款金额（元）"), [_loans(r.figures).loans_amount for r in rows]),
                ],
                axes=2,
            )
        )
    return {
        "region": region.name,
        "title": _("%(region)s“三信”工作大屏") % {"region": region.name},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "updated": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        "refresh": REFRESH_SECONDS,
        "headline": [_figure(f) for f in headline(total, total_extra, with_lending=with_lending)],
        "charts": charts,
    }


def _figure(f: Figure) -> dict[str, Any]:
    """A headline figure for the screen: the exact value, and the text shown — yuan
    from 10,000 up in 万元 (to the 百元), so a large amount still fits its box."""
    text, unit = display(f.value), f.unit
    if unit == _("元") and isinstance(f.value, Decimal) and f.value >= TEN_THOUSAND:
        text = display((f.value / TEN_THOUSAND).quantize(Decimal("0.01"), ROUND_HALF_UP))
        unit = _("万元")
    return {"label": f.label, "value": _number(f.value), "text": text, "unit": unit}


def _loans(figures: Figures) -> Totals:
    return figures.lending or Totals()
