"""Department views (部门视图): each district department's page, read-only and
district-wide (the reads are oversight/departments.py). A department viewer opens its
own department's pages (another department's: 403); a district admin opens every
department's page through the switcher. Every table has its Excel export under the
page's filters (year, town, village)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from sanxin.accounts import rates
from sanxin.accounts.choices import Department
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Field, Perm
from sanxin.lib.export import XLSX_TYPE, table_xlsx
from sanxin.oversight import departments as selectors
from sanxin.oversight.department_services import party_members_exported
from sanxin.ratings.notice import mask_name
from sanxin.regions.models import Region
from sanxin.rules.choices import GRADE_LABELS

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000
YEARS_BACK = 5


class DepartmentFilterForm(forms.Form):
    """The page's filters: the year, a town, a village of the district. A value that
    is not one of the choices is refused and the defaults apply."""

    year = forms.TypedChoiceField(label=gettext_lazy("年度"), required=False, coerce=int)
    town = forms.TypedChoiceField(
        label=gettext_lazy("镇"), required=False, coerce=int, empty_value=None
    )
    village = forms.TypedChoiceField(
        label=gettext_lazy("村"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data, *, today: date, towns: list[Region], villages: list[Region]):
        super().__init__(data)
        everything = ("", gettext_lazy("全部"))
        self.fields["year"].choices = [
            (y, str(y)) for y in range(today.year, today.year - YEARS_BACK - 1, -1)
        ]
        self.fields["town"].choices = [everything, *((t.pk, t.name) for t in towns)]
        self.fields["village"].choices = [
            everything,
            *((v.pk, f"{v.parent.name if v.parent else ''} {v.name}") for v in villages),
        ]


@dataclass
class Filters:
    district: Region
    districts: list[Region]
    year: int
    today: date
    town: Region | None
    village: Region | None
    form: DepartmentFilterForm

    @property
    def under(self) -> str:
        return (self.village or self.town or self.district).path

    def query(self, **extra: Any) -> str:
        values: dict[str, Any] = {"year": self.year}
        if len(self.districts) > 1:
            values["district"] = self.district.pk
        if self.town is not None:
            values["town"] = self.town.pk
        if self.village is not None:
            values["village"] = self.village.pk
        values.update(extra)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _department(request, dept: str) -> str:
    """The department named in the URL, if the user may open its pages (404 for no
    such department, 403 for another department's pages)."""
    if dept not in Department.values:
        raise Http404
    if dept not in selectors.departments_of(request.scope):
        raise PermissionDenied
    return dept


def _filters(request) -> Filters:
    districts = selectors.districts_of(request.scope)
    if not districts:
        raise PermissionDenied
    wanted = request.GET.get("district", "")
    district = next((d for d in districts if str(d.pk) == wanted), districts[0])
    today = timezone.localdate()
    towns = selectors.towns_of(district)
    villages = selectors.villages_of(district)
    form = DepartmentFilterForm(request.GET or None, today=today, towns=towns, villages=villages)
    year, town, village = today.year, None, None
    if form.is_bound and form.is_valid():
        cd = form.cleaned_data
        year = cd["year"] or today.year
        town = next((t for t in towns if t.pk == cd["town"]), None)
        village = next((v for v in villages if v.pk == cd["village"]), None)
        if village is not None and town is not None and village.parent_id != town.pk:
            village = None
    return Filters(district, districts, year, today, town, village, form)


def _switcher(request, dept: str, filters: Filters) -> list[dict[str, Any]]:
    return [
        {"code": d, "label": Department(d).label, "current": d == dept}
        for d in selectors.departments_of(request.scope)
    ]


# --- the pages -------------------------------------------------------------------------


@require_GET
@requires(Perm.DEPARTMENT_VIEWS)
def departments(request):
    """The user's department page: a viewer's own department, a district admin's first."""
    allowed = selectors.departments_of(request.scope)
    if not allowed:
        raise PermissionDenied
    return redirect("oversight:department", allowed[0])


def _organisation(request, f: Filters) -> dict[str, Any]:
    vanguard, vanguard_total = selectors.vanguard_by_village(f.district, f.year, f.town)
    grades, grades_total = selectors.party_grades_by_village(f.district, f.today, f.town)
    columns = selectors.GRADE_COLUMNS
    return {
        "vanguard": vanguard,
        "vanguard_total": vanguard_total,
        "grades": [(r, [r[g] for g in columns]) for r in grades],
        "grades_total": grades_total,
        "grades_total_cells": [grades_total[g] for g in columns],
        "grade_headers": selectors.grade_headers(),
    }


def _governance(request, f: Filters) -> dict[str, Any]:
    items = selectors.governance_items(f.district)
    by_village, by_village_total = selectors.governance_by_village(
        f.district, f.year, items, f.town
    )
    vetoes, vetoes_total = selectors.vetoes_by_village(f.district, f.year, f.today, f.town)
    appeals, appeals_total = selectors.appeals_by_village(f.district, f.year, f.town)
    return {
        "items": selectors.governance_by_item(f.district, f.year, items, f.under),
        "by_village": by_village,
        "by_village_total": by_village_total,
        "vetoes": vetoes,
        "vetoes_total": vetoes_total,
        "veto_rules": selectors.vetoes_by_rule(f.district, f.year, f.today, f.town),
        "appeals": appeals,
        "appeals_total": appeals_total,
    }


def _credit(request, f: Filters) -> dict[str, Any]:
    summary = selectors.credit_summary(request.scope, f.district, f.today)
    return {
        "worth": summary.worth,
        "validation": summary.validation,
        "by_grade": [(GRADE_LABELS[r.key], r) for r in summary.validation.by_grade],
        "can_validate": request.scope.has(Perm.LENDING_MANAGE),
    }


def _approval(request, f: Filters) -> dict[str, Any]:
    overview = selectors.scheme_overview(f.district, f.today)
    return {"overview": overview, "villages": selectors.village_own_items(f.district, f.today)}


PARTS = {
    "organisation": _organisation,
    "governance": _governance,
    "credit": _credit,
    "approval": _approval,
}


@require_GET
@requires(Perm.DEPARTMENT_VIEWS)
def department(request, dept: str):
    dept = _department(request, dept)
    f = _filters(request)
    kind = selectors.KIND[Department(dept)]
    context = {
        "dept": dept,
        "dept_label": Department(dept).label,
        "kind": kind,
        "f": f,
        "query": f.query(),
        "switcher": _switcher(request, dept, f),
    }
    context.update(PARTS[kind](request, f))
    return render(request, f"oversight/departments/{kind}.html", context)


def _member_rows(scope, people) -> list[dict[str, Any]]:
    """Each party member as the user is shown them (FIELDS): the name in full only to a
    role shown the household's members, masked otherwise; the post only to a role
    shown political status."""
    rows = []
    for p in people:
        shown = scope.fields(p.household)
        rows.append(
            {
                "person": p,
                "name": p.name if Field.MEMBERS in shown else mask_name(p.name),
                "post": p.get_cadre_post_display() if Field.POLITICAL in shown else "",
                "grade": GRADE_LABELS.get(p.grade, p.grade),
                "sees_points": Field.POINTS in shown,
            }
        )
    return rows


@require_GET
@requires(Perm.DEPARTMENT_VIEWS)
def members(request):
    dept = _department(request, Department.ORGANISATION)
    f = _filters(request)
    people = selectors.party_members(f.district, f.year, f.today, town=f.town, village=f.village)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/departments/members.html",
        {
            "dept": dept,
            "dept_label": Department(dept).label,
            "f": f,
            "query": f.query(),
            "page": page,
            "rows": _member_rows(request.scope, page),
            "switcher": _switcher(request, dept, f),
        },
    )


