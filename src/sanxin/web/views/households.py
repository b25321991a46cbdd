"""The household list: the registry's households in the user's scope with the grade
in force (在用等级, from ratings), searchable and filterable by villager group and
grade, and its export to Excel. It sits in the site layer because it shows two apps
at once; its URLs keep the names `households:list` and `households:export` (the root
URLconf adds them to the households namespace)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Field, Perm, Scope
from sanxin.households import selectors
from sanxin.households.models import Household
from sanxin.households.services import households_exported
from sanxin.lib.export import XLSX_TYPE, table_xlsx
from sanxin.ratings.standing import with_grade_in_force
from sanxin.regions.choices import Level
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
        grade = request.GET.get("grade", "")
        return cls(
            query=request.GET.get("q", "").strip(),
            group_id=request.GET.get("group", ""),
            grade=grade if grade in {g for g, _label in grade_choices()} else "",
        )

    def querystring(self) -> str:
        return urlencode({"q": self.query, "group": self.group_id, "grade": self.grade})


def _households(scope: Scope, filters: Filters) -> QuerySet[Household]:
    """The households the list shows under `filters`, with their grade in force."""
    households = with_grade_in_force(scope.households().select_related("villager_group", "village"))
    if filters.group_id.isdigit():
        households = households.filter(villager_group_id=int(filters.group_id))
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


@require_GET
@requires(Perm.VIEW_REGISTRY)
def household_export(request):
    """What the list shows under the same filters (all pages), as .xlsx, with the
    columns of the field groups the user is shown (text never a formula)."""
    scope = request.scope
    columns = _export_columns(scope)
    households = _households(scope, Filters.from_request(request))

    written = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal written
        for h in households.iterator(chunk_size=2000):
            shown = scope.fields(h)
            written += 1
            yield [value(h) if field in shown else None for _h, field, value, _w in columns]

    content = table_xlsx(
        sheet=_("农户"),
        headers=[c[0] for c in columns],
        rows=rows(),
        widths=[c[3] for c in columns],
    )
    households_exported(
        actor=request.user,
        rows=written,
        filters={k: v for k, v in request.GET.items() if v},
        region_path=min(
            (g.region_path for g in scope.grants_for(Perm.VIEW_REGISTRY) if g.region_path),
            default="",
        ),
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, _("农户名单.xlsx"))
    return response
