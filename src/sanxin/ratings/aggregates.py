"""The aggregates the engine grades from (`sanxin.rules.aggregates`), read set-based
for a chunk of households: the database sums and counts the approved entries, and
only the entries the reasons name come one by one.

Per chunk (at most `facts.CHUNK_SIZE` households, one scheme version, one cut-off):

1. members, credit, veto events (as `facts.facts_for_households`);
2. **one GROUP BY** over the approved entries up to the cut-off that are neither a
   reversal nor reversed: count and sum per household, item, person, year of
   occurrence, sign of the points and "inside the validity window" (a CASE over the
   scheme's distinct validity periods);
3. the exceptions, only where a group needs them (`split_groups`): the entries of
   groups over an annual cap, expired, of unknown items or of a non-member's vanguard
   points — restricted to the households and item codes concerned;
4. the reversed entries with the reversal that cancels them (a reversal and its entry
   are left out of the sums by NOT EXISTS);
5. the entries of veto items still within their veto period (if the scheme has any).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from sanxin.ledger.models import Entry, Review
from sanxin.ratings.facts import credit_of, members_of, vetoes_of
from sanxin.rules import engine
from sanxin.rules.aggregates import (
    Group,
    HouseholdAggregates,
    key_of,
    split_groups,
    veto_window_start,
    window_start,
)
from sanxin.rules.scheme import Scheme

CENT = Decimal("0.01")
ENTRY_FIELDS = (
    "household_id",
    "pk",
    "item_code",
    "occurred_on",
    "points",
    "quantity",
    "person_id",
    "tier",
)


class Year(Func):
    """The calendar year of a date column, natively on each database (Django's
    ExtractYear calls a Python function per row on SQLite)."""

    template = "CAST(EXTRACT(YEAR FROM %(expressions)s) AS integer)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        return self.as_sql(
            compiler, connection, template="CAST(substr(%(expressions)s, 1, 4) AS integer)", **extra
        )


def _approved(ids: list[int], as_of: date, district_id: int | None) -> QuerySet[Entry]:
    """The households' approved entries up to `as_of`. With `district_id` (the
    households' district), entries and reviews are also filtered by it, so that a
    database distributed by district answers from one node (docs/scaling.md).

    The review is read by a correlated scalar subquery, i.e. one probe of its unique
    index per entry of the chunk, never a join the planner may turn round: with a
    million households PostgreSQL's sampled estimate of entries per household is
    several times too high, and a join then hashes every review of the table for each
    chunk (docs/benchmarks.md, "A prefecture on PostgreSQL")."""
    reviews = Review.objects.filter(entry_id=OuterRef("pk"))
    found = Entry.objects.filter(household_id__in=ids, occurred_on__lte=as_of)
    if district_id is not None:
        reviews = reviews.filter(district_id=district_id)
        found = found.filter(district_id=district_id)
    return (
        found.alias(approved=Subquery(reviews.values("approved"), output_field=BooleanField()))
        .filter(approved=True)
        .order_by()
    )


def counted_entries(ids: list[int], as_of: date, district_id: int | None = None) -> QuerySet[Entry]:
    """The approved entries of the households up to `as_of` that are neither a reversal
    nor reversed by an approved reversal up to `as_of`. (A reversal is always of its own
    household's entry: `ledger.services.entry_reverse` copies the household.)"""
    return (
        _approved(ids, as_of, district_id)
        .filter(reversal_of__isnull=True)
        .exclude(pk__in=_reversed_ids(ids, as_of, district_id))
    )


def _reversals(ids: list[int], as_of: date, district_id: int | None) -> QuerySet[Entry]:
    return _approved(ids, as_of, district_id).filter(reversal_of__isnull=False)


def _reversed_ids(ids: list[int], as_of: date, district_id: int | None) -> QuerySet[Entry]:
    """The ids the households' approved reversals up to `as_of` cancel: a subquery
    evaluated once per statement (not correlated: SQLite's planner, with statistics
    where `reversal_of` is nearly always NULL, would scan per entry)."""
    return _reversals(ids, as_of, district_id).values("reversal_of_id")


def _live(scheme: Scheme, as_of: date) -> Case:
    by_days: dict[int, list[str]] = defaultdict(list)
    for item in scheme.items:
        if item.validity_days is not None:
            by_days[item.validity_days].append(item.code)
    whens = [
        When(item_code__in=codes, occurred_on__lt=window_start(days, as_of), then=Value(False))
        for days, codes in sorted(by_days.items())
    ]
    return Case(*whens, default=Value(True), output_field=BooleanField())


def _cents(total: Decimal | float) -> Decimal:
    """A sum of `Entry.points` as the entries' own Decimals would add up (two places:
    SQLite hands SUM back without trailing zeros)."""
    return Decimal(str(total)).quantize(CENT)


def _entry(row: tuple) -> engine.Entry:
    _household, pk, code, on, points, qty, person_id, tier = row
    return engine.Entry(
        id=pk,
        item_code=code,
        occurred_on=on,
        points=Decimal(points),
        quantity=qty,
        person_id=person_id,
        tier=tier,
    )


def aggregates_for_households(
    household_ids: list[int], as_of: date, scheme: Scheme, *, district_id: int | None = None
) -> dict[int, HouseholdAggregates]:
    """{household id: HouseholdAggregates} for households graded under `scheme` as of
    `as_of`, in at most eight queries whatever their number (module docstring).
    `district_id`: the households' district, named in every query of the tables that
    carry it (docs/scaling.md); without it the household ids alone select the rows."""
    ids = list(household_ids)
    if not ids:
        return {}
    members = members_of(ids)
    credit = credit_of(ids, as_of, district_id=district_id)
    vetoes = vetoes_of(ids, as_of)
    plain = counted_entries(ids, as_of, district_id)

    fields = ("household_id", "item_code", "person_id", "year", "sign", "live")
    sums = (
        plain.annotate(
            year=Year("occurred_on"),
            sign=Case(
                When(points__gt=0, then=Value(1)),
                When(points__lt=0, then=Value(-1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            live=_live(scheme, as_of),
        )
        .values(*fields)
        .annotate(n=Count("pk"), total=Sum("points"))
        .values_list(*fields, "n", "total")
    )
    groups: dict[int, list[Group]] = defaultdict(list)
    for household_id, code, person_id, year, sign, live, n, total in sums:
        groups[household_id].append(
            Group(code, person_id, int(year), int(sign), bool(live), n, _cents(total))
        )

    buckets: dict[int, list[Group]] = {}
    wanted: dict[int, set] = {}
    for pk in ids:
        buckets[pk], keys = split_groups(scheme, members.get(pk, ()), groups.get(pk, ()), as_of)
        if keys:
            wanted[pk] = keys
    exceptions: dict[int, list[engine.Entry]] = defaultdict(list)
    if wanted:
        codes = {k[0] for keys in wanted.values() for k in keys}
        # Built afresh for these households (not `plain` narrowed by a second IN list:
        # PostgreSQL costs two arrays on one indexed column as their product and falls
        # back to a scan of the table).
        rows = (
            counted_entries(list(wanted), as_of, district_id)
            .filter(item_code__in=codes)
            .values_list(*ENTRY_FIELDS)
        )
        for row in rows:
            e = _entry(row)
            if key_of(scheme, e, as_of) in wanted[row[0]]:
                exceptions[row[0]].append(e)

    reversed_by: dict[int, dict[int, int]] = defaultdict(dict)
    reversal_rows = (
        _reversals(ids, as_of, district_id)
        .order_by("household_id", "occurred_on", "pk")
        .values_list("household_id", "pk", "reversal_of_id")
    )
    for household_id, pk, target in reversal_rows:
        reversed_by[household_id][target] = pk  # the latest one, as the engine keeps it
    if reversed_by:
        some = list(reversed_by)
        rows = (
            _approved(some, as_of, district_id)
            .filter(reversal_of__isnull=True, pk__in=_reversed_ids(some, as_of, district_id))
            .values_list(*ENTRY_FIELDS)
        )
        for row in rows:
            exceptions[row[0]].append(_entry(row))

    veto_entries: dict[int, list[engine.Entry]] = defaultdict(list)
    veto_codes = [i.code for i in scheme.items if i.veto is not None]
    if veto_codes:
        rows = plain.filter(
            item_code__in=veto_codes, occurred_on__gte=veto_window_start(scheme, as_of)
        ).values_list(*ENTRY_FIELDS)
        for row in rows:
            veto_entries[row[0]].append(_entry(row))

    return {
        pk: HouseholdAggregates(
            members=tuple(members.get(pk, ())),
            buckets=tuple(buckets[pk]),
            exceptions=tuple(exceptions.get(pk, ())),
            reversed_by={
                e.id: reversed_by[pk][e.id]
                for e in exceptions.get(pk, ())
                if e.id in reversed_by.get(pk, {})
            },
            veto_entries=tuple(veto_entries.get(pk, ())),
            credit=credit.get(pk),
            vetoes=vetoes.get(pk, ()),
        )
        for pk in ids
    }
