"""The household list: the registry's households in the user's scope with the grade
in force (在用等级, from ratings), searchable and filterable by villager group and
grade, and its export to Excel. It sits in the site layer because it shows two apps
at once; its URLs keep the names `households:list` and `households:export` (the root
URLconf adds them to the households namespace)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Field, Perm, Scope
from sanxin.households import selectors
from sanxin.households.models import Household
from sanxin.households.services import households_exported
from sanxin.jobs.services import job_start
from sanxin.lib.export import XLSX_TYPE, table_xlsx
from sanxin.lib.forms import id_or_none
from sanxin.ratings.standing import with_grade_in_force
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.scheme import GRADE_LABELS, GRADES

PAGE_SIZE = 30
NOT_YET = "none"  # the grade filter's value for households without a final grade yet


def grade_choices() -> list[tuple[str, str]]:
    """The grade filter's options: the grades from the highest down, 未评级, and
    尚未评定 (no final cycle yet)."""
    return [(g, GRADE_LABELS[g]) for g in reversed(GRADES)] + [(NOT_YET, _("尚未评定"))]


@dataclass(frozen=True)
class Filters:
    query: str
    group_id: str
    grade: str

    @classmethod
    def from_request(cls, request) -> Filters:
        return cls.from_data(request.GET)

    @classmethod
    def from_data(cls, data) -> Filters:
        grade = data.get("grade", "")
        return cls(
            query=data.get("q", "").strip(),
            group_id=data.get("group", ""),
            grade=grade if grade in {g for g, _label in grade_choices()} else "",
        )

    def as_params(self) -> dict[str, str]:
        return {"q": self.query, "group": self.group_id, "grade": self.grade}

    def querystring(self) -> str:
        return urlencode({"q": self.query, "group": self.group_id, "grade": self.grade})


def _households(scope: Scope, filters: Filters) -> QuerySet[Household]:
    """The households the list shows under `filters`, with their grade in force."""
    households = with_grade_in_force(scope.households().select_related("villager_group", "village"))
    if (group_id := id_or_none(filters.group_id)) is not None:
        households = households.filter(villager_group_id=group_id)
    if filters.grade == NOT_YET:
        households = households.filter(grade_in_force__isnull=True)
    elif filters.grade:
        households = households.filter(grade_in_force=filters.grade)
    return selectors.household_search(
        households, filters.query, by_id_in=scope.households(Perm.REVEAL_ID)
    ).order_by("village_id", "number", "id")


def _grade_text(household: Household, today) -> str:
    grade = household.grade_in_force  # type: ignore[attr-defined]
    if grade is None:
        return _("尚未评定")
    text = GRADE_LABELS.get(grade, grade)
    if household.grade_valid_until < today:  # type: ignore[attr-defined]
        text = _("%(grade)s（已过有效期）") % {"grade": text}
    return text


@require_GET
@requires(Perm.VIEW_REGISTRY)
def household_list(request):
    scope = request.scope
    filters = Filters.from_request(request)
    groups = scope.regions().filter(level=Level.GROUP).select_related("parent").order_by("path")
    page = Paginator(_households(scope, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        (h, _grade_text(h, today) if scope.sees(Field.GRADE, h) else "") for h in page.object_list
    ]
    return render(
        request,
        "web/household_list.html",
        {
            "page": page,
            "rows": rows,
            "q": filters.query,
            "groups": groups,
            "group_id": filters.group_id,
            "grade": filters.grade,
            "grades": grade_choices(),
            "can_change": scope.has(Perm.CHANGE_REGISTRY),
            "id_search": scope.has(Perm.REVEAL_ID),
            "filters": filters.querystring(),
        },
    )


def _export_columns(scope: Scope) -> list[tuple[str, Field, Any, int]]:
    """(header, field group, value of a household, width) of the columns this user
    may see somewhere; a row leaves a cell empty where its household hides the field.
    Never an identity number."""
    today = timezone.localdate()
    columns: list[tuple[str, Field, Any, int]] = [
        (_("户号"), Field.HOUSEHOLD, lambda h: h.number, 10),
        (_("户主"), Field.HOUSEHOLD, lambda h: h.head_name, 10),
        (_("村"), Field.HOUSEHOLD, lambda h: h.village.name, 12),
        (_("村民小组"), Field.HOUSEHOLD, lambda h: h.villager_group.name, 14),
        (_("人口"), Field.HOUSEHOLD, lambda h: h.member_count, 6),
        (_("住址"), Field.ADDRESS, lambda h: h.address, 30),
        (_("联系电话"), Field.PHONE, lambda h: h.phone, 14),
        (_("在用等级"), Field.GRADE, lambda h: _grade_text(h, today), 16),
    ]
    return [c for c in columns if scope.sees_anywhere(c[1])]


def _export_region_path(scope: Scope) -> str:
    return min(
        (g.region_path for g in scope.grants_for(Perm.VIEW_REGISTRY) if g.region_path),
        default="",
    )


def export_households(
    scope: Scope,
    filters: Filters,
    *,
    actor,
    on_rows: Callable[[int], None] | None = None,
) -> tuple[bytes, int]:
    """The list under `filters` (all pages) as .xlsx with the columns of the field
    groups the user is shown (text never a formula), and its audit row. Returns the
    file and its number of rows; `on_rows(rows written)` every EXPORT_STEP rows."""
    columns = _export_columns(scope)
    households = _households(scope, filters)
    written = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal written
        for h in households.iterator(chunk_size=2000):
            shown = scope.fields(h)
            written += 1
            if on_rows is not None and written % EXPORT_STEP == 0:
                on_rows(written)
            yield [value(h) if field in shown else None for _h, field, value, _w in columns]

    content = table_xlsx(
        sheet=_("农户"),
        headers=[c[0] for c in columns],
        rows=rows(),
        widths=[c[3] for c in columns],
    )
    households_exported(
        actor=actor,
        rows=written,
        filters={k: v for k, v in filters.as_params().items() if v},
        region_path=_export_region_path(scope),
    )
    return content, written


EXPORT_STEP = 500
EXPORT_FILENAME = "农户名单.xlsx"


@require_GET
@requires(Perm.VIEW_REGISTRY)
@rates.limited(rates.EXPORT)
def household_export(request):
    """What the list shows under the same filters (all pages), as .xlsx. A list longer
    than SANXIN_EXPORT_SYNC_ROWS is made by a background job instead: this page then
    offers the button that starts it (web/jobs.py)."""
    scope = request.scope
    filters = Filters.from_request(request)
    count = _households(scope, filters).count()
    if count > settings.SANXIN_EXPORT_SYNC_ROWS:
        return render(
            request,
            "web/household_export_large.html",
            {"count": count, "filters": filters, "limit": settings.SANXIN_EXPORT_SYNC_ROWS},
        )
    content, _rows = export_households(scope, filters, actor=request.user)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, _(EXPORT_FILENAME))
    return response


@require_POST
@requires(Perm.VIEW_REGISTRY)
@rates.limited(rates.EXPORT)
def household_export_job(request):
    """Start the large export as a background job; the browser goes to its page."""
    from sanxin.web import jobs as web_jobs

    filters = Filters.from_data(request.POST)
    path = _export_region_path(request.scope)
    region = Region.objects.filter(path=path).first() if path else None
    if region is None:  # a household's own account: its list is never large
        return redirect(f"{reverse('households:export')}?{filters.querystring()}")
    job = job_start(
        actor=request.user,
        kind=web_jobs.HOUSEHOLD_EXPORT,
        region=region,
        target=web_jobs.export_target(request.user.pk),
        label=_("导出农户名单（Excel）"),
        params=filters.as_params(),
    )
    return redirect("jobs:detail", job.pk)
