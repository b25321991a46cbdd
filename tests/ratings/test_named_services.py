"""Issue 8, items 15 and 17: veto revocation with recusal, upheld appeals through the
ledger's named reversal service (with the grade-in-force refresh), and the one
permission vocabulary for ratings, vetoes and certificates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sanxin.accounts.choices import Role
from sanxin.accounts.scope import PERMISSIONS, Perm
from sanxin.audit.models import AuditEvent
from sanxin.households.models import Person
from sanxin.ledger import services as ledger
from sanxin.ledger.models import Entry, Review, VetoEvent
from sanxin.ratings import standing
from sanxin.ratings.choices import AppealKind
from sanxin.ratings.models import GradeRecord
from sanxin.ratings.services import appeals, vetoes
from sanxin.ratings.services.certificates import certificate_issue
from tests.factories import approved_entry, cycle_final, cycle_on_notice

TODAY = timezone.localdate()
CUT_OFF = TODAY - timedelta(days=40)
NOTICE_DAY = TODAY - timedelta(days=30)


def _in_force(world):
    cycle_final(
        world,
        cycle_on_notice(world, cut_off=CUT_OFF, notice_day=NOTICE_DAY),
        day=NOTICE_DAY + timedelta(days=7),
    )
    return standing.grade_in_force(world.household)


def _own_household(world, user):
    user.person = Person.objects.filter(household=world.household).first()
    user.save()


def test_veto_revoke_refuses_the_revokers_own_household(ready):
    world = ready
    _in_force(world)
    event = vetoes.veto_record(
        actor=world.users["credit_officer"],
        household=world.household,
        rule_code="village.serious_breach",
        starts_on=TODAY,
        evidence_text="认定",
        today=TODAY,
    )
    head = world.users["committee_head"]
    _own_household(world, head)
    records = GradeRecord.objects.count()
    with pytest.raises(ValidationError, match="回避"):
        vetoes.veto_revoke(actor=head, event=event, reason="是我家，撤了")
    with pytest.raises(PermissionDenied):
        vetoes.veto_revoke(actor=world.users["neighbour_committee_head"], event=event, reason="x")
    assert not VetoEvent.objects.filter(revokes=event).exists()
    assert GradeRecord.objects.count() == records
    assert standing.grade_in_force(world.household).grade == "A"


def _veto_item_appealed(world):
    """A veto item entry (cap A) lowered the grade in force; the next period's cycle,
    on notice, counts it; the household appeals it."""
    base = _in_force(world)
    entry = approved_entry(world, occurred_on=TODAY - timedelta(days=5), item="integrity.fraud")
    assert standing.grade_in_force(world.household).grade == "A"
    cycle = cycle_on_notice(
        world, cut_off=TODAY - timedelta(days=1), notice_day=TODAY, period=str(TODAY.year + 1)
    )
    appeal = appeals.appeal_file(
        actor=world.users["villager"],
        cycle=cycle,
        household=world.household,
        kind=AppealKind.ENTRY,
        reason="没有这回事",
        entry=entry,
        today=TODAY,
    )
    return base, entry, appeal


def test_an_upheld_appeal_reverses_through_the_ledger_service_and_restores_the_grade(ready):
    world = ready
    base, entry, appeal = _veto_item_appealed(world)
    head = world.users["committee_head"]
    decision = appeals.appeal_decide(actor=head, appeal=appeal, upheld=True, reason="查无实据")
    reversal = decision.reversal
    assert reversal.reversal_of == entry and reversal.recorded_by == head
    review = Review.objects.get(entry=reversal)
    assert review.approved and review.reviewer == head and f"异议 #{appeal.pk}" in review.reason
    audit = AuditEvent.objects.get(action="entry.reverse", object_id=str(reversal.pk))
    assert audit.after["appeal"] == appeal.pk and audit.after["approved_under_appeal"] is True
    # The veto item no longer stands: the grade in force is restored at once.
    assert standing.grade_in_force(world.household).grade == base.grade


@pytest.mark.parametrize("who", ["recorder", "outsider", "recused"])
def test_the_appeal_reversal_service_refuses_and_writes_nothing(ready, who):
    world = ready
    _base, entry, appeal = _veto_item_appealed(world)
    actor = {
        "recorder": world.users["committee_member"],  # recorded the disputed entry
        "outsider": world.users["neighbour_committee_head"],
        "recused": world.users["committee_deputy"],
    }[who]
    if who == "recused":
        _own_household(world, actor)
    entries, records = Entry.objects.count(), GradeRecord.objects.count()
    with pytest.raises(PermissionDenied):
        ledger.entry_reverse_on_appeal(actor=actor, entry=entry, appeal_id=appeal.pk, reason="x")
    assert Entry.objects.count() == entries and GradeRecord.objects.count() == records


def test_permissions_keep_todays_who_may_do_what():
    """The new names grant exactly what the reused ones granted before."""
    registry = PERMISSIONS[Perm.CHANGE_REGISTRY]
    committee = PERMISSIONS[Perm.REVIEW_POINTS]
    assert PERMISSIONS[Perm.RUN_RATINGS] == registry
    assert PERMISSIONS[Perm.OVERSEE_RATINGS] == committee | registry
    assert PERMISSIONS[Perm.ISSUE_CERTIFICATES] == committee | registry
    assert PERMISSIONS[Perm.REVIEW_RATINGS] == PERMISSIONS[Perm.DECIDE_APPEALS] == committee
    assert PERMISSIONS[Perm.DECIDE_VETOES] == committee | PERMISSIONS[Perm.RECORD_CREDIT]
    assert PERMISSIONS[Perm.SET_RATING_CADENCE] == PERMISSIONS[Perm.MANAGE_SCHEME]
    assert PERMISSIONS[Perm.OPEN_PAST_CYCLE] == {Role.DISTRICT_ADMIN}


def test_certificates_issued_by_permission_or_own_household(ready):
    world = ready
    _in_force(world)

    for user in ("villager", "committee_member", "town_admin", "district_admin"):
        certificate_issue(actor=world.users[user], household=world.household)
    for user in ("other_villager", "shop_clerk", "credit_officer", "neighbour_committee_head"):
        with pytest.raises(PermissionDenied):
            certificate_issue(actor=world.users[user], household=world.household)
