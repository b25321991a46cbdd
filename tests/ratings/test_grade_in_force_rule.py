"""Issue 8, items 6, 7 and 9: which period a cycle may be opened for, the one rule
for the grade in force (latest period, capped by every running veto event and veto
item), and double clicks on a cycle's buttons."""

from __future__ import annotations

import itertools
import threading
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxin.audit.models import AuditEvent
from sanxin.ledger.models import Entry, Review, VetoEvent
from sanxin.notifications.choices import Kind
from sanxin.notifications.models import Notification
from sanxin.ratings import certificates, selectors, standing
from sanxin.ratings.choices import CycleState, GradeSource
from sanxin.ratings.models import Cycle, GradeRecord, Rating
from sanxin.ratings.services import cycles as services
from sanxin.ratings.services import vetoes
from sanxin.ratings.services.certificates import certificate_issue
from sanxin.ratings.services.review import review_close
from sanxin.ratings.services.standing import _records_for_final_cycle, standing_refresh
from sanxin.rules.scheme import GRADES, grade_rank, lower_grade
from tests.factories import approved_entry, child, cycle_final, cycle_on_notice, make_household

TODAY = timezone.localdate()
CUT_OFF = TODAY - timedelta(days=40)
NOTICE_DAY = TODAY - timedelta(days=30)
FINAL_DAY = NOTICE_DAY + timedelta(days=7)


def _final_this_period(world):
    return cycle_final(
        world, cycle_on_notice(world, cut_off=CUT_OFF, notice_day=NOTICE_DAY), day=FINAL_DAY
    )


# --- item 6: which periods may be opened ---------------------------------------------


def test_a_cycle_is_opened_for_the_current_or_the_next_period_only(world, scheme):
    head = world.users["committee_head"]
    this, following = str(TODAY.year), str(TODAY.year + 1)
    for period, message in ((str(TODAY.year - 1), "已经过去"), (str(TODAY.year + 2), "只能开启")):
        with pytest.raises(ValidationError, match=message):
            services.cycle_open(actor=head, village=world.village_a1, period=period, cut_off=TODAY)
    # A re-run of history is the district admin's explicit choice, nobody else's.
    for user in ("committee_head", "town_admin"):
        with pytest.raises(PermissionDenied, match="区管理员"):
            services.cycle_open(
                actor=world.users[user],
                village=world.village_a1,
                period=str(TODAY.year - 1),
                cut_off=date(TODAY.year - 1, 10, 20),
                history=True,
            )
    assert not Cycle.objects.exists()
    for period in (this, following):
        services.cycle_open(actor=head, village=world.village_a1, period=period, cut_off=TODAY)
    past = services.cycle_open(
        actor=world.users["district_admin"],
        village=world.village_a1,
        period=str(TODAY.year - 1),
        cut_off=date(TODAY.year - 1, 10, 20),
        history=True,
    )
    audit = AuditEvent.objects.get(action="cycle.open_history")
    assert audit.object_id == str(past.pk) and audit.after["history"] is True
    assert AuditEvent.objects.filter(action="cycle.open").count() == 2


def test_quarterly_districts_open_this_quarter_or_the_next(world, scheme):
    services.policy_set(
        actor=world.users["district_admin"], district=world.district, cadence="quarter"
    )
    head = world.users["committee_head"]
    on = date(2026, 12, 1)
    for period in ("2026Q4", "2027Q1"):
        services.cycle_open(
            actor=head, village=world.village_a1, period=period, cut_off=on, today=on
        )
    for period in ("2026Q3", "2027Q2"):
        with pytest.raises(ValidationError):
            services.cycle_open(
                actor=head, village=world.village_a1, period=period, cut_off=on, today=on
            )


def test_the_open_page_refuses_a_past_period_with_a_message(world, scheme, login):
    client = login(world.users["committee_head"])
    response = client.post(
        "/ratings/open/",
        {"village": world.village_a1.pk, "period": str(TODAY.year - 1), "cut_off": "2025-10-20"},
        follow=True,
    )
    assert "已经过去" in response.content.decode()
    assert not Cycle.objects.exists()
    # Only the district admin is offered the re-run, and it works from the page.
    assert "重算历史评定期" not in client.get("/ratings/").content.decode()
    admin = login(world.users["district_admin"])
    assert "重算历史评定期" in admin.get("/ratings/").content.decode()
    admin.post(
        "/ratings/open/",
        {
            "village": world.village_a1.pk,
            "period": str(TODAY.year - 1),
            "cut_off": f"{TODAY.year - 1}-10-20",
            "history": "1",
        },
    )
    assert Cycle.objects.filter(period=str(TODAY.year - 1)).exists()