# --- exports -----------------------------------------------------------------------------


def _village_cells(row) -> list[Any]:
    v = row.village
    return [v.parent.name if v.parent else "", v.name]


def _export_vanguard(request, f: Filters):
    rows, total = selectors.vanguard_by_village(f.district, f.year, f.town)
    headers = [
        _("镇"),
        _("村"),
        _("党员"),
        _("其中党员干部"),
        _("先锋积分记录"),
        _("已通过"),
        _("已通过积分"),
    ]
    keys = selectors.VANGUARD_KEYS
    body = [[*_village_cells(r), *(r[k] for k in keys)] for r in rows]
    body.append([_("合计"), "", *(total[k] for k in keys)])
    return _("党员先锋积分（%(y)s年）") % {"y": f.year}, headers, body


def _export_grades(request, f: Filters):
    rows, total = selectors.party_grades_by_village(f.district, f.today, f.town)
    grades = selectors.grade_headers()
    headers = [_("镇"), _("村"), _("有党员的户"), *(label for _g, label in grades)]
    body = [[*_village_cells(r), r["households"], *(r[g] for g, _l in grades)] for r in rows]
    body.append([_("合计"), "", total["households"], *(total[g] for g, _l in grades)])
    return _("党员户信用等级"), headers, body


def _export_members(request, f: Filters):
    people = selectors.party_members(f.district, f.year, f.today, town=f.town, village=f.village)
    rows = _member_rows(request.scope, people[:EXPORT_LIMIT])
    headers = [_("镇"), _("村"), _("户号"), _("姓名"), _("职务"), _("户在用等级"), _("先锋积分")]
    body = [
        [
            r["person"].household.village.parent.name,
            r["person"].household.village.name,
            r["person"].household.number,
            r["name"],
            r["post"],
            r["grade"],
            r["person"].vanguard if r["sees_points"] else "",
        ]
        for r in rows
    ]
    party_members_exported(
        actor=request.user,
        district=f.district,
        rows=len(body),
        filters={k: v for k, v in request.GET.items() if v},
    )
    return _("党员名单（%(y)s年先锋积分）") % {"y": f.year}, headers, body


