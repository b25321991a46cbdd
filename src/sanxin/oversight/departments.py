"""Department views (部门视图): the reads behind what each district department guides,
read-only and district-wide (docs/departments.md).

- 区委组织部 (organisation): party members' vanguard points per village, the party
  members with their household's grade and their vanguard total, and the grades of
  the party members' households;
- 区委政法委 and 区民政局 (political_legal, civil_affairs): the governance items (the
  scheme's conduct items) with how often each was recorded and approved, vetoes
  (running, ended, revoked) and appeals (filed, upheld, days to answer), per village;
- 信用联社 (credit_union): credit lines and loans (lending's totals) and whether the
  grade predicts repayment (lending's validation), district-wide;
- 区行政审批局 (approval): the district's scheme versions, the items of the version in
  force and the villages' own items.

Every figure is an SQL aggregate grouped by village (or item, or rule), so each
function runs a fixed number of queries whatever the number of villages, households
or entries. Households and people appear as the viewer's field rules allow
(accounts/scope.py FIELDS): a department viewer sees the 户号, the masked name, the
grade and the points, never a household's financial detail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from sanxin.accounts.choices import Department, Role
from sanxin.accounts.scope import Perm, Scope
from sanxin.households.choices import HouseholdStatus, PoliticalStatus
from sanxin.households.models import Household, Person
from sanxin.ledger.models import Entry, VetoEvent
from sanxin.ledger.tiers import CADRE_POSTS
from sanxin.lending.report_selectors import (
    Period,
    WorthReport,
    cycle_order,
    report_roots,
    validation_loans,
    worth_report,
)
from sanxin.lending.validation import ValidationReport, validation_report
from sanxin.ratings.models import Appeal, GradeRecord
from sanxin.ratings.standing import period_order
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules import selectors as rules_selectors
from sanxin.rules.choices import GRADE_LABELS, RATED_GRADES, Grade
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import COMPONENT_LABELS, VETO_KIND_LABELS, Item

ZERO = Decimal("0.00")
PARTY = (PoliticalStatus.PARTY_MEMBER.value, PoliticalStatus.PROBATIONARY.value)
# The scheme's conduct items that the political-legal committee and civil affairs
# guide: the base component's items (村规民约) except the honour items, which reward
# distinctions (表彰, 参军, 升学) rather than conduct.
GOVERNANCE_COMPONENT = "base"
NOT_GOVERNANCE_CATEGORIES = frozenset({"honour"})
# Grades as the distribution shows them, best first; "unrated" for none or run out.
GRADE_COLUMNS = (*reversed(RATED_GRADES), Grade.UNRATED.value)

# What each department lands on: the page template's part (`kind`). Civil affairs and
# the political-legal committee share the governance page.
KIND = {
    Department.ORGANISATION: "organisation",
    Department.POLITICAL_LEGAL: "governance",
    Department.CIVIL_AFFAIRS: "governance",
    Department.CREDIT_UNION: "credit",
    Department.APPROVAL: "approval",
}


# --- who sees which department, over which district ---------------------------------


def departments_of(scope: Scope) -> list[str]:
    """The departments whose pages the user may open, in the order of Department: a
    district admin every one (the switcher), a department viewer its own."""
    if not scope.has(Perm.DEPARTMENT_VIEWS):
        return []
    if scope.has_role(Role.DISTRICT_ADMIN):
        return list(Department.values)
    return [d for d in Department.values if d in scope.departments]


def districts_of(scope: Scope) -> list[Region]:
    """The districts of the user's department-views grants (district level), by path."""
    ids = [
        g.region_id
        for g in scope.grants_for(Perm.DEPARTMENT_VIEWS)
        if g.region_level == Level.DISTRICT and g.region_id is not None
    ]
    return list(Region.objects.filter(pk__in=ids, level=Level.DISTRICT).order_by("path"))


def towns_of(district: Region) -> list[Region]:
    return list(
        Region.objects.filter(level=Level.TOWN, path__startswith=district.path).order_by("path")
    )


