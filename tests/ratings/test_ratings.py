"""Rating cycles: opening, computing snapshots, re-runs, immutability, state rules,
the district command and set-based query counts."""

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from sanxin.audit.models import AuditEvent
from sanxin.households.models import Person
from sanxin.ledger import services as ledger
from sanxin.ratings.choices import CycleState
from sanxin.ratings.facts import (
    facts_for_households,
    household_facts,
    household_grade,
    schemes_for_villages,
)
from sanxin.ratings.models import Cycle, Rating
from sanxin.ratings.services import cycles as services
from sanxin.rules.selectors import scheme_for_village
from tests.factories import make_household

CUT_OFF = date(2025, 11, 20)
TODAY = date(2025, 11, 25)


def _meeting(world, cycle):
    from sanxin.ratings.services.review import review_close

    present = [world.users[k].pk for k in ("committee_head", "committee_deputy")]
    review_close(
        actor=world.users["committee_head"],
        cycle=cycle,
        held_on=CUT_OFF,
        present_user_ids=present,
        decision="同意",
    )


def _approved(world, household, item="env.tidy", on=date(2025, 6, 1), **kw):
    entry = ledger.entry_record(
        actor=world.users["committee_member"],
        request=ledger.EntryRequest(
            household=household,
            item_code=item,
            occurred_on=on,
            **{"evidence_text": "现场核实", **kw},
        ),
        today=TODAY,
    )
    ledger.entry_review(actor=world.users["committee_deputy"], entry=entry, approve=True)
    return entry


@pytest.fixture
def graded(world, scheme, credit_for):
    """The village A1 households with credit, points, a reversal and a party member."""
    credit_for(world.household)
    credit_for(world.household_a1_2)
    _approved(world, world.household, quantity=3)
    wrong = _approved(world, world.household, item="env.untidy", on=date(2025, 5, 1))
    reversal = ledger.entry_reverse(
        actor=world.users["committee_member"], entry=wrong, reason="记错了"
    )
    ledger.entry_review(actor=world.users["committee_deputy"], entry=reversal, approve=True)
    _approved(
        world,
        world.household_a1_2,
        item="env.dumping",
        on=date(2025, 7, 1),
        evidence_text="路边堆放杂物",
    )
    Person.objects.filter(household=world.household_a1_2, is_head=True).update(
        political_status="party_member"
    )
    from sanxin.ratings.services.vetoes import veto_record

    veto_record(
        actor=world.users["committee_head"],
        household=world.household_a1_2,
        rule_code="wd.c.detention",
        starts_on=date(2025, 8, 1),
        evidence_text="行政处罚决定书",
        today=TODAY,
    )
    return world


def _open(world, user="committee_head", village=None, period="2025"):
    return services.cycle_open(
        actor=world.users[user],
        village=village or world.village_a1,
        period=period,
        cut_off=CUT_OFF,
        today=TODAY,
    )


def test_bulk_facts_equal_household_facts(graded):
    w = graded
    households = [w.household, w.household_a1_2, w.household_a2, w.household_b1]
    bulk = facts_for_households([h.pk for h in households], CUT_OFF)
    for h in households:
        assert bulk[h.pk] == household_facts(h, CUT_OFF)
    assert bulk[w.household.pk].entries and bulk[w.household.pk].credit is not None
    assert bulk[w.household_a1_2.pk].vetoes
    early = facts_for_households([w.household.pk], date(2025, 2, 1))  # before the credit visit
    assert early[w.household.pk] == household_facts(w.household, date(2025, 2, 1))


def test_bulk_schemes_equal_scheme_for_village(world, scheme):
    villages = [world.village_a1, world.village_a2, world.village_b1]
    assert schemes_for_villages(villages, CUT_OFF) == {
        v.pk: scheme_for_village(v, CUT_OFF) for v in villages
    }
    assert schemes_for_villages(villages, date(2000, 1, 1)) == {v.pk: None for v in villages}


def test_open_cycle(world, scheme):
    cycle = _open(world)
    assert cycle.state == CycleState.OPEN and cycle.current_run == 0
    assert AuditEvent.objects.filter(action="cycle.open", object_id=str(cycle.pk)).exists()
    with pytest.raises(ValidationError, match="已有"):
        _open(world, user="town_admin")
    with pytest.raises(PermissionDenied):
        _open(world, user="committee_member", period="2026")
    with pytest.raises(PermissionDenied):
        _open(world, user="neighbour_committee_head", period="2026")
    assert _open(world, user="district_admin", village=world.village_b1).village == world.village_b1


