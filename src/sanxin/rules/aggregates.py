"""Grading from aggregates: the database sums the entries, the engine grades the sums.

The per-entry engine (`engine.grade_household`) stays the reference. This path gives
the same scores, grades and reasons from far less: for each household,

* **groups** — the approved entries that are neither a reversal nor reversed and
  happened by `as_of`, summed and counted per item, person, calendar year of
  occurrence, sign of the points and "inside the validity window" (`Group`; what one
  SQL `GROUP BY` returns, see `sanxin.ratings.aggregates`);
* **exceptions** — individually, only the entries the reasons name: reversed, of an
  item not in the scheme, after `as_of`, expired, vanguard points of a person who is
  not a party member of the household, and every entry of an (item, year, person)
  whose annual cap is exceeded (their order decides which ones are cut);
* **veto entries** — the entries of veto items that may cap the grade.

`split_groups` decides, from the groups alone, which groups count in full (`buckets`)
and which must come as exceptions; `aggregate_facts` builds the aggregates from a
household's facts in Python (what the SQL computes: the property tests compare both
paths on any household); `grade_from_aggregates` grades them.

The result's `contributions` list only the exceptions (the entries the reasons name);
the per-entry explanation of every entry is the household pages' (per-entry engine).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, localcontext

from sanxin.rules import engine
from sanxin.rules.engine import (
    CreditAssessment,
    Entry,
    EntryId,
    GradeResult,
    HouseholdFacts,
    Member,
    PersonId,
    VetoFact,
)
from sanxin.rules.scheme import PARTY_TIERS, Item, Scheme

_ZERO = Decimal(0)

# (item code, person id, year of occurrence, sign, inside the validity window)
GroupKey = tuple[str, PersonId | None, int, int, bool]


@dataclass(frozen=True)
class Group:
    """The sum and count of a household's entries of one item, person, year and sign,
    inside or outside the item's validity window (for items valid a number of days)."""

    item_code: str
    person_id: PersonId | None
    year: int
    sign: int  # 1, 0 or -1: the sign of every entry's points
    live: bool  # False: past the window of an item valid `validity_days` days
    count: int
    points: Decimal

    @property
    def key(self) -> GroupKey:
        return (self.item_code, self.person_id, self.year, self.sign, self.live)


@dataclass(frozen=True)
class HouseholdAggregates:
    members: tuple[Member, ...] = ()
    buckets: tuple[Group, ...] = ()  # counted in full
    exceptions: tuple[Entry, ...] = ()  # graded entry by entry (never a reversal)
    reversed_by: Mapping[EntryId, EntryId] = field(default_factory=dict)
    veto_entries: tuple[Entry, ...] = ()
    credit: CreditAssessment | None = None
    vetoes: tuple[VetoFact, ...] = ()


def sign_of(points: Decimal) -> int:
    return 1 if points > 0 else -1 if points < 0 else 0


def live(item: Item | None, occurred_on: date, as_of: date) -> bool:
    """Inside the window of an item valid `validity_days` days (True for any other
    entry: a window to the end of the year is decided by the year)."""
    if item is None or item.validity_days is None:
        return True
    return occurred_on >= window_start(item.validity_days, as_of)


def window_start(validity_days: int, as_of: date) -> date:
    """The earliest occurrence still valid on `as_of` for an item valid that many days."""
    return as_of - timedelta(days=validity_days - 1)


def veto_window_start(scheme: Scheme, as_of: date) -> date:
    """The earliest occurrence of a veto item whose veto period may still run on `as_of`."""
    days = max((i.veto.days for i in scheme.items if i.veto is not None), default=1)
    return as_of - timedelta(days=days - 1)


def key_of(scheme: Scheme, e: Entry, as_of: date) -> GroupKey:
    item = scheme.find_item(e.item_code)
    return (
        e.item_code,
        e.person_id,
        e.occurred_on.year,
        sign_of(e.points),
        live(item, e.occurred_on, as_of),
    )