def villages_of(district: Region, town: Region | None = None) -> list[Region]:
    under = town.path if town is not None else district.path
    return list(
        Region.objects.filter(level=Level.VILLAGE, path__startswith=under)
        .select_related("parent")
        .order_by("path")
    )


def year_moments(year: int) -> tuple[datetime, datetime]:
    """[1 January 00:00, the next 1 January 00:00) of `year` in the project's time zone."""
    tz = timezone.get_default_timezone()
    return (
        datetime.combine(date(year, 1, 1), time.min, tzinfo=tz),
        datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=tz),
    )


@dataclass
class VillageRow:
    """One village's figures (`values`), and the village."""

    village: Region
    values: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


def _by_village(
    villages: list[Region], querysets: Iterable[QuerySet], keys: Iterable[str]
) -> tuple[list[VillageRow], dict[str, Any]]:
    """Rows of the villages with the aggregates each queryset (values grouped by
    `village_id`) gives them, and the sums of `keys` over all of them."""
    keys = tuple(keys)
    rows = {v.pk: VillageRow(v, dict.fromkeys(keys, 0)) for v in villages}
    for queryset in querysets:
        for found in queryset:
            row = rows.get(found.pop("village_id"))
            if row is not None:
                row.values.update({k: v for k, v in found.items() if v is not None})
    total: dict[str, Any] = dict.fromkeys(keys, 0)
    for row in rows.values():
        for key in total:
            total[key] += row.values.get(key, 0)
    return list(rows.values()), total


# --- 组织部: party members and their vanguard points ---------------------------------


def _party_members(under: str) -> QuerySet[Person]:
    return Person.objects.filter(
        active=True,
        political_status__in=PARTY,
        household__status=HouseholdStatus.ACTIVE,
        household__village__path__startswith=under,
    )


def _vanguard_entries(under: str, year: int) -> QuerySet[Entry]:
    return Entry.objects.filter(
        component="vanguard",
        household__village__path__startswith=under,
        occurred_on__year=year,
    )


VANGUARD_KEYS = ("members", "cadres", "recorded", "approved", "points")


def vanguard_by_village(
    district: Region, year: int, town: Region | None = None
) -> tuple[list[VillageRow], dict[str, Any]]:
    """Per village: its party members (and party cadres among them), the vanguard
    entries recorded for the year (reversals aside) and approved, and the approved
    vanguard points of the year (reversals counted, before any annual cap). Three
    queries."""
    villages = villages_of(district, town)
    under = town.path if town is not None else district.path
    members = (
        _party_members(under)
        .values(village_id=F("household__village_id"))
        .annotate(
            members=Count("id"),
            cadres=Count("id", filter=Q(cadre_post__in=[str(p) for p in CADRE_POSTS])),
        )
        .order_by()
    )
    entries = (
        _vanguard_entries(under, year)
        .values(village_id=F("household__village_id"))
        .annotate(
            recorded=Count("id", filter=Q(reversal_of__isnull=True)),
            approved=Count("id", filter=Q(reversal_of__isnull=True, review__approved=True)),
            points=Sum("points", filter=Q(review__approved=True)),
        )
        .order_by()
    )
    return _by_village(villages, [members, entries], VANGUARD_KEYS)


def _grade_subqueries(household_ref: str) -> dict[str, Subquery]:
    """The grade in force and its validity of the household `household_ref` names, the
    rule of ratings.standing.with_grade_in_force (latest period, effective date, id)."""
    records = (
        GradeRecord.objects.filter(household=OuterRef(household_ref))
        .annotate(period_key=period_order())
        .order_by("-period_key", "-effective_from", "-pk")
    )
    return {
        "grade_now": Subquery(records.values("grade")[:1]),
        "grade_until": Subquery(records.values("valid_until")[:1]),
    }


