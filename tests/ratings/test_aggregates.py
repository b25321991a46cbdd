"""The aggregates read by SQL (`ratings.aggregates.aggregates_for_households`) are
those the Python reference computes from the household's facts, and grading them
gives the per-entry engine's scores, grades, vetoes and reasons — for generated
ledgers (caps, validity windows, repeats, reversals dated before and after the cut-off,
unapproved entries, veto items, party members) and for hand-picked households."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxin.households.models import Person
from sanxin.ledger.models import Entry, Review
from sanxin.ratings.aggregates import aggregates_for_households
from sanxin.ratings.facts import facts_for_households
from sanxin.rules.aggregates import aggregate_facts, grade_from_aggregates
from sanxin.rules.engine import grade_household, points_for_entry

AS_OF = date(2025, 11, 20)
CODES = [
    "affairs.training",  # +1, cap 3 per person
    "public.donation",  # +1 × quantity, cap 40 per household
    "env.tidy",  # +2, cap 12
    "honour.county",  # +15, valid 365 days
    "env.dumping",  # −5, 365 days, repeat ×2
    "law.fighting",  # person-level −10
    "filial.abuse",  # veto item, 730 days
    "credit.overdue",  # credit component
    "party.meeting",  # vanguard +3, cap 12
    "party.miss_meeting",  # vanguard −2
]


class Ledger:
    """Writes entries straight to the tables (approved or not), as the services leave them."""

    def __init__(self, world, version):
        self.world, self.version = world, version
        self.user = world.users["committee_member"]
        self.now = timezone.now()

    def put(self, household, code, on, *, person=None, quantity=1, prior=0, points=None,
            reversal_of=None, approved=True, tier="masses"):  # fmt: skip
        item = self.version.scheme.item(code)
        if points is None:
            points = points_for_entry(self.version.scheme, code, tier, quantity, prior)
        entry = Entry.objects.create(
            household=household,
            district_id=household.district_id,
            person=person if item.applies_to == "person" else None,
            scheme_version=self.version,
            item_code=code,
            item_name=item.name,
            component=item.component,
            quantity=quantity,
            occurred_on=on,
            points=points,
            tier=tier,
            recorded_by=self.user,
            recorded_at=self.now,
            reversal_of=reversal_of,
            reason="记错了" if reversal_of else "",
        )
        Review.objects.create(
            entry=entry,
            district_id=entry.district_id,
            approved=approved,
            reason="" if approved else "证据不足",
            reviewer=self.user,
            reviewed_at=self.now,
        )
        return entry


def check(households, version, as_of=AS_OF):
    """Both paths agree on every household: the SQL aggregates equal the reference's,
    and grading them equals grading every entry."""
    scheme = version.scheme
    ids = [h.pk for h in households]
    facts = facts_for_households(ids, as_of)
    sql = aggregates_for_households(ids, as_of, scheme)
    for pk in ids:
        py = aggregate_facts(scheme, facts[pk], as_of)
        got = sql[pk]
        assert Counter(got.buckets) == Counter(py.buckets)
        assert sorted(got.exceptions, key=lambda e: e.id) == sorted(
            py.exceptions, key=lambda e: e.id
        )
        assert dict(got.reversed_by) == dict(py.reversed_by)
        assert sorted(got.veto_entries, key=lambda e: e.id) == sorted(
            py.veto_entries, key=lambda e: e.id
        )
        assert (got.members, got.credit, got.vetoes) == (py.members, py.credit, py.vetoes)
        full = grade_household(scheme, facts[pk], as_of)
        fast = grade_from_aggregates(scheme, got, as_of)
        assert fast.outcome() == full.outcome()
        assert fast.vetoes == full.vetoes
        assert fast.reasons == full.reasons
    for district_id in {h.district_id for h in households}:
        # Naming the district (docs/scaling.md) reads the same aggregates.
        mine = [h.pk for h in households if h.district_id == district_id]
        named = aggregates_for_households(mine, as_of, scheme, district_id=district_id)
        for pk in mine:
            assert grade_from_aggregates(scheme, named[pk], as_of).to_dict() == (
                grade_from_aggregates(scheme, sql[pk], as_of).to_dict()
            )
    return {pk: grade_household(scheme, facts[pk], as_of) for pk in ids}


rows = st.lists(
    st.tuples(
        st.sampled_from(CODES),
        st.integers(0, 1),  # which member
        st.dates(date(2023, 6, 1), date(2025, 12, 31)),
        st.integers(1, 4),  # quantity
        st.integers(0, 1),  # a repeat within the window
        st.booleans(),  # approved
        st.none()
        | st.integers(-30, 400),  # reversed that many days later (maybe after the cut-off)
    ),
    max_size=16,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=rows, party=st.booleans(), other=rows)
def test_sql_aggregates_grade_as_every_entry(world, scheme, credit_for, rows, party, other):
    ledger = Ledger(world, scheme)
    households = [world.household, world.household_a1_2]
    with transaction.atomic():
        credit_for(world.household)
        if party:
            Person.objects.filter(household=world.household, is_head=True).update(
                political_status="party_member"
            )
        for household, drawn in zip(households, (rows, other), strict=True):
            people = list(Person.objects.filter(household=household).order_by("pk"))
            tier = "party_member" if party and household == world.household else "masses"
            for code, who, on, quantity, prior, approved, reversed_after in drawn:
                item = scheme.scheme.item(code)
                if item.component == "vanguard" and who != 0:
                    # a vanguard entry of someone who is not (or no longer) a party member
                    e = ledger.put(household, code, on, person=people[-1], points=Decimal(3))
                else:
                    person = people[who % len(people)]
                    t = tier if item.component != "vanguard" else "party_member"
                    e = ledger.put(household, code, on, person=person, quantity=quantity,
                                   prior=prior, approved=approved, tier=t)  # fmt: skip
                if reversed_after is not None:
                    ledger.put(household, code, on + timedelta(days=reversed_after),
                               person=e.person, points=-e.points, reversal_of=e)  # fmt: skip
        check(households, scheme)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_hand_picked_households_grade_identically(world, scheme, credit_for):
    w = world
    ledger = Ledger(w, scheme)
    h = w.household
    credit_for(h)
    head = Person.objects.filter(household=h, is_head=True).get()
    # Five trainings of one person (cap 3 a year): the 4th and 5th are cut.
    for day in range(1, 6):
        ledger.put(h, "affairs.training", date(2025, 3, day), person=head)
    # A repeat deduction within its window (×2), one expired, one reversed after it.
    ledger.put(h, "env.dumping", date(2024, 5, 1))
    ledger.put(h, "env.dumping", date(2025, 4, 1), prior=1)
    wrong = ledger.put(h, "env.dumping", date(2025, 6, 1), prior=1)
    ledger.put(h, "env.dumping", date(2025, 9, 1), points=Decimal(10), reversal_of=wrong)
    # A reversal dated after the cut-off does not count yet: the entry still does.
    late = ledger.put(h, "env.untidy", date(2025, 10, 1))
    ledger.put(h, "env.untidy", date(2025, 12, 1), points=Decimal(2), reversal_of=late)
    # Donations over the household cap, with a correction of the opposite sign.
    ledger.put(h, "public.donation", date(2025, 1, 5), quantity=30)
    ledger.put(h, "public.donation", date(2025, 2, 5), quantity=15)
    ledger.put(h, "public.donation", date(2025, 3, 5), points=Decimal(-5))
    # Not approved: left out on both paths.
    ledger.put(h, "public.blood", date(2025, 5, 5), approved=False)
    # A veto item, and an honour still within its 365 days.
    ledger.put(h, "filial.abuse", date(2024, 12, 1), person=head)
    ledger.put(h, "honour.county", date(2024, 11, 21), person=head)
    result = check([h, w.household_a1_2], scheme)[h.pk]
    text = "\n".join(result.reasons)
    assert "此人2025年该项已达上限3分，本条不再计分" in text
    assert "本户2025年该项上限40分，本条只计加10分（超出5分不计）" in text
    assert "已过期" in text and f"已被第{wrong.pk + 1}号记录冲销" in text
    assert "一票否决" in text and result.grade == "A"


@pytest.mark.django_db
def test_reading_aggregates_takes_the_same_queries_for_more_households(
    world, scheme, credit_for, django_assert_max_num_queries
):
    ledger = Ledger(world, scheme)
    for h in (world.household, world.household_a1_2, world.household_a2):
        credit_for(h)
        for day in range(1, 6):
            ledger.put(h, "env.tidy", date(2025, 3, day), quantity=2)
        wrong = ledger.put(h, "env.dumping", date(2025, 4, 1))
        ledger.put(h, "env.dumping", date(2025, 4, 2), points=Decimal(5), reversal_of=wrong)
    with django_assert_max_num_queries(8):
        aggregates_for_households([world.household.pk], AS_OF, scheme.scheme)
    with django_assert_max_num_queries(8):
        aggregates_for_households(
            [world.household.pk, world.household_a1_2.pk, world.household_a2.pk],
            AS_OF,
            scheme.scheme,
        )


@pytest.mark.django_db
def test_with_the_district_every_entry_query_names_it(world, scheme, credit_for):
    """For a database distributed by district (docs/scaling.md): the entries, their
    reviews and the credit assessments are read by district as well as by household."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ledger = Ledger(world, scheme)
    credit_for(world.household)
    wrong = ledger.put(world.household, "env.dumping", date(2025, 4, 1))
    ledger.put(
        world.household, "env.dumping", date(2025, 4, 2), points=Decimal(5), reversal_of=wrong
    )
    for day in range(1, 8):
        ledger.put(world.household, "env.tidy", date(2025, 3, day), quantity=2)
    district_id = world.household.district_id
    with CaptureQueriesContext(connection) as seen:
        aggregates_for_households(
            [world.household.pk], AS_OF, scheme.scheme, district_id=district_id
        )
    wide = [
        q["sql"]
        for q in seen.captured_queries
        if '"ledger_entry"' in q["sql"] or '"credit_creditassessment"' in q["sql"]
    ]
    assert len(wide) >= 4
    for sql in wide:
        # Each read of a table (not `EXTRACT(YEAR FROM "ledger_entry"."occurred_on")`).
        tables = len(
            re.findall(
                r'(?:FROM|JOIN) "(?:ledger_entry|ledger_review|credit_creditassessment)"(?!\.)',
                sql,
            )
        )
        assert sql.count('"district_id" = ') >= tables, sql


