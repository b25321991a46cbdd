"""Credit lines: granting a final cycle's eligible households (in bulk, idempotent; one
with other terms and a reason; declining one), a new cycle's grant ending the old
line, and the line following the grade in force at once (suspended by a veto, lowered
by a cap, restored when it ends) with a notification and the officer's list."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from sanxin.audit.models import AuditEvent
from sanxin.lending.choices import LINE_CURRENT, BankDecision, LineEventKind, LineStatus
from sanxin.lending.models import CreditLine, CreditLineEvent
from sanxin.lending.selectors import line_usable, village_summaries
from sanxin.lending.services import lines as services
from sanxin.notifications.models import Notification
from sanxin.ratings.services import vetoes
from tests.lending.conftest import FINAL_DAY, TODAY

FOUR_A = Decimal("150000.00")


def _grant_all(world, actor="credit_officer"):
    return services.credit_lines_grant_village(
        actor=world.users[actor] if actor else None, village=world.village_a1
    )


def test_before_a_final_cycle_nothing_can_be_granted(world, policy):
    with pytest.raises(ValidationError, match="还没有最终确定的评定周期"):
        _grant_all(world)


def test_without_a_policy_nothing_is_granted(world, scheme, credit_for):
    from tests.factories import cycle_final, cycle_on_notice
    from tests.lending.conftest import CUT_OFF, NOTICE_DAY

    credit_for(world.household)
    cycle_final(
        world, cycle_on_notice(world, cut_off=CUT_OFF, notice_day=NOTICE_DAY), day=FINAL_DAY
    )
    with pytest.raises(ValidationError, match="请先发布授信政策"):
        _grant_all(world)


def test_bulk_grant_gives_each_eligible_household_its_policy_line_once(world, final, policy):
    outcome = _grant_all(world)
    assert len(outcome.granted) == 2 and outcome.total == 2 * FOUR_A
    line = CreditLine.objects.get(household=world.household)
    assert (line.grade, line.amount, line.annual_rate, line.status) == (
        "4A",
        FOUR_A,
        Decimal("4.7500"),
        LineStatus.GRANTED,
    )
    assert line.cycle == final and line.policy == policy and not line.deviates
    assert line.bank_decision == BankDecision.PENDING
    assert line.valid_until == FINAL_DAY.replace(year=FINAL_DAY.year + 1) - timedelta(days=1)
    assert line.reference.startswith("SX") and len(line.reference) == 12
    assert [e.kind for e in line.events.all()] == [LineEventKind.GRANTED]
    assert line_usable(line, TODAY)
    # The second click grants nothing twice.
    assert _grant_all(world).granted == []
    assert CreditLine.objects.count() == 2
    assert AuditEvent.objects.filter(action="lending.lines_grant").count() == 2


def test_an_officer_grants_no_line_to_their_own_household(world, final):
    from sanxin.households.models import Person

    officer = world.users["credit_officer"]
    officer.person = Person.objects.filter(household=world.household).first()
    officer.save()
    officer._sanxin_scope = None
    outcome = services.credit_lines_grant_village(actor=officer, village=world.village_a1)
    assert outcome.recused == 1
    assert [ln.household for ln in outcome.granted] == [world.household_a1_2]


def test_another_town_officer_may_not_grant(world, final):
    with pytest.raises(PermissionDenied):
        _grant_all(world, "other_credit_officer")
    with pytest.raises(PermissionDenied):
        services.credit_line_grant(
            actor=world.users["other_credit_officer"],
            household=world.household,
            line_amount=FOUR_A,
            annual_rate=Decimal("4.75"),
        )
    assert not CreditLine.objects.exists()


def test_one_household_with_other_terms_needs_a_reason(world, final):
    officer = world.users["credit_officer"]
    with pytest.raises(ValidationError) as caught:
        services.credit_line_grant(
            actor=officer,
            household=world.household,
            line_amount=Decimal("100000"),
            annual_rate=Decimal("4.75"),
        )
    assert "必须说明理由" in caught.value.message_dict["reason"][0]
    line = services.credit_line_grant(
        actor=officer,
        household=world.household,
        line_amount=Decimal("100000"),
        annual_rate=Decimal("5.2"),
        reason="经营规模小，按申请额度授信",
    )
    assert line.deviates and (line.policy_amount, line.amount) == (FOUR_A, Decimal("100000.00"))
    assert line.annual_rate == Decimal("5.2000")
    with pytest.raises(ValidationError, match="不能重复授信"):
        services.credit_line_grant(
            actor=officer,
            household=world.household,
            line_amount=FOUR_A,
            annual_rate=Decimal("4.75"),
        )
    # The bulk grant leaves the household alone and grants the other.
    assert [ln.household for ln in _grant_all(world).granted] == [world.household_a1_2]


def test_the_database_refuses_a_deviation_without_a_reason(world, final):
    line = services.credit_line_grant(
        actor=world.users["credit_officer"],
        household=world.household,
        line_amount=FOUR_A,
        annual_rate=Decimal("4.75"),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditLine.objects.filter(pk=line.pk).update(granted_amount=Decimal("1000"), amount=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditLine.objects.create(
            household=world.household,
            village=world.village_a1,
            cycle=final,
            policy=line.policy,
            reference="SXDOUBLE",
            grade="4A",
            current_grade="4A",
            policy_amount=FOUR_A,
            policy_rate=Decimal("4.75"),
            granted_amount=FOUR_A,
            granted_rate=Decimal("4.75"),
            amount=FOUR_A,
            annual_rate=Decimal("4.75"),
            valid_until=TODAY,
            granted_at=line.granted_at,
        )  # a second current line for the household


def test_declining_needs_a_reason_and_keeps_the_household_out_of_the_bulk_grant(world, final):
    officer = world.users["credit_officer"]
    with pytest.raises(ValidationError):
        services.credit_line_decline(actor=officer, household=world.household, reason=" ")
    line = services.credit_line_decline(
        actor=officer, household=world.household, reason="有未结清的民间借贷纠纷"
    )
    assert line.status == LineStatus.DECLINED and line.amount is None
    assert not line_usable(line, TODAY)
    assert [ln.household for ln in _grant_all(world).granted] == [world.household_a1_2]
    with pytest.raises(ValidationError, match="已作出授信决定"):
        services.credit_line_decline(actor=officer, household=world.household, reason="再次")
    # The officer may still grant it one by one later.
    assert services.credit_line_grant(
        actor=officer, household=world.household, line_amount=FOUR_A, annual_rate=Decimal("4.75")
    ).is_current


def _later_final(world, grades):
    """A second cycle of village A1 made final today with the given grades (by
    household), telling the layers above as `cycle_advance` does."""
    from django.utils import timezone

    from sanxin.ratings.models import Cycle
    from sanxin.ratings.services import cycles
    from sanxin.ratings.services.standing import _records_for_final_cycle
    from sanxin.ratings.signals import cycle_final

    head = world.users["committee_head"]
    later = cycles.cycle_open(
        actor=head,
        village=world.village_a1,
        period=str(FINAL_DAY.year + 1),
        cut_off=FINAL_DAY,
        today=FINAL_DAY.replace(year=FINAL_DAY.year + 1, month=1, day=1),
    )
    cycles.cycle_compute(actor=head, cycle=later)
    later.refresh_from_db()
    now = timezone.now()
    _records_for_final_cycle(cycle=later, grades=grades, actor=head, today=TODAY, now=now)
    later.state, later.finalised_at = "final", now
    later.save()
    cycle_final.send(sender=Cycle, cycle=later, actor=head, today=TODAY, now=now)
    return later


def test_the_next_final_cycle_lowers_at_once_and_its_grant_ends_the_old_lines(world, final):
    _grant_all(world)
    old = CreditLine.objects.get(household=world.household)
    kept = CreditLine.objects.get(household=world.household_a1_2)
    later = _later_final(world, {world.household.pk: "2A", world.household_a1_2.pk: "5A"})
    # Rated lower: lowered at once to 2A's terms; rated higher: kept until the new grant.
    old.refresh_from_db()
    kept.refresh_from_db()
    assert (old.status, old.amount, old.annual_rate) == (
        LineStatus.LOWERED,
        Decimal("30000.00"),
        Decimal("7.5000"),
    )
    assert old.needs_attention and old.events.last().kind == LineEventKind.LOWERED
    assert (kept.status, kept.amount, kept.needs_attention) == (LineStatus.GRANTED, FOUR_A, False)
    summary = village_summaries(
        type(world.village_a1).objects.filter(pk=world.village_a1.pk), CreditLine.objects.all()
    )
    assert [s.ready for s in summary if s.village == world.village_a1] == [True]

    granted = {ln.household_id: ln for ln in _grant_all(world).granted}
    assert granted[world.household.pk].amount == Decimal("30000.00")
    assert granted[world.household_a1_2.pk].amount == Decimal("200000.00")
    old.refresh_from_db()
    assert old.status == LineStatus.ENDED and old.ended_at is not None
    assert not old.needs_attention and old.events.last().kind == LineEventKind.ENDED
    assert CreditLine.objects.get(household=world.household, status="granted").cycle == later


def test_a_household_rated_without_a_line_in_the_next_cycle_loses_the_old_one(world, final):
    _grant_all(world)
    _later_final(world, {world.household.pk: "unrated", world.household_a1_2.pk: "4A"})
    old = CreditLine.objects.get(household=world.household)
    assert (old.status, old.amount) == (LineStatus.SUSPENDED, 0)
    assert Notification.objects.filter(household=world.household).latest("id").title == (
        "您家的授信已暂停"
    )
    outcome = _grant_all(world)
    assert [ln.household for ln in outcome.granted] == [world.household_a1_2]
    old.refresh_from_db()
    assert old.status == LineStatus.ENDED and "不符合授信条件" in old.events.last().reason
    assert not CreditLine.objects.filter(household=world.household, status__in=LINE_CURRENT)


# --- following the grade in force ------------------------------------------------------


def _veto(world, rule="loan.malicious_default"):
    return vetoes.veto_record(
        actor=world.users["committee_member"],
        household=world.household,
        rule_code=rule,
        starts_on=TODAY,
        evidence_text="信用社催收通知书（2026）第12号",
        today=TODAY,
    )


def test_a_veto_suspends_the_line_at_once_and_its_revocation_restores_it(world, final):
    _grant_all(world)
    event = _veto(world)
    line = CreditLine.objects.get(household=world.household)
    assert (line.status, line.amount, line.current_grade) == (LineStatus.SUSPENDED, 0, "unrated")
    assert line.needs_attention and not line_usable(line, TODAY)
    assert line.events.last().kind == LineEventKind.SUSPENDED
    notice = Notification.objects.filter(household=world.household).latest("id")
    assert notice.title == "您家的授信已暂停" and f"/lending/household/{world.household.pk}/" in (
        notice.url
    )
    assert AuditEvent.objects.filter(action="lending.line_follow_grade").count() == 1
    # The other household's line is untouched.
    other = CreditLine.objects.get(household=world.household_a1_2)
    assert other.status == LineStatus.GRANTED and not other.needs_attention

    vetoes.veto_revoke(actor=world.users["committee_deputy"], event=event, reason="经核实系误认定")
    line.refresh_from_db()
    assert (line.status, line.amount, line.current_grade) == (LineStatus.GRANTED, FOUR_A, "4A")
    assert line.events.last().kind == LineEventKind.RESTORED
    assert Notification.objects.filter(household=world.household).latest("id").title == (
        "您家的授信已恢复"
    )


def test_a_cap_to_a_lowers_the_line_to_that_grade_s_terms(world, final):
    _grant_all(world)
    _veto(world, "wd.b.drunk_driving")
    line = CreditLine.objects.get(household=world.household)
    assert (line.status, line.current_grade) == (LineStatus.LOWERED, "A")
    assert (line.amount, line.annual_rate) == (Decimal("30000.00"), Decimal("7.5000"))
    assert line.granted_amount == FOUR_A  # what was granted stays on record
    assert line_usable(line, TODAY)
    assert "30,000.00" in Notification.objects.filter(household=world.household).latest("id").title


def test_the_officer_acknowledges_a_change(world, final, login):
    _grant_all(world)
    _veto(world)
    line = CreditLine.objects.get(household=world.household)
    client = login(world.users["credit_officer"])
    page = client.get(f"/lending/villages/{world.village_a1.pk}/").content.decode()
    assert "需要处理" in page and "已暂停" in page
    assert "需要处理" in client.get("/lending/").content.decode()
    client.post(f"/lending/lines/{line.pk}/acknowledge/")
    line.refresh_from_db()
    assert not line.needs_attention
    assert "需要处理" not in client.get("/lending/").content.decode()


def test_a_household_without_a_line_is_left_alone_by_a_veto(world, final):
    _veto(world)
    assert not CreditLine.objects.exists() and not CreditLineEvent.objects.exists()


# --- pages ---------------------------------------------------------------------------


def test_the_officer_grants_a_village_from_its_page(world, final, login):
    client = login(world.users["credit_officer"])
    index = client.get("/lending/").content.decode()
    assert "可以授信的村" in index and world.village_a1.name in index
    page = client.get(f"/lending/villages/{world.village_a1.pk}/").content.decode()
    assert "按政策为 2 户授信（合计 300,000.00 元）" in page
    assert "第 1 版" in page and "150,000.00 元 · 4.75%" in page
    client.post(f"/lending/villages/{world.village_a1.pk}/grant/")
    page = client.get(f"/lending/villages/{world.village_a1.pk}/").content.decode()
    assert "已为大贵口村 2 户授信，合计 300,000.00 元" in page
    assert "符合条件的农户都已授信或已作出决定" in page and "已授信" in page
    client.post(f"/lending/villages/{world.village_a1.pk}/grant/")
    assert CreditLine.objects.count() == 2


def test_the_officer_grants_one_with_a_reason_and_declines_another(world, final, login):
    client = login(world.users["credit_officer"])
    url = f"/lending/households/{world.household.pk}/line/"
    page = client.get(url).content.decode()
    assert 'value="150000.00"' in page and "不予授信" in page
    page = client.post(url, {"line_amount": "80000", "annual_rate": "4.75"}).content.decode()
    assert "必须说明理由" in page and not CreditLine.objects.exists()
    client.post(url, {"line_amount": "80000", "annual_rate": "4.75", "reason": "本人申请降低额度"})
    assert CreditLine.objects.get(household=world.household).amount == Decimal("80000.00")
    decline = f"/lending/households/{world.household_a1_2.pk}/decline/"
    page = client.post(decline, {"reason": ""}).content.decode()
    assert "这个字段是必填项" in page or "必填" in page
    client.post(decline, {"reason": "外出务工，无法核实经营情况"})
    assert CreditLine.objects.get(household=world.household_a1_2).status == LineStatus.DECLINED


def test_the_household_sees_its_line_and_its_history(world, final, login):
    _grant_all(world)
    client = login(world.users["villager"])
    url = f"/lending/household/{world.household.pk}/"
    page = client.get(url).content.decode()
    assert "我家的授信" in page and "150,000.00 元" in page and "4.75%" in page
    line = CreditLine.objects.get(household=world.household)
    assert line.valid_until.isoformat() in page and "授信记录" in page
    _veto(world)
    page = client.get(url).content.decode()
    assert "授信已暂停" in page and "等级恢复后授信自动恢复" in page
    # Another village's villager, and the household next door, find nothing.
    assert login(world.users["other_villager"]).get(url).status_code == 404


def test_the_lines_page_runs_a_fixed_number_of_queries(
    world, final, login, django_assert_max_num_queries
):
    from tests.factories import make_household

    _grant_all(world)
    client = login(world.users["credit_officer"])
    url = f"/lending/villages/{world.village_a1.pk}/"
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(10):
        make_household(world.village_a1, world.group_a1_1, f"1{n:02d}", head_seq=600 + n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
    with django_assert_max_num_queries(20):
        client.get("/lending/")


# --- the rule, on its own -------------------------------------------------------------

GRADE_ORDER = ["unrated", "A", "2A", "3A", "4A", "5A"]


@given(
    granted_grade=st.sampled_from(GRADE_ORDER[1:]),
    grade=st.sampled_from(GRADE_ORDER),
    granted_cents=st.integers(min_value=1, max_value=10**9),
    granted_bp=st.integers(min_value=1, max_value=999_999),
    terms=st.none() | st.tuples(st.integers(min_value=1, max_value=10**9), st.integers(1, 999_999)),
)
def test_a_line_never_grows_beyond_what_was_granted(
    granted_grade, grade, granted_cents, granted_bp, terms
):
    from sanxin.lending.selectors import Terms

    granted = Terms(Decimal(granted_cents) / 100, Decimal(granted_bp) / 10000)
    new = Terms(Decimal(terms[0]) / 100, Decimal(terms[1]) / 10000) if terms else None
    status, amount, rate = services.line_target(
        granted_grade=granted_grade, granted=granted, grade=grade, terms=new
    )
    assert 0 <= amount <= granted.line_amount and rate >= granted.annual_rate
    if GRADE_ORDER.index(grade) >= GRADE_ORDER.index(granted_grade):
        assert (status, amount, rate) == ("granted", granted.line_amount, granted.annual_rate)
    elif new is None:
        assert (status, amount) == ("suspended", 0)
    else:
        assert amount == min(granted.line_amount, new.line_amount)
        same = (amount, rate) == (granted.line_amount, granted.annual_rate)
        assert status == ("granted" if same else "lowered")