def test_the_district_command_opens_a_past_period_only_with_history(world, scheme):
    from django.core.management.base import CommandError

    past = str(TODAY.year - 1)
    with pytest.raises(CommandError, match="已经过去"):
        call_command(
            "compute_cycles",
            district=world.district.name,
            period=past,
            cut_off=f"{past}-10-20",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not Cycle.objects.exists()


def test_finalising_a_past_period_never_replaces_the_later_grade(ready):
    """The reported attack: a 2025 cycle finalised in 2026 made everyone 未评级."""
    world = ready
    _final_this_period(world)
    in_force = {h.pk: standing.grade_in_force(h) for h in (world.household, world.household_a1_2)}
    admin, head = world.users["district_admin"], world.users["committee_head"]
    year = TODAY.year - 1
    past = services.cycle_open(
        actor=admin,
        village=world.village_a1,
        period=str(year),
        cut_off=date(year, 1, 10),
        history=True,
    )
    services.cycle_compute(actor=admin, cycle=past)
    past = services.cycle_advance(actor=admin, cycle=past, to_state=CycleState.REVIEW)
    present = [world.users[k].pk for k in ("committee_head", "committee_deputy")]
    review_close(
        actor=head,
        cycle=past,
        held_on=TODAY - timedelta(days=1),
        present_user_ids=present,
        decision="重算历史",
    )
    services.cycle_advance(actor=admin, cycle=past, to_state=CycleState.NOTICE, today=TODAY)
    finals_before = Notification.objects.filter(kind=Kind.GRADE_FINAL).count()
    services.cycle_advance(
        actor=admin, cycle=past, to_state=CycleState.FINAL, today=TODAY + timedelta(days=7)
    )
    for pk, record in in_force.items():
        assert standing.grade_in_force(pk) == record  # still this period's grade
        history = standing.grade_history(pk)
        assert history[0] == record and any(r.cycle_id == past.pk for r in history)
    # Nobody is told of a final grade that is not theirs in force.
    assert Notification.objects.filter(kind=Kind.GRADE_FINAL).count() == finals_before


# --- item 6 and 7: the property --------------------------------------------------------

_counter = itertools.count()
_grades = st.sampled_from([g for g in GRADES])


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cycles=st.lists(
        st.tuples(st.integers(2020, 2030), _grades),
        min_size=1,
        max_size=4,
        unique_by=lambda c: c[0],
    ),
    order=st.randoms(use_true_random=False),
    veto=st.sampled_from([None, "village.serious_breach", "loan.malicious_default"]),
    veto_item=st.booleans(),
)
def test_the_grade_in_force_comes_from_the_latest_period_capped_by_running_vetoes(
    world, scheme, cycles, order, veto, veto_item
):
    """Whatever order cycles of different periods are finalised in, each household's
    grade in force is the latest period's grade, capped by the veto events and veto
    items running."""
    n = next(_counter)
    village = child(world.town_a, f"性质村{n}", kind="村")
    group = child(village, "第一村民小组")
    household = make_household(village, group, "001", head="周六", head_seq=900 + n)
    admin = world.users["district_admin"]
    if veto:
        vetoes.veto_record(
            actor=world.users["credit_officer"],
            household=household,
            rule_code=veto,
            starts_on=TODAY,
            evidence_text="认定",
            today=TODAY,
        )
    now = timezone.now()
    if veto_item:  # an approved 恶意虚假投诉或骗取补贴 (cap A, 730 days), recorded and reviewed
        item = Entry.objects.create(
            household=household,
            district_id=household.district_id,
            scheme_version=scheme,
            item_code="integrity.fraud",
            item_name="恶意虚假投诉或骗取补贴",
            component="base",
            occurred_on=TODAY,
            points=-50,
            tier="masses",
            evidence_text="核实",
            recorded_by=world.users["committee_member"],
            recorded_at=now,
        )
        Review.objects.create(
            entry=item,
            district_id=item.district_id,
            approved=True,
            reviewer=world.users["committee_deputy"],
            reviewed_at=now,
        )
    made = []
    for year, grade in cycles:
        cycle = Cycle.objects.create(
            village=village,
            period=str(year),
            cut_off=date(year, 10, 20),
            state=CycleState.NOTICE,
            current_run=1,
            notice_starts_on=TODAY - timedelta(days=7),
            notice_ends_on=TODAY - timedelta(days=1),
        )
        Rating.objects.create(
            cycle=cycle,
            run=1,
            household=household,
            district_id=household.district_id,
            scheme_version=scheme,
            tier="masses",
            computed_grade=grade,
            grade=grade,
            components={},
            reasons=[],
            result={},
            computed_at=now,
        )
        made.append((cycle, grade))
    order.shuffle(made)
    for day, (cycle, _grade) in enumerate(made):
        services.cycle_advance(
            actor=admin, cycle=cycle, to_state=CycleState.FINAL, today=TODAY + timedelta(days=day)
        )
    latest = max(cycles)[1]
    caps = {"village.serious_breach": "A", "loan.malicious_default": "unrated"}
    expected = lower_grade(latest, *([caps[veto]] if veto else []), *(["A"] if veto_item else []))
    record = standing.grade_in_force(household)
    assert record.grade == expected
    assert record.cycle.period == str(max(cycles)[0])