def split_groups(
    scheme: Scheme, members: Iterable[Member], groups: Iterable[Group], as_of: date
) -> tuple[list[Group], set[GroupKey]]:
    """(groups counted in full, keys of the groups whose entries must come one by one).

    A group comes one by one when the engine would name its entries in the reasons:
    unknown item, expired, vanguard points of a non-member, or part of an (item, year,
    person) whose entries exceed the item's annual cap."""
    party = {m.person_id for m in members if m.tier in PARTY_TIERS}
    candidates: dict[tuple[str, int, PersonId | None], list[Group]] = {}
    exceptional: set[GroupKey] = set()
    for g in groups:
        item = scheme.find_item(g.item_code)
        expired = not g.live or (item is not None and g.year < as_of.year and not _days(item))
        if item is None or expired or (item.component == "vanguard" and g.person_id not in party):
            exceptional.add(g.key)
            continue
        who = g.person_id if item.applies_to == "person" else None
        candidates.setdefault((g.item_code, g.year, who), []).append(g)
    buckets: list[Group] = []
    for (code, _year, _who), gs in candidates.items():
        item = scheme.item(code)
        if item.annual_cap is not None:
            spent = sum((abs(g.points) for g in gs if (g.sign > 0) == (item.points > 0)), _ZERO)
            if spent > item.annual_cap:
                exceptional.update(g.key for g in gs)
                continue
        buckets.extend(gs)
    return buckets, exceptional


def _days(item: Item) -> bool:
    return item.validity_days is not None


def aggregate_facts(scheme: Scheme, facts: HouseholdFacts, as_of: date) -> HouseholdAggregates:
    """The aggregates of a household's facts, in Python: what
    `sanxin.ratings.aggregates.aggregates_for_households` reads with SQL."""
    entries = sorted(facts.entries, key=engine._entry_key)
    reversed_by = {e.reversal_of: e.id for e in entries if e.reversal_of is not None}
    plain = [e for e in entries if e.reversal_of is None]
    exceptions = [e for e in plain if e.id in reversed_by or e.occurred_on > as_of]
    rest = [e for e in plain if e.id not in reversed_by and e.occurred_on <= as_of]
    sums: dict[GroupKey, tuple[int, Decimal]] = {}
    for e in rest:
        k = key_of(scheme, e, as_of)
        n, total = sums.get(k, (0, _ZERO))
        sums[k] = (n + 1, total + e.points)
    groups = [Group(k[0], k[1], k[2], k[3], k[4], n, total) for k, (n, total) in sums.items()]
    buckets, exceptional = split_groups(scheme, facts.members, groups, as_of)
    exceptions += [e for e in rest if key_of(scheme, e, as_of) in exceptional]
    veto_codes = {i.code for i in scheme.items if i.veto is not None}
    return HouseholdAggregates(
        members=facts.members,
        buckets=tuple(buckets),
        exceptions=tuple(exceptions),
        reversed_by={e.id: reversed_by[e.id] for e in exceptions if e.id in reversed_by},
        veto_entries=tuple(
            e
            for e in rest
            if e.item_code in veto_codes and e.occurred_on >= veto_window_start(scheme, as_of)
        ),
        credit=facts.credit,
        vetoes=facts.vetoes,
    )


def grade_from_aggregates(scheme: Scheme, agg: HouseholdAggregates, as_of: date) -> GradeResult:
    """The same result as `engine.grade_household` on the household's facts (scores,
    grades, vetoes, reasons); `contributions` only for the exceptions."""
    engine._check_facts(
        scheme,
        HouseholdFacts(agg.members, agg.exceptions, agg.credit, agg.vetoes),
        as_of,
    )
    with localcontext(engine._CONTEXT):
        tally = engine._Tally()
        for g in agg.buckets:
            tally.add(scheme.item(g.item_code).component, g.person_id, g.points)
        entries = sorted(agg.exceptions, key=engine._entry_key)
        party = engine.party_members(agg.members)
        engine._tally_entries(scheme, entries, set(), agg.reversed_by, as_of, party, tally)
        return engine.graded(
            scheme,
            members=agg.members,
            credit=agg.credit,
            vetoes=agg.vetoes,
            as_of=as_of,
            tally=tally,
            veto_entries=agg.veto_entries,
            contributions=tuple(tally.contributions[e.id] for e in entries),
        )


__all__ = [
    "Group",
    "HouseholdAggregates",
    "aggregate_facts",
    "grade_from_aggregates",
    "key_of",
    "live",
    "sign_of",
    "veto_window_start",
    "split_groups",
    "window_start",
]