def _grade_shown(today: date) -> Case:
    """The grade to show: the grade in force, or 未评定 when there is none or it has
    run out (as the household list shows it)."""
    return Case(
        When(grade_now__isnull=True, then=Value(Grade.UNRATED.value)),
        When(grade_until__lt=today, then=Value(Grade.UNRATED.value)),
        default=F("grade_now"),
        output_field=CharField(),
    )


def party_members(
    district: Region,
    year: int,
    today: date,
    *,
    town: Region | None = None,
    village: Region | None = None,
) -> QuerySet[Person]:
    """The party members of the district (or of a town or village), each annotated
    with `vanguard` (their approved vanguard points of the year), `grade` (their
    household's grade in force today) and ordered by village and 户号. One query per
    page (the grade and points are subqueries)."""
    under = (village or town or district).path
    points = (
        Entry.objects.filter(
            person=OuterRef("pk"),
            component="vanguard",
            review__approved=True,
            occurred_on__year=year,
        )
        .order_by()
        .values("person")
        .annotate(total=Sum("points"))
        .values("total")
    )
    return (
        _party_members(under)
        .select_related("household__village__parent", "household__villager_group")
        .annotate(
            vanguard=Coalesce(
                Subquery(points, output_field=DecimalField(max_digits=12, decimal_places=2)),
                Value(ZERO),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            ),
            **_grade_subqueries("household_id"),
        )
        .annotate(grade=_grade_shown(today))
        .order_by("household__village__path", "household__number", "-is_head", "id")
    )