# --- item 7: veto items and restored certificates -----------------------------------------


def test_the_next_final_keeps_a_running_veto_item(ready):
    world = ready
    first = _final_this_period(world)
    before = standing.grade_in_force(world.household)
    assert grade_rank(before.grade) > grade_rank("A")
    approved_entry(world, occurred_on=TODAY, item="integrity.fraud")  # cap A for 730 days
    assert standing.grade_in_force(world.household).grade == "A"
    # The next period's cycle, cut off before the entry: its snapshot does not see it.
    nxt = cycle_on_notice(
        world, cut_off=TODAY - timedelta(days=1), notice_day=TODAY, period=str(TODAY.year + 1)
    )
    assert selectors.effective_grades(nxt)[world.household.pk] == before.grade
    cycle_final(world, nxt, day=TODAY + timedelta(days=7))
    now = standing.grade_in_force(world.household)
    assert now.grade == "A" and now.cycle_id == nxt.pk and now.cycle_id != first.pk


def test_refresh_grades_rechecks_households_with_a_running_veto_item(ready):
    """Even when their record in force is a cycle's (a final written before the rule)."""
    world = ready
    cycle = cycle_on_notice(world, cut_off=CUT_OFF, notice_day=NOTICE_DAY)
    approved_entry(world, occurred_on=TODAY - timedelta(days=2), item="integrity.fraud")
    # A final that did not cap (as the old code did): the cycle's grades only.
    cycle.state = CycleState.FINAL
    Cycle.objects.filter(pk=cycle.pk).update(state=CycleState.FINAL)
    _records_for_final_cycle(
        cycle=cycle,
        grades=selectors.effective_grades(cycle),
        actor=world.users["committee_head"],
        today=FINAL_DAY,
        now=timezone.now(),
    )
    assert standing.grade_in_force(world.household).source == GradeSource.CYCLE
    assert world.household in standing.households_to_recheck()
    assert world.household_a1_2 not in standing.households_to_recheck()
    out = StringIO()
    call_command("refresh_grades", stdout=out)
    assert "1 户等级变化" in out.getvalue()
    assert standing.grade_in_force(world.household).grade == "A"


def test_households_to_recheck_runs_a_fixed_number_of_queries(ready, django_assert_max_num_queries):
    world = ready
    _final_this_period(world)
    with django_assert_max_num_queries(3):
        list(standing.households_to_recheck())


def test_a_revoked_veto_restores_the_grade_and_the_certificate(ready, client):
    world = ready
    _final_this_period(world)
    cert = certificate_issue(actor=world.users["committee_head"], household=world.household)
    event = vetoes.veto_record(
        actor=world.users["credit_officer"],
        household=world.household,
        rule_code="loan.malicious_default",
        starts_on=TODAY,
        evidence_text="催收通知书",
        today=TODAY,
    )
    assert certificates.verify(cert).status == certificates.Status.REVOKED
    vetoes.veto_revoke(actor=world.users["committee_head"], event=event, reason="认定有误")
    assert standing.grade_in_force(world.household).grade == cert.grade_record.grade
    assert certificates.verify(cert).status == certificates.Status.VALID
    page = client.get(f"/v/{certificates.token_for(cert)}/").content.decode()
    assert "verify-status valid" in page and "恶意拖欠" not in page and "认定有误" not in page