@pytest.mark.django_db
def test_bulk_insert_writes_every_field_in_statements_sized_to_the_cap(world, scheme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sanxin.lib.bulk import bulk_insert
    from sanxin.ratings.models import Cycle, Rating

    cycle = Cycle.objects.create(village=world.village_a1, period="2025", cut_off=AS_OF)
    now = timezone.now()
    rows = [
        Rating(
            cycle=cycle,
            run=run,
            household=world.household,
            district_id=world.household.district_id,
            scheme_version=scheme,
            tier="masses",
            total=Decimal("81.25") if run % 2 else None,
            computed_grade="4A",
            grade="3A",
            vetoed=bool(run % 3),
            components={"base": "81.25", "vanguard": None},
            reasons=["本户按“群众户”标准评定。", f"第{run}次"],
            result={"run": run, "名": "王*山"},
            computed_at=now,
        )
        for run in range(1, 3001)
    ]
    with CaptureQueriesContext(connection) as queries:
        assert bulk_insert(Rating, rows) == 3000
    inserts = [q for q in queries.captured_queries if "ratings_rating" in q["sql"]]
    if connection.vendor == "sqlite":
        import sqlite3

        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per = limit // 13  # Rating's columns but the id
        assert len(inserts) == -(-3000 // per)
    else:
        assert not inserts  # one COPY through psycopg's cursor, outside Django's query log
    stored = {r.run: r for r in Rating.objects.filter(cycle=cycle)}
    assert len(stored) == 3000
    for r in (rows[0], rows[1], rows[2519], rows[2520], rows[-1]):
        got = stored[r.run]
        assert (got.household_id, got.scheme_version_id, got.total, got.vetoed) == (
            r.household_id, r.scheme_version_id, r.total, r.vetoed,
        )  # fmt: skip
        assert (got.components, got.reasons, got.result, got.computed_at) == (
            r.components, r.reasons, r.result, r.computed_at,
        )  # fmt: skip