def party_grades_by_village(
    district: Region, today: date, town: Region | None = None
) -> tuple[list[VillageRow], dict[str, Any]]:
    """Per village: how many of the households with a party member hold each grade
    today (GRADE_COLUMNS; 未评定 for none or run out). Two queries."""
    villages = villages_of(district, town)
    under = town.path if town is not None else district.path
    households = (
        Household.objects.filter(
            pk__in=_party_members(under).values("household_id"),
        )
        .annotate(**_grade_subqueries("pk"))
        .annotate(shown=_grade_shown(today))
        .values("village_id", "shown")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = {v.pk: VillageRow(v, dict.fromkeys(GRADE_COLUMNS, 0)) for v in villages}
    for found in households:
        row = rows.get(found["village_id"])
        if row is not None:
            row.values[found["shown"]] = found["n"]
    total = dict.fromkeys(GRADE_COLUMNS, 0)
    for row in rows.values():
        row.values["households"] = sum(row.values[g] for g in GRADE_COLUMNS)
        for g in GRADE_COLUMNS:
            total[g] += row.values[g]
    total["households"] = sum(total[g] for g in GRADE_COLUMNS)
    return list(rows.values()), total


def grade_headers() -> list[tuple[str, str]]:
    return [(g, str(GRADE_LABELS[g])) for g in GRADE_COLUMNS]


# --- 政法委, 民政局: governance items, vetoes, appeals -----------------------------------


@dataclass(frozen=True)
class GovernanceItem:
    code: str
    name: str
    category: str
    points: Decimal
    own: bool  # a village's own item


def governance_items(district: Region) -> dict[str, GovernanceItem]:
    """The conduct items of every scheme version of the district (its own and its
    villages'), by code: the base component's items outside the honour categories.
    Where versions differ, the newest version's wording wins. One query."""
    found: dict[str, GovernanceItem] = {}
    versions = SchemeVersion.objects.filter(district=district).order_by("effective_from", "id")
    for version in versions:
        scheme = version.scheme
        categories = {c.code: c.name for c in scheme.categories}
        for item in scheme.items:
            if _is_governance(item):
                found[item.code] = GovernanceItem(
                    code=item.code,
                    name=item.name,
                    category=categories.get(item.category, item.category),
                    points=item.points,
                    own=item.own,
                )
    return found


def _is_governance(item: Item) -> bool:
    return item.component == GOVERNANCE_COMPONENT and item.category not in NOT_GOVERNANCE_CATEGORIES


def _governance_entries(under: str, year: int, codes: Iterable[str]) -> QuerySet[Entry]:
    """The year's entries of governance items under `under`, reversals aside."""
    return Entry.objects.filter(
        household__village__path__startswith=under,
        occurred_on__year=year,
        component=GOVERNANCE_COMPONENT,
        item_code__in=list(codes),
        reversal_of__isnull=True,
    )


@dataclass
class ItemRow:
    item: GovernanceItem
    recorded: int = 0
    approved: int = 0
    villages: int = 0  # villages where it was recorded


def governance_by_item(
    district: Region, year: int, items: dict[str, GovernanceItem], under: str
) -> list[ItemRow]:
    """Each governance item with how often it was recorded and approved in the year
    under `under` (the district, a town or a village), most recorded first. One query."""
    counts = {
        r["item_code"]: r
        for r in _governance_entries(under, year, items)
        .values("item_code")
        .annotate(
            recorded=Count("id"),
            approved=Count("id", filter=Q(review__approved=True)),
            villages=Count("household__village", distinct=True),
        )
        .order_by()
    }
    rows = [
        ItemRow(
            item,
            recorded=counts.get(code, {}).get("recorded", 0),
            approved=counts.get(code, {}).get("approved", 0),
            villages=counts.get(code, {}).get("villages", 0),
        )
        for code, item in items.items()
    ]
    rows.sort(key=lambda r: (-r.recorded, r.item.category, r.item.code))
    return rows


GOVERNANCE_KEYS = ("recorded", "approved", "deductions", "households")


def governance_by_village(
    district: Region, year: int, items: dict[str, GovernanceItem], town: Region | None = None
) -> tuple[list[VillageRow], dict[str, Any]]:
    """Per village: governance entries recorded and approved in the year, how many of
    them were deductions, and the households concerned. Two queries."""
    villages = villages_of(district, town)
    under = town.path if town is not None else district.path
    entries = (
        _governance_entries(under, year, items)
        .values(village_id=F("household__village_id"))
        .annotate(
            recorded=Count("id"),
            approved=Count("id", filter=Q(review__approved=True)),
            deductions=Count("id", filter=Q(points__lt=0)),
            households=Count("household", distinct=True),
        )
        .order_by()
    )
    return _by_village(villages, [entries], GOVERNANCE_KEYS)


def governance_item_village_counts(
    district: Region, year: int, items: dict[str, GovernanceItem], town: Region | None = None
) -> list[tuple[Region, GovernanceItem, int, int]]:
    """(village, item, recorded, approved) for every pair with an entry in the year:
    the long table the export gives. Two queries."""
    villages = {v.pk: v for v in villages_of(district, town)}
    under = town.path if town is not None else district.path
    rows = (
        _governance_entries(under, year, items)
        .values("household__village_id", "item_code")
        .annotate(recorded=Count("id"), approved=Count("id", filter=Q(review__approved=True)))
        .order_by("household__village__path", "item_code")
    )
    return [
        (villages[r["household__village_id"]], items[r["item_code"]], r["recorded"], r["approved"])
        for r in rows
        if r["household__village_id"] in villages
    ]


def _veto_conditions(today: date, start: datetime, end: datetime) -> dict[str, Any]:
    """The veto decisions (not the rows that revoke them), counted as: running today,
    ended by their date, revoked, and decided within [start, end)."""
    decided = Q(revokes__isnull=True)
    not_revoked = Q(revoked_by__isnull=True)
    return {
        "running": Count(
            "id",
            filter=decided
            & not_revoked
            & Q(starts_on__lte=today)
            & (Q(ends_on__isnull=True) | Q(ends_on__gte=today)),
        ),
        "ended": Count("id", filter=decided & not_revoked & Q(ends_on__lt=today)),
        "revoked": Count("id", filter=decided & Q(revoked_by__isnull=False)),
        "decided_in_year": Count(
            "id", filter=decided & Q(recorded_at__gte=start, recorded_at__lt=end)
        ),
    }


VETO_KEYS = ("running", "ended", "revoked", "decided_in_year")


def vetoes_by_village(
    district: Region, year: int, today: date, town: Region | None = None
) -> tuple[list[VillageRow], dict[str, Any]]:
    """Per village: veto and direct-grading decisions running today, ended, revoked,
    and decided in the year. Two queries."""
    villages = villages_of(district, town)
    under = town.path if town is not None else district.path
    start, end = year_moments(year)
    events = (
        VetoEvent.objects.filter(household__village__path__startswith=under)
        .values(village_id=F("household__village_id"))
        .annotate(**_veto_conditions(today, start, end))
        .order_by()
    )
    return _by_village(villages, [events], VETO_KEYS)


@dataclass
class RuleRow:
    name: str
    kind: str
    running: int
    ended: int
    revoked: int
    decided_in_year: int

    @property
    def kind_label(self) -> str:
        return VETO_KIND_LABELS.get(self.kind, self.kind)


def vetoes_by_rule(
    district: Region, year: int, today: date, town: Region | None = None
) -> list[RuleRow]:
    """The same counts per veto rule (事由), most running first. One query."""
    under = town.path if town is not None else district.path
    start, end = year_moments(year)
    rows = (
        VetoEvent.objects.filter(household__village__path__startswith=under, revokes__isnull=True)
        .values("rule_code", "kind")
        .annotate(name=Max("name"), **_veto_conditions(today, start, end))
        .order_by()
    )
    out = [
        RuleRow(
            name=r["name"],
            kind=r["kind"],
            running=r["running"],
            ended=r["ended"],
            revoked=r["revoked"],
            decided_in_year=r["decided_in_year"],
        )
        for r in rows
    ]
    out.sort(key=lambda r: (-r.running, -r.decided_in_year, r.name))
    return out


APPEAL_KEYS = ("filed", "decided", "upheld", "pending")


def _days(value: timedelta | None) -> Decimal | None:
    """A duration in days to one decimal place (ROUND_HALF_UP)."""
    if value is None:
        return None
    seconds = Decimal(value.days * 86400 + value.seconds) + Decimal(value.microseconds) / 10**6
    return (seconds / 86400).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def appeals_by_village(
    district: Region, year: int, town: Region | None = None
) -> tuple[list[VillageRow], dict[str, Any]]:
    """Per village: appeals filed in the year, answered, upheld, still open, and the
    average and longest time from filing to the answer (in days, one decimal). The
    district's average is taken over all its answered appeals, not over villages.
    Three queries."""
    villages = villages_of(district, town)
    under = town.path if town is not None else district.path
    start, end = year_moments(year)
    appeals = Appeal.objects.filter(
        household__village__path__startswith=under, filed_at__gte=start, filed_at__lt=end
    )
    wait = ExpressionWrapper(
        F("decision__decided_at") - F("filed_at"), output_field=DurationField()
    )
    figures = {
        "filed": Count("id"),
        "decided": Count("decision"),
        "upheld": Count("id", filter=Q(decision__upheld=True)),
        "pending": Count("id", filter=Q(decision__isnull=True)),
        "avg_wait": Avg(wait),
        "max_wait": Max(wait),
    }
    per_village = appeals.values(village_id=F("household__village_id")).annotate(**figures)
    rows, total = _by_village(villages, [per_village.order_by()], APPEAL_KEYS)
    for row in rows:
        row.values["avg_days"] = _days(row.values.pop("avg_wait", None))
        row.values["max_days"] = _days(row.values.pop("max_wait", None))
    overall = appeals.aggregate(avg_wait=Avg(wait), max_wait=Max(wait))
    total["avg_days"] = _days(overall["avg_wait"])
    total["max_days"] = _days(overall["max_wait"])
    return rows, total


# --- 信用联社: credit lines, loans, repayment validation ---------------------------------


@dataclass
class CreditSummary:
    worth: WorthReport
    validation: ValidationReport


def credit_summary(scope: Scope, district: Region, today: date) -> CreditSummary:
    """The district's credit lines and loans of the twelve months to `today` per town
    (lending's worth report, over the user's Perm.LENDING_TOTALS), and the repayment
    validation by grade over every loan of the district disbursed by today (the user
    must hold Perm.LENDING_TOTALS over the district)."""
    if not scope.covers_region(district, Perm.LENDING_TOTALS):
        raise PermissionDenied("无权查看本区的用信汇总")
    worth = worth_report(
        report_roots(scope, Perm.LENDING_TOTALS),
        district,
        Period.year_to(today),
        perm=Perm.LENDING_TOTALS,
    )
    # District-wide by rule: the department views are opened over the district, whose
    # holders (district admin, department viewers) hold Perm.LENDING_TOTALS there; an
    # outcome names no loan, only its grade, cycle and worst days past due.
    outcomes = validation_loans([district], today, perm=Perm.LENDING_TOTALS)
    report = validation_report(outcomes, cycle_order=cycle_order(outcomes))
    return CreditSummary(worth=worth, validation=report)


# --- 行政审批局: scheme versions, items, villages' own items -------------------------------


@dataclass
class SchemeOverview:
    in_force: SchemeVersion | None
    versions: list[SchemeVersion]  # the district's, newest first, with village_versions
    items: list[dict[str, Any]]  # the items of the version in force
    categories: list[dict[str, Any]]  # per category: name, items, additions, deductions


def scheme_overview(district: Region, today: date) -> SchemeOverview:
    """The district's scheme versions (each with its villages' versions), the version
    in force today and its items by category. Three queries."""
    versions = list(rules_selectors.district_versions_with_villages(district.pk))
    in_force = rules_selectors.district_version_in_force(district.pk, today)
    items: list[dict[str, Any]] = []
    categories: list[dict[str, Any]] = []
    if in_force is not None:
        scheme = in_force.scheme
        names = {c.code: c.name for c in scheme.categories}
        per_category: dict[str, dict[str, Any]] = {}
        for c in scheme.categories:
            per_category[c.code] = {"name": c.name, "items": 0, "additions": 0, "deductions": 0}
        for item in scheme.items:
            items.append(_item_dict(item, names))
            cat = per_category.setdefault(
                item.category,
                {"name": item.category, "items": 0, "additions": 0, "deductions": 0},
            )
            cat["items"] += 1
            cat["deductions" if item.points < 0 else "additions"] += 1
        categories = [c for c in per_category.values() if c["items"]]
    return SchemeOverview(in_force=in_force, versions=versions, items=items, categories=categories)


def _item_dict(item: Item, categories: dict[str, str]) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "category": categories.get(item.category, item.category),
        "component": COMPONENT_LABELS.get(item.component, item.component),
        "points": item.points,
        "annual_cap": item.annual_cap,
        "veto": bool(item.veto),
    }


@dataclass
class VillageItems:
    village: Region
    version: SchemeVersion
    current: bool  # based on the district's version in force today
    items: list[dict[str, Any]]


def village_own_items(district: Region, today: date) -> list[VillageItems]:
    """Each village's latest adopted version in effect by today and its own items (村级
    自设项), by village; whether it is based on the district's version in force (when
    it is not, the district's version applies there). Two queries."""
    in_force = rules_selectors.district_version_in_force(district.pk, today)
    latest: dict[int, SchemeVersion] = {}
    for version in (
        SchemeVersion.objects.filter(
            district=district, village__isnull=False, effective_from__lte=today
        )
        .select_related("village__parent")
        .order_by("village__path", "-effective_from", "-id")
    ):
        latest.setdefault(cast(int, version.village_id), version)
    out = []
    for version in latest.values():
        scheme = version.scheme
        names = {c.code: c.name for c in scheme.categories}
        own = [_item_dict(i, names) for i in scheme.items if i.own]
        out.append(
            VillageItems(
                village=cast(Region, version.village),
                version=version,
                current=in_force is not None and version.based_on_id == in_force.pk,
                items=own,
            )
        )
    return out