# --- item 9: double clicks -----------------------------------------------------------------


def test_a_second_compute_click_is_refused_and_the_work_done_once(ready, login):
    world = ready
    head = world.users["committee_head"]
    cycle = services.cycle_open(
        actor=head, village=world.village_a1, period=str(TODAY.year), cut_off=CUT_OFF
    )
    first, second = Cycle.objects.get(pk=cycle.pk), Cycle.objects.get(pk=cycle.pk)
    services.cycle_compute(actor=head, cycle=first)
    with pytest.raises(ValidationError, match="请勿重复提交"):
        services.cycle_compute(actor=head, cycle=second)  # the stale page's click
    assert Rating.objects.filter(cycle=cycle).count() == 2
    assert first.current_run == 1  # the caller's object is up to date: it may re-run
    services.cycle_compute(actor=head, cycle=first)
    assert Rating.objects.filter(cycle=cycle).count() == 4
    # From the page: two posts of the same page (run 2 shown) compute once.
    client = login(head)
    for _ in range(2):
        response = client.post(f"/ratings/{cycle.pk}/compute/", {"seen_run": "2"}, follow=True)
        assert response.status_code == 200
    assert "请勿重复提交" in response.content.decode()
    assert Rating.objects.filter(cycle=cycle).count() == 6


def test_a_second_advance_click_gets_a_message(ready, login):
    world = ready
    head = world.users["committee_head"]
    cycle = services.cycle_open(
        actor=head, village=world.village_a1, period=str(TODAY.year), cut_off=CUT_OFF
    )
    services.cycle_compute(actor=head, cycle=cycle)
    client = login(head)
    for _ in range(2):
        response = client.post(
            f"/ratings/{cycle.pk}/advance/", {"to_state": CycleState.REVIEW}, follow=True
        )
        assert response.status_code == 200
    assert "请勿重复提交" in response.content.decode()
    assert AuditEvent.objects.filter(action="cycle.advance").count() == 1


def test_standing_refresh_and_veto_revoke_twice_write_once(ready):
    world = ready
    _final_this_period(world)
    event = vetoes.veto_record(
        actor=world.users["credit_officer"],
        household=world.household,
        rule_code="village.serious_breach",
        starts_on=TODAY,
        evidence_text="认定",
        today=TODAY,
    )
    count = GradeRecord.objects.count()
    assert standing_refresh(household=world.household, actor=None) is None
    assert GradeRecord.objects.count() == count
    stale = VetoEvent.objects.get(pk=event.pk)
    vetoes.veto_revoke(actor=world.users["committee_head"], event=event, reason="有误")
    with pytest.raises(ValidationError, match="已经撤销过"):
        vetoes.veto_revoke(actor=world.users["committee_deputy"], event=stale, reason="有误")
    assert VetoEvent.objects.filter(revokes=event).count() == 1


@pytest.fixture
def _flushable(transactional_db):
    """This test commits for real and Django empties the tables after it; the
    append-only triggers are dropped just for that flush (as in tests/e2e)."""
    from sanxin.lib.append_only import append_only_tables, create_triggers, drop_triggers
    from sanxin.rules.services import scheme_versions_unfreeze_for_erase

    create_triggers(append_only_tables())
    yield
    drop_triggers()
    scheme_versions_unfreeze_for_erase()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two threads writing at once need a server database (SQLite's test database is in memory)",
)
def test_two_simultaneous_compute_clicks_compute_once(_flushable, world, scheme, credit_for):
    credit_for(world.household)
    head = world.users["committee_head"]
    cycle = services.cycle_open(
        actor=head, village=world.village_a1, period=str(TODAY.year), cut_off=CUT_OFF
    )
    clicks = [Cycle.objects.get(pk=cycle.pk) for _ in range(2)]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def click(seen):
        from django.db import connections

        try:
            barrier.wait()
            services.cycle_compute(actor=head, cycle=seen)
            outcomes.append("done")
        except ValidationError as exc:
            outcomes.append("；".join(exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(c,)) for c in clicks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "done" and "请勿重复提交" in sorted(outcomes)[1]
    assert Rating.objects.filter(cycle=cycle).count() == 2
    assert Cycle.objects.get(pk=cycle.pk).current_run == 1