def _export_items(request, f: Filters):
    items = selectors.governance_items(f.district)
    headers = [_("镇"), _("村"), _("类别"), _("积分项"), _("分值"), _("记录次数"), _("通过次数")]
    body = [
        [v.parent.name if v.parent else "", v.name, i.category, i.name, i.points, rec, ok]
        for v, i, rec, ok in selectors.governance_item_village_counts(
            f.district, f.year, items, f.town
        )
    ]
    return _("村规民约积分项（%(y)s年，各村）") % {"y": f.year}, headers, body


def _export_governance(request, f: Filters):
    items = selectors.governance_items(f.district)
    rows, total = selectors.governance_by_village(f.district, f.year, items, f.town)
    keys = selectors.GOVERNANCE_KEYS
    headers = [_("镇"), _("村"), _("记录次数"), _("通过次数"), _("其中扣分"), _("涉及户数")]
    body = [[*_village_cells(r), *(r[k] for k in keys)] for r in rows]
    body.append([_("合计"), "", *(total[k] for k in keys)])
    return _("各村治理积分（%(y)s年）") % {"y": f.year}, headers, body


def _export_vetoes(request, f: Filters):
    rows, total = selectors.vetoes_by_village(f.district, f.year, f.today, f.town)
    keys = selectors.VETO_KEYS
    headers = [_("镇"), _("村"), _("生效中"), _("已到期"), _("已撤销"), _("本年认定")]
    body = [[*_village_cells(r), *(r[k] for k in keys)] for r in rows]
    body.append([_("合计"), "", *(total[k] for k in keys)])
    return _("一票否决（各村）"), headers, body


def _export_veto_rules(request, f: Filters):
    rows = selectors.vetoes_by_rule(f.district, f.year, f.today, f.town)
    headers = [_("事由"), _("类型"), _("生效中"), _("已到期"), _("已撤销"), _("本年认定")]
    body = [[r.name, r.kind_label, r.running, r.ended, r.revoked, r.decided_in_year] for r in rows]
    return _("一票否决（按事由）"), headers, body


def _export_appeals(request, f: Filters):
    rows, total = selectors.appeals_by_village(f.district, f.year, f.town)
    keys = (*selectors.APPEAL_KEYS, "avg_days", "max_days")
    headers = [
        _("镇"),
        _("村"),
        _("提出"),
        _("已答复"),
        _("成立"),
        _("待答复"),
        _("平均答复天数"),
        _("最长答复天数"),
    ]
    body = [[*_village_cells(r), *(r.values.get(k) for k in keys)] for r in rows]
    body.append([_("合计"), "", *(total.get(k) for k in keys)])
    return _("异议（%(y)s年）") % {"y": f.year}, headers, body


