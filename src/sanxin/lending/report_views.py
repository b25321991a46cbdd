"""The lending reports: what the credit reward is worth (/lending/reports/, drill-down
district → town → village, and for the credit officer the households behind a
village) and the validation report for the credit union (/lending/validation/), each
with its Excel export. docs/credit-reports.md explains the figures."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm, Scope
from sanxin.lending.report_forms import PeriodForm
from sanxin.lending.report_selectors import (
    HouseholdRow,
    Totals,
    WorthReport,
    cycle_order,
    household_rows,
    validation_loans_for,
    worth_report_for,
)
from sanxin.lending.report_services import lending_report_exported
from sanxin.lending.validation import MIN_LOANS, Row, ValidationReport, validation_report
from sanxin.lib.export import XLSX_TYPE, table_xlsx
from sanxin.ratings import periods
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.choices import GRADE_LABELS

logger = logging.getLogger(__name__)

REPORT_LEVELS = (Level.DISTRICT, Level.TOWN, Level.VILLAGE)


def _region(scope: Scope, value: Any, perm: Perm) -> Region | None:
    """The region asked for, if it is a district, town or village in reach (else 404)."""
    if value in (None, ""):
        return None
    region = scope.regions(perm).filter(pk=value, level__in=REPORT_LEVELS).first()
    if region is None:
        raise Http404
    return region


def _worth(request) -> tuple[PeriodForm, WorthReport, list[HouseholdRow] | None]:
    form = PeriodForm(request.GET or None, today=timezone.localdate())
    region_id = form.cleaned_data.get("region") if form.is_valid() else None
    root = _region(request.scope, region_id, Perm.LENDING_TOTALS)
    period = form.period()
    report = worth_report_for(request.scope, root, period)
    households = None
    if (
        root is not None
        and root.level == Level.VILLAGE
        and request.scope.covers_region(root, Perm.LENDING_VIEW)
    ):
        households = household_rows(request.scope, root, period)
    return form, report, households


@require_GET
@requires(Perm.LENDING_TOTALS)
def reports(request):
    form, report, households = _worth(request)
    query = {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()}
    return render(
        request,
        "lending/reports.html",
        {
            "form": form,
            "report": report,
            "households": households,
            "query": query,
            "drill": report.root is None or report.root.level != Level.VILLAGE,
            "can_validate": request.scope.has(Perm.LENDING_MANAGE),
        },
    )


_TOTAL_HEADERS = [
    "授信户数",
    "授信总额（元）",
    "用信金额（元）",
    "用信率（%）",
    "放款笔数",
    "放款金额（元）",
    "贷款余额（元）",
    "节省利息（元）",
]


def _total_cells(t: Totals) -> list[Any]:
    return [
        t.lines,
        t.lines_amount,
        t.used,
        t.usage_percent,
        t.loans,
        t.loans_amount,
        t.outstanding,
        t.interest_saved,
    ]


@require_GET
@requires(Perm.LENDING_TOTALS)
@rates.limited(rates.EXPORT)
def reports_export(request):
    """The page's table as .xlsx: the regions' rows and their total, or — for the
    credit officer on a village — its households' rows (an audited bulk read)."""
    form, report, households = _worth(request)
    period = f"{report.period.start.isoformat()} — {report.period.end.isoformat()}"
    if households is not None:
        assert report.root is not None
        headers = [
            _("户号"),
            _("户主"),
            _("授信等级"),
            _("年利率（%）"),
            *_TOTAL_HEADERS,
            _("逾期天数"),
        ]
        rows: list[list[Any]] = [
            [
                h.number,
                h.head_name,
                GRADE_LABELS[h.grade] if h.grade else "",
                h.line_rate,
                *_total_cells(h.totals),
                h.days_past_due,
            ]
            for h in households
        ]
        rows.append([_("合计"), "", "", None, *_total_cells(report.total), None])
        lending_report_exported(
            actor=request.user,
            village=report.root,
            rows=len(households),
            filters={
                "start": report.period.start.isoformat(),
                "end": report.period.end.isoformat(),
            },
        )
    else:
        headers = [_("地区"), *_TOTAL_HEADERS]
        rows = [[r.region.name, *_total_cells(r.totals)] for r in report.rows]
        rows.append([_("合计"), *_total_cells(report.total)])
    rows.append([_("统计期"), period])
    content = table_xlsx(
        sheet=_("用信统计"),
        headers=[str(h) for h in headers],
        rows=rows,
        widths=[14, 12, 10, 14, 14, 10, 10, 14, 14, 14, 12],
    )
    name = report.root.name if report.root is not None else _("辖区")
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, _("%(name)s用信统计.xlsx") % {"name": name}
    )
    return response


# --- the validation report -------------------------------------------------------------


def _validation(request) -> tuple[Region | None, ValidationReport, list[Region]]:
    today = timezone.localdate()
    region_id = request.GET.get("region") or None
    root = _region(request.scope, region_id, Perm.LENDING_MANAGE)
    outcomes = validation_loans_for(request.scope, root, today)
    report = validation_report(outcomes, cycle_order=cycle_order(outcomes))
    choices = list(
        request.scope.regions(Perm.LENDING_MANAGE)
        .filter(level__in=REPORT_LEVELS)
        .order_by("path")
        .only("pk", "name", "level", "path")
    )
    return root, report, choices


@require_GET
@requires(Perm.LENDING_MANAGE)
def validation(request):
    root, report, choices = _validation(request)
    return render(
        request,
        "lending/validation.html",
        {
            "root": root,
            "report": report,
            "by_grade": [(GRADE_LABELS[r.key], r) for r in report.by_grade],
            "by_cycle": [(periods.label(r.key), r) for r in report.by_cycle],
            "choices": choices,
            "min_loans": MIN_LOANS,
            "as_of": timezone.localdate(),
        },
    )


def _validation_cells(row: Row) -> list[Any]:
    d = row.discrimination
    cells: list[Any] = [
        row.loans,
        row.overdue_30.count,
        row.overdue_30.percent(),
        row.overdue_90.count,
        row.overdue_90.percent(),
    ]
    if d is None:
        return [*cells, None, None, ""]
    return [*cells, d.auc_decimal(), d.gini_decimal(), d.reason_label]


@require_GET
@requires(Perm.LENDING_MANAGE)
@rates.limited(rates.EXPORT)
def validation_export(request):
    root, report, _choices = _validation(request)
    headers = [
        _("分组"),
        _("贷款笔数"),
        _("逾期30天以上笔数"),
        _("逾期30天以上比例（%）"),
        _("逾期90天以上笔数"),
        _("逾期90天以上比例（%）"),
        "AUC",
        _("基尼系数"),
        _("说明"),
    ]
    rows: list[Sequence[Any]] = []
    rows += [
        [_("等级 %(g)s") % {"g": GRADE_LABELS[r.key]}, *_validation_cells(r)]
        for r in report.by_grade
    ]
    rows += [[periods.label(r.key), *_validation_cells(r)] for r in report.by_cycle]
    rows.append([_("全部贷款"), *_validation_cells(report.overall)])
    rows.append([_("统计日"), timezone.localdate().isoformat()])
    content = table_xlsx(
        sheet=_("等级与还款"),
        headers=[str(h) for h in headers],
        rows=rows,
        widths=[16, 10, 16, 18, 16, 18, 8, 10, 30],
    )
    name = root.name if root is not None else _("辖区")
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, _("%(name)s等级与还款验证.xlsx") % {"name": name}
    )
    return response
