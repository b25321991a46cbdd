"""Property: whatever veto decisions and revocations happen between cycles, the
grade in force is the final cycle's grade capped by the vetoes still standing, and
every change is a history line with a notification."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxin.ledger.models import VetoEvent
from sanxin.notifications.choices import Kind
from sanxin.notifications.models import Notification
from sanxin.ratings import standing
from sanxin.ratings.choices import GradeSource
from sanxin.ratings.models import GradeRecord
from sanxin.ratings.services import vetoes
from sanxin.rules.scheme import lower_grade
from tests.factories import cycle_final, cycle_on_notice

RULES = ["village.serious_breach", "loan.malicious_default", "wd.b.drunk_driving"]
CAPS = {
    "village.serious_breach": "A",
    "loan.malicious_default": "unrated",
    "wd.b.drunk_driving": "A",
}

# A step: record a veto under one of the rules, or revoke the n-th standing one.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("record"), st.sampled_from(RULES)),
        st.tuples(st.just("revoke"), st.integers(0, 3)),
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=steps)
def test_grade_in_force_is_the_cycle_grade_capped_by_the_standing_vetoes(ready, script):
    world = ready
    today = timezone.localdate()
    base = standing.grade_in_force(world.household)
    if base is None:  # the examples share one database: the first puts a cycle in force
        cut_off = today - timedelta(days=40)
        cycle = cycle_on_notice(world, cut_off=cut_off, notice_day=cut_off + timedelta(days=10))
        cycle_final(world, cycle, day=cut_off + timedelta(days=17))
    base = GradeRecord.objects.filter(household=world.household, source=GradeSource.CYCLE).latest(
        "id"
    )
    standing_events: list[VetoEvent] = list(
        VetoEvent.objects.filter(
            household=world.household, revokes__isnull=True, revoked_by__isnull=True
        )
    )
    for action, arg in script:
        before_records = GradeRecord.objects.filter(household=world.household).count()
        before_notes = Notification.objects.filter(
            household=world.household, kind=Kind.GRADE_CHANGED
        ).count()
        before_grade = standing.grade_in_force(world.household).grade
        if action == "record":
            standing_events.append(
                vetoes.veto_record(
                    actor=world.users["committee_head"],
                    household=world.household,
                    rule_code=arg,
                    starts_on=today,
                    evidence_text="评信团认定",
                    today=today,
                )
            )
        elif standing_events:
            event = standing_events.pop(arg % len(standing_events))
            vetoes.veto_revoke(actor=world.users["committee_head"], event=event, reason="认定有误")
        expected = lower_grade(base.grade, *(CAPS[e.rule_code] for e in standing_events))
        now = standing.grade_in_force(world.household)
        assert now.grade == expected
        changed = now.grade != before_grade
        assert (
            GradeRecord.objects.filter(household=world.household).count()
            == before_records + changed
        )
        assert (
            Notification.objects.filter(household=world.household, kind=Kind.GRADE_CHANGED).count()
            == before_notes + changed
        )