def _export_lending(request, f: Filters):
    worth = selectors.credit_summary(request.scope, f.district, f.today).worth
    headers = [
        _("地区"),
        _("授信户数"),
        _("授信总额（元）"),
        _("用信金额（元）"),
        _("用信率（%）"),
        _("放款笔数"),
        _("放款金额（元）"),
        _("贷款余额（元）"),
        _("节省利息（元）"),
    ]

    def cells(name, t):
        return [
            name,
            t.lines,
            t.lines_amount,
            t.used,
            t.usage_percent,
            t.loans,
            t.loans_amount,
            t.outstanding,
            t.interest_saved,
        ]

    body = [cells(r.region.name, r.totals) for r in worth.rows]
    body.append(cells(_("合计"), worth.total))
    return _("授信用信（近十二个月）"), headers, body


def _export_validation(request, f: Filters):
    report = selectors.credit_summary(request.scope, f.district, f.today).validation
    headers = [
        _("等级"),
        _("贷款笔数"),
        _("逾期30天以上笔数"),
        _("逾期30天以上比例（%）"),
        _("逾期90天以上笔数"),
        _("逾期90天以上比例（%）"),
    ]

    def cells(name, r):
        return [
            name,
            r.loans,
            r.overdue_30.count,
            r.overdue_30.percent(),
            r.overdue_90.count,
            r.overdue_90.percent(),
        ]

    body = [cells(GRADE_LABELS[r.key], r) for r in report.by_grade]
    body.append(cells(_("全部贷款"), report.overall))
    return _("等级与还款验证"), headers, body


def _export_scheme_items(request, f: Filters):
    overview = selectors.scheme_overview(f.district, f.today)
    headers = [
        _("代码"),
        _("类别"),
        _("积分类别"),
        _("积分项"),
        _("分值"),
        _("年度上限"),
        _("否决"),
    ]
    body = [
        [
            i["code"],
            i["category"],
            i["component"],
            i["name"],
            i["points"],
            i["annual_cap"],
            _("是") if i["veto"] else "",
        ]
        for i in overview.items
    ]
    return _("现行评分方案积分项"), headers, body


def _export_versions(request, f: Filters):
    overview = selectors.scheme_overview(f.district, f.today)
    headers = [_("方案"), _("版本"), _("生效日期"), _("启用时间"), _("采用的村")]
    body = [
        [
            v.name,
            v.version,
            v.effective_from,
            timezone.localtime(v.in_use_since) if v.in_use_since else None,
            len(v.village_versions.all()),
        ]
        for v in overview.versions
    ]
    return _("评分方案版本"), headers, body


def _export_village_items(request, f: Filters):
    headers = [
        _("镇"),
        _("村"),
        _("村级版本"),
        _("基于现行区级方案"),
        _("类别"),
        _("积分项"),
        _("分值"),
    ]
    body = []
    for v in selectors.village_own_items(f.district, f.today):
        for i in v.items:
            body.append(
                [
                    v.village.parent.name if v.village.parent else "",
                    v.village.name,
                    v.version.version,
                    _("是") if v.current else _("否"),
                    i["category"],
                    i["name"],
                    i["points"],
                ]
            )
    return _("各村自设积分项"), headers, body


EXPORTS = {
    "organisation": {
        "vanguard": _export_vanguard,
        "grades": _export_grades,
        "members": _export_members,
    },
    "governance": {
        "items": _export_items,
        "villages": _export_governance,
        "vetoes": _export_vetoes,
        "veto_rules": _export_veto_rules,
        "appeals": _export_appeals,
    },
    "credit": {"lending": _export_lending, "validation": _export_validation},
    "approval": {
        "items": _export_scheme_items,
        "versions": _export_versions,
        "village_items": _export_village_items,
    },
}


@require_GET
@requires(Perm.DEPARTMENT_VIEWS)
@rates.limited(rates.EXPORT)
def export(request, dept: str, table: str):
    """One table of the department's page as .xlsx, under the page's filters."""
    dept = _department(request, dept)
    exporter = EXPORTS[selectors.KIND[Department(dept)]].get(table)
    if exporter is None:
        raise Http404
    f = _filters(request)
    title, headers, body = exporter(request, f)
    content = table_xlsx(sheet=title, headers=headers, rows=body)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    name = f"{f.district.name}{Department(dept).label}{title}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