def test_compute_stores_snapshots_matching_household_grade(graded, scheme):
    w = graded
    cycle = _open(w)
    report = services.cycle_compute(actor=w.users["committee_head"], cycle=cycle)
    cycle.refresh_from_db()
    assert cycle.state == CycleState.COMPUTED and cycle.current_run == 1 and cycle.computed_at
    assert report.households == 2
    rows = {r.household_id: r for r in Rating.objects.filter(cycle=cycle, run=1)}
    assert set(rows) == {w.household.pk, w.household_a1_2.pk}
    for h in (w.household, w.household_a1_2):
        expected = household_grade(h, CUT_OFF)
        r = rows[h.pk]
        assert r.scheme_version == expected.version == scheme
        # The snapshot explains only the entries its reasons name (grading from
        # aggregates); everything else is the household page's per-entry result.
        full = expected.result.to_dict()
        named = {c["entry_id"] for c in r.result["contributions"]}
        assert [c for c in full.pop("contributions") if c["entry_id"] in named] == r.result.pop(
            "contributions"
        )
        assert r.result == full
        assert (r.tier, r.total, r.computed_grade, r.grade) == (
            expected.result.tier,
            expected.result.total,
            expected.result.computed_grade,
            expected.result.grade,
        )
        assert r.reasons == list(expected.result.reasons)
        assert r.components == {
            c.code: (str(c.score) if c.score is not None else None)
            for c in expected.result.components
        }
    assert rows[w.household_a1_2.pk].tier == "party_member"
    audit = AuditEvent.objects.get(action="cycle.compute", object_id=str(cycle.pk))
    assert audit.after["households"] == 2 and sum(audit.after["grades"].values()) == 2
    scheme.refresh_from_db()
    assert scheme.in_use_since is not None


def test_rerun_creates_a_new_run_and_keeps_the_old(graded):
    w = graded
    cycle = _open(w)
    services.cycle_compute(actor=w.users["committee_head"], cycle=cycle)
    first = list(
        Rating.objects.filter(cycle=cycle, run=1).values_list("pk", "household_id", "total")
    )
    _approved(w, w.household, item="public.donation", on=date(2025, 8, 1), quantity=5)
    services.cycle_compute(actor=w.users["town_admin"], cycle=cycle)
    cycle.refresh_from_db()
    assert cycle.current_run == 2
    assert (
        list(Rating.objects.filter(cycle=cycle, run=1).values_list("pk", "household_id", "total"))
        == first
    )
    new = Rating.objects.get(cycle=cycle, run=2, household=w.household)
    old = Rating.objects.get(cycle=cycle, run=1, household=w.household)
    assert new.total > old.total


def test_ratings_are_immutable(graded):
    w = graded
    cycle = _open(w)
    services.cycle_compute(actor=w.users["committee_head"], cycle=cycle)
    rating = Rating.objects.filter(cycle=cycle).first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Rating.objects.filter(pk=rating.pk).update(grade="5A")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Rating.objects.filter(pk=rating.pk).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("UPDATE ratings_rating SET total = 0")


def test_database_refuses_unknown_grades_and_tiers(graded):
    """The grade and tier columns hold only `rules.choices` values, even written
    around the services."""
    from django.db import IntegrityError

    from sanxin.ledger.models import Entry, VetoEvent

    w = graded
    cycle = _open(w)
    services.cycle_compute(actor=w.users["committee_head"], cycle=cycle)
    rating = Rating.objects.filter(cycle=cycle).first()
    for field, value in [("grade", "6A"), ("computed_grade", "AAA"), ("tier", "villager")]:
        copy = Rating.objects.get(pk=rating.pk)
        copy.pk, copy.run = None, 99
        setattr(copy, field, value)
        with pytest.raises(IntegrityError), transaction.atomic():
            copy.save()
    veto = VetoEvent.objects.first()
    veto.pk, veto.cap_grade = None, "6A"
    with pytest.raises(IntegrityError), transaction.atomic():
        veto.save()
    entry = Entry.objects.first()
    entry.pk, entry.tier, entry.idempotency_key = None, "villager", None
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()


