"""A household's standing: the grade in force (在用等级) and its history.

One rule decides the grade in force: the grade of the household's latest final
cycle — the cycle of the latest *period*, whatever the order cycles were finalised
in — capped by every veto event and veto item running on that day.

A cycle becoming final writes one `GradeRecord` per household (source=cycle),
effective from that day until the next final cycle, at most a year. Between
cycles a serious event — a veto or direct-grading decision, or an approved veto
item — changes the grade at once (动态调整, source=dynamic, citing the latest
period's cycle), with a notification to the household; when the event is revoked
or has run out the grade returns to the cycle's. Records are append-only: the
record in force is the one of the latest period with the latest effective date
(`in_force`), never simply the newest row. A re-run of a past period (opened by a
district admin) adds history lines but never overrides a later period's grade."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import Case, CharField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from sanxin.households.models import Household
from sanxin.ledger.models import Entry, VetoEvent
from sanxin.ratings import periods
from sanxin.ratings.choices import GradeSource
from sanxin.ratings.facts import household_facts
from sanxin.ratings.models import GradeRecord
from sanxin.rules import engine
from sanxin.rules.models import SchemeVersion
from sanxin.rules.selectors import scheme_for_village

BATCH = 2000
# `refresh-grades` rechecks households whose veto ended within this many days (so a
# few days without the daily run lose nothing), besides those with one running.
RECHECK_DAYS = 31


def valid_until(effective_from: date) -> date:
    """A cycle's grade holds until the next cycle is final, and at most one year."""
    try:
        return effective_from.replace(year=effective_from.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return effective_from.replace(year=effective_from.year + 1, day=28)


def in_force_key(record: GradeRecord) -> tuple:
    """Orders a household's records: by the period of their cycle, then by the day
    they took effect, then by when they were written. The greatest is in force."""
    return (periods.order_key(record.cycle.period), record.effective_from, record.pk)


def in_force(records: Iterable[GradeRecord]) -> GradeRecord | None:
    """The record in force among one household's records (their `cycle` loaded). No query."""
    return max(records, key=in_force_key, default=None)


def grade_history(household: Household | int) -> list[GradeRecord]:
    """Every grade record of the household, the one in force first (then older
    periods and earlier changes). One query."""
    household_id = getattr(household, "pk", household)
    records = GradeRecord.objects.filter(household_id=household_id).select_related(
        "cycle", "recorded_by"
    )
    return sorted(records, key=in_force_key, reverse=True)


def grade_in_force(household: Household | int) -> GradeRecord | None:
    """The household's record in force (None before its first final cycle). One query."""
    household_id = getattr(household, "pk", household)
    return in_force(GradeRecord.objects.filter(household_id=household_id).select_related("cycle"))


def grades_in_force(household_ids: Iterable[int] | QuerySet) -> dict[int, GradeRecord]:
    """{household id: record in force} for many households. One query."""
    by_household: dict[int, list[GradeRecord]] = {}
    for record in GradeRecord.objects.filter(household_id__in=household_ids).select_related(
        "cycle"
    ):
        by_household.setdefault(record.household_id, []).append(record)
    return {pk: in_force(records) for pk, records in by_household.items()}


def period_order(field: str = "cycle__period") -> Case:
    """The SQL twin of `periods.order_key` for canonical periods: a text key that
    sorts like it — the year, then 3, 5, 7 for Q1–Q3, 8 for the whole year (it ends
    with Q4 and starts earlier) and 9 for Q4. The period text itself does not sort
    right ("2026" < "2026Q1", but the year ends after its first quarter). Anything
    else sorts first, as order_key puts it at date.min."""
    year = Substr(field, 1, 4)

    def key(rank: str) -> Concat:
        return Concat(year, Value(rank), output_field=CharField())

    return Case(
        When(**{f"{field}__regex": r"^[0-9]{4}$"}, then=key("8")),
        When(**{f"{field}__regex": r"^[0-9]{4}Q1$"}, then=key("3")),
        When(**{f"{field}__regex": r"^[0-9]{4}Q2$"}, then=key("5")),
        When(**{f"{field}__regex": r"^[0-9]{4}Q3$"}, then=key("7")),
        When(**{f"{field}__regex": r"^[0-9]{4}Q4$"}, then=key("9")),
        default=Value(""),
        output_field=CharField(),
    )


def with_grade_in_force(households: QuerySet[Household]) -> QuerySet[Household]:
    """`households` annotated with `grade_in_force` (None before the first final
    cycle) and `grade_valid_until`, in SQL: the record `in_force` would pick — latest
    period, then effective date, then id. No extra query; filter on the annotation."""
    records = (
        GradeRecord.objects.filter(household=OuterRef("pk"))
        .annotate(period_key=period_order())
        .order_by("-period_key", "-effective_from", "-pk")
    )
    return households.annotate(
        grade_in_force=Subquery(records.values("grade")[:1]),
        grade_valid_until=Subquery(records.values("valid_until")[:1]),
    )


def is_expired(record: GradeRecord, today: date | None = None) -> bool:
    return (today or timezone.localdate()) > record.valid_until


def active_caps(household: Household, today: date) -> list[engine.AppliedVeto]:
    """The vetoes (events and approved items) capping the household's grade today."""
    version = scheme_for_village(household.village, today)
    if version is None:
        return []
    result = engine.grade_household(version.scheme, household_facts(household, today), today)
    return list(result.vetoes)


def _veto_item_codes() -> tuple[set[str], int]:
    """The codes of the items that carry a veto in any scheme version, and the
    longest veto period among them (days). One query."""
    codes: set[str] = set()
    longest = 0
    for version in SchemeVersion.objects.all():
        for item in version.scheme.items:
            if item.veto is not None:
                codes.add(item.code)
                longest = max(longest, item.veto.days)
    return codes, longest


def households_with_vetoes(today: date, *, ended_within: int = 0) -> Q:
    """A condition on households: a veto event or an approved veto item running on
    `today`, or ended within the last `ended_within` days. Two queries' worth of
    subqueries, whatever the number of households."""
    since = today - timedelta(days=ended_within)
    events = VetoEvent.objects.filter(starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=since)
    )
    condition = Q(pk__in=events.values("household_id"))
    codes, longest = _veto_item_codes()
    if codes:
        items = Entry.objects.filter(
            item_code__in=codes,
            review__approved=True,
            occurred_on__lte=today,
            occurred_on__gte=since - timedelta(days=longest),
        )
        condition |= Q(pk__in=items.values("household_id"))
    return condition


def households_to_recheck(
    region_path: str = "", today: date | None = None, days: int = RECHECK_DAYS
) -> QuerySet[Household]:
    """The households the daily re-check may change: those with a final grade and a
    veto event or veto item running today or ended within `days`, and those whose
    current period's grade was dynamically adjusted. A fixed number of queries
    whatever the size; events that start or end a veto refresh their household at once."""
    today = today or timezone.localdate()
    dynamic = GradeRecord.objects.filter(source=GradeSource.DYNAMIC, valid_until__gte=today)
    qs = Household.objects.filter(
        households_with_vetoes(today, ended_within=days) | Q(pk__in=dynamic.values("household_id")),
        pk__in=GradeRecord.objects.values("household_id"),
    )
    if region_path:
        qs = qs.filter(villager_group__path__startswith=region_path)
    return qs.select_related("village", "villager_group").order_by("pk")