def test_state_rules(graded):
    w = graded
    head = w.users["committee_head"]
    cycle = _open(w)
    with pytest.raises(ValidationError, match="请先计算"):
        services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.REVIEW)
    services.cycle_compute(actor=head, cycle=cycle)
    with pytest.raises(ValidationError, match="只能进入"):
        services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.NOTICE)
    with pytest.raises(PermissionDenied):
        services.cycle_advance(
            actor=w.users["committee_member"], cycle=cycle, to_state=CycleState.REVIEW
        )
    cycle = services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.REVIEW)
    assert cycle.review_at
    services.cycle_compute(actor=head, cycle=cycle)  # a re-run during review keeps the review state
    cycle.refresh_from_db()
    assert cycle.state == CycleState.REVIEW and cycle.current_run == 2
    with pytest.raises(ValidationError, match="评审会议"):
        services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.NOTICE)
    _meeting(w, cycle)
    cycle = services.cycle_advance(
        actor=head, cycle=cycle, to_state=CycleState.NOTICE, today=date(2025, 12, 1)
    )
    assert (cycle.notice_starts_on, cycle.notice_ends_on) == (date(2025, 12, 1), date(2025, 12, 7))
    with pytest.raises(ValidationError, match="不能再计算"):
        services.cycle_compute(actor=head, cycle=cycle)
    with pytest.raises(ValidationError):
        services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.REVIEW)
    cycle = services.cycle_advance(
        actor=head, cycle=cycle, to_state=CycleState.FINAL, today=date(2025, 12, 8)
    )
    assert cycle.finalised_at and cycle.state == CycleState.FINAL
    with pytest.raises(ValidationError, match="最终"):
        services.cycle_advance(
            actor=head, cycle=cycle, to_state=CycleState.FINAL, today=date(2025, 12, 8)
        )
    assert Rating.objects.filter(cycle=cycle).count() == 4


def test_compute_refused_without_scheme(world):
    cycle = _open(world)
    with pytest.raises(ValidationError, match="没有生效的评分方案"):
        services.cycle_compute(actor=world.users["committee_head"], cycle=cycle)
    assert not Rating.objects.exists()


def test_command_computes_the_district(graded):
    out, err = StringIO(), StringIO()
    call_command(
        "compute_cycles",
        district="双滦区",
        period="2025",
        cut_off="2025-11-20",
        history=True,  # 2025 is a past period now: a re-run of history
        stdout=out,
        stderr=err,
    )
    w = graded
    cycles = Cycle.objects.filter(period="2025")
    assert {c.village_id for c in cycles} == {w.village_a1.pk, w.village_a2.pk, w.village_b1.pk}
    assert all(c.state == CycleState.COMPUTED and c.current_run == 1 for c in cycles)
    assert Rating.objects.count() == 4
    assert "已计算 4/4 户" in err.getvalue()
    text = out.getvalue()
    assert "大贵口村（第 1 次计算）：共 2 户" in text and "合计 4 户，3 个村" in text
    # A second run by code, one village only; the other cycles stay at run 1.
    out = StringIO()
    call_command(
        "compute_cycles",
        district="130803000000",
        period="2025",
        cut_off="2025-11-20",
        village="邻村",
        stdout=out,
        stderr=StringIO(),
    )
    assert "邻村（第 2 次计算）" in out.getvalue()
    assert Cycle.objects.get(village=w.village_a1, period="2025").current_run == 1


def test_command_skips_cycles_on_notice(graded):
    w = graded
    head = w.users["committee_head"]
    cycle = _open(w)
    services.cycle_compute(actor=head, cycle=cycle)
    services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.REVIEW)
    _meeting(w, cycle)
    services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.NOTICE)
    out = StringIO()
    call_command(
        "compute_cycles",
        district="双滦区",
        period="2025",
        cut_off="2025-11-20",
        history=True,  # 2025 is a past period now: a re-run of history
        stdout=out,
        stderr=StringIO(),
    )
    assert "大贵口村：已公示，未重新计算" in out.getvalue()
    assert Rating.objects.filter(cycle=cycle).count() == 2


def _add_households(world, n, start):
    for i in range(n):
        village, group = (
            (world.village_a1, world.group_a1_1) if i % 2 else (world.village_a2, world.group_a2_1)
        )
        make_household(village, group, f"{start + i:03d}", head=f"户{i}", head_seq=600 + start + i)


def _district_queries(world, period):
    with CaptureQueriesContext(connection) as ctx:
        services.cycles_compute_district(
            district=world.district, period=period, cut_off=CUT_OFF, today=TODAY
        )
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_households(graded):
    w = graded
    _add_households(w, 10 - 4, start=100)  # 10 households in the district
    small = _district_queries(w, "2025")
    _add_households(w, 30, start=200)  # 40
    large = _district_queries(w, "2026")
    assert Rating.objects.filter(cycle__period="2025").count() == 10
    assert Rating.objects.filter(cycle__period="2026").count() == 40
    assert small == large
