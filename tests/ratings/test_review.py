"""Committee review: grade adjustments under the two-person rule and recusal, the
closing meeting with its quorum, and the printable sign-off sheet."""

from datetime import date
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from sanxin.audit.models import AuditEvent
from sanxin.households.models import Person
from sanxin.ratings import selectors
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Adjustment, Rating
from sanxin.ratings.services import cycles as services
from sanxin.ratings.services import review
from tests.factories import make_household

HELD_ON = date(2025, 12, 1)


def _cycle(world, *, state=CycleState.REVIEW):
    head = world.users["committee_head"]
    cycle = services.cycle_open(
        actor=head,
        village=world.village_a1,
        period="2025",
        cut_off=date(2025, 11, 20),
        today=date(2025, 11, 1),
    )
    services.cycle_compute(actor=head, cycle=cycle)
    if state == CycleState.REVIEW:
        cycle = services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.REVIEW)
    cycle.refresh_from_db()
    return cycle


def _propose(world, cycle, user="committee_member", to_grade="5A", reason="见义勇为，群众公认"):
    return review.adjustment_propose(
        actor=world.users[user],
        cycle=cycle,
        household=world.household,
        to_grade=to_grade,
        reason=reason,
    )


def _committee_ids(world, *names):
    return [world.users[n].pk for n in names]


def test_propose_and_confirm_changes_the_effective_grade(world, scheme):
    cycle = _cycle(world)
    snapshot = Rating.objects.get(cycle=cycle, household=world.household).grade
    assert selectors.effective_grades(cycle)[world.household.pk] == snapshot
    adjustment = _propose(world, cycle)
    assert adjustment.from_grade == snapshot and adjustment.to_grade == "5A"
    assert (
        selectors.effective_grades(cycle)[world.household.pk] == snapshot
    )  # not before confirmation
    with pytest.raises(ValidationError, match="待确认"):
        _propose(world, cycle, user="committee_deputy", to_grade="4A")
    review.adjustment_decide(
        actor=world.users["committee_head"], adjustment=adjustment, confirm=True
    )
    assert selectors.effective_grades(cycle)[world.household.pk] == "5A"
    assert selectors.effective_grade(cycle, world.household) == "5A"
    with pytest.raises(ValidationError, match="已经决定"):
        review.adjustment_decide(
            actor=world.users["committee_deputy"],
            adjustment=adjustment,
            confirm=False,
            reason="不同意",
        )
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"rating.adjust_propose", "rating.adjust_confirm"} <= actions
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Adjustment.objects.filter(pk=adjustment.pk).update(to_grade="A")


def test_proposer_cannot_confirm_own_and_refusal_needs_reason(world, scheme):
    cycle = _cycle(world)
    adjustment = _propose(world, cycle)
    with pytest.raises(PermissionDenied, match="本人提出"):
        review.adjustment_decide(
            actor=world.users["committee_member"], adjustment=adjustment, confirm=True
        )
    with pytest.raises(ValidationError, match="理由"):
        review.adjustment_decide(
            actor=world.users["committee_head"], adjustment=adjustment, confirm=False
        )
    review.adjustment_decide(
        actor=world.users["committee_head"], adjustment=adjustment, confirm=False, reason="证据不足"
    )
    assert selectors.effective_grades(cycle)[world.household.pk] == adjustment.from_grade
    assert AuditEvent.objects.filter(action="rating.adjust_refuse").exists()


def test_reason_required_and_only_committee(world, scheme):
    cycle = _cycle(world)
    with pytest.raises(ValidationError):
        _propose(world, cycle, reason="  ")
    with pytest.raises(PermissionDenied):
        _propose(world, cycle, user="town_admin")
    with pytest.raises(PermissionDenied):
        _propose(world, cycle, user="neighbour_committee_head")


def test_recused_member_is_refused(world, scheme):
    cycle = _cycle(world)
    deputy = world.users["committee_deputy"]
    deputy.person = Person.objects.filter(household=world.household).first()
    deputy.save()
    with pytest.raises(PermissionDenied, match="回避"):
        _propose(world, cycle, user="committee_deputy")
    adjustment = _propose(world, cycle)
    with pytest.raises(PermissionDenied, match="回避"):
        review.adjustment_decide(actor=deputy, adjustment=adjustment, confirm=True)


def test_proposal_outside_review_is_refused(world, scheme):
    cycle = _cycle(world, state=CycleState.COMPUTED)
    with pytest.raises(ValidationError, match="委员会审核"):
        _propose(world, cycle)


def test_meeting_quorum_and_notice(world, scheme):
    cycle = _cycle(world)
    head = world.users["committee_head"]
    with pytest.raises(ValidationError, match="评审会议"):
        services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.NOTICE)
    adjustment = _propose(world, cycle)
    with pytest.raises(ValidationError, match="待确认"):
        review.review_close(
            actor=head,
            cycle=cycle,
            held_on=HELD_ON,
            present_user_ids=_committee_ids(world, "committee_head", "committee_deputy"),
            decision="同意",
        )
    review.adjustment_decide(actor=head, adjustment=adjustment, confirm=True)
    with pytest.raises(ValidationError, match="法定人数"):
        review.review_close(
            actor=head,
            cycle=cycle,
            held_on=HELD_ON,
            present_user_ids=_committee_ids(world, "committee_head"),
            decision="同意",
        )
    with pytest.raises(ValidationError, match="记录人"):
        review.review_close(
            actor=head,
            cycle=cycle,
            held_on=HELD_ON,
            present_user_ids=_committee_ids(world, "committee_member", "committee_deputy"),
            decision="同意",
        )
    with pytest.raises(ValidationError, match="本村评信团"):
        review.review_close(
            actor=head,
            cycle=cycle,
            held_on=HELD_ON,
            present_user_ids=_committee_ids(world, "committee_head", "neighbour_committee_head"),
            decision="同意",
        )
    with pytest.raises(PermissionDenied):
        review.review_close(
            actor=world.users["town_admin"],
            cycle=cycle,
            held_on=HELD_ON,
            present_user_ids=_committee_ids(world, "committee_head", "committee_deputy"),
            decision="同意",
        )
    meeting = review.review_close(
        actor=head,
        cycle=cycle,
        held_on=HELD_ON,
        present_user_ids=_committee_ids(world, "committee_head", "committee_deputy"),
        decision="同意评定结果",
    )
    assert meeting.committee_size == 3 and [m["name"] for m in meeting.members_present] == [
        "committee_head",
        "committee_deputy",
    ]
    with pytest.raises(ValidationError, match="审核已结束"):
        _propose(world, cycle, user="committee_deputy", to_grade="A")
    cycle = services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.NOTICE)
    assert cycle.state == CycleState.NOTICE
    assert AuditEvent.objects.filter(action="rating.review_close").exists()


def test_screens_adjust_confirm_meeting_and_signoff(world, scheme, login):
    cycle = _cycle(world)
    member = login(world.users["committee_member"])
    page = member.get(f"/ratings/{cycle.pk}/").content.decode()
    assert (
        f"/ratings/{cycle.pk}/households/{world.household.pk}/adjust/" in page and "签字表" in page
    )
    page = member.get(
        f"/ratings/{cycle.pk}/households/{world.household.pk}/adjust/"
    ).content.decode()
    assert "评定理由" in page and "提出调整" in page
    response = member.post(
        f"/ratings/{cycle.pk}/households/{world.household.pk}/adjust/",
        {"to_grade": "5A", "reason": ""},
    )
    assert "请填写调整理由" in response.content.decode()
    response = member.post(
        f"/ratings/{cycle.pk}/households/{world.household.pk}/adjust/",
        {"to_grade": "5A", "reason": "见义勇为"},
        follow=True,
    )
    page = response.content.decode()
    assert "见义勇为" in page and "不能确认本人提出的调整" in page
    adjustment = Adjustment.objects.get()
    head = login(world.users["committee_head"])
    assert "确认" in head.get(f"/ratings/{cycle.pk}/adjustments/").content.decode()
    head.post(f"/ratings/adjustments/{adjustment.pk}/decide/", {"confirm": "1"})
    assert selectors.effective_grades(cycle)[world.household.pk] == "5A"
    page = head.get(f"/ratings/{cycle.pk}/review/").content.decode()
    assert "已调整" in page
    response = head.post(
        f"/ratings/{cycle.pk}/meeting/",
        {
            "held_on": "2025-12-01",
            "present": [world.users["committee_head"].pk],
            "decision": "同意",
        },
    )
    assert "法定人数" in response.content.decode()
    present = _committee_ids(world, "committee_head", "committee_member")
    response = head.post(
        f"/ratings/{cycle.pk}/meeting/",
        {"held_on": "2025-12-01", "present": present, "decision": "同意评定结果"},
    )
    assert response.status_code == 302
    page = login(world.users["town_admin"]).get(f"/ratings/{cycle.pk}/signoff/").content.decode()
    for text in (
        "见义勇为",
        "已确认",
        "2025-12-01",
        "committee_member",
        "同意评定结果",
        "团长签字",
        "成员签字",
        "审核意见",
        "盖章",
    ):
        assert text in page, text
    # The A4 print rules live in their own stylesheet (no inline style under the CSP).
    assert "/static/sanxin/signoff-print.css" in page
    sheet = finders.find("sanxin/signoff-print.css")
    assert (
        sheet and "@page" in Path(sheet).read_text() and "@media print" in Path(sheet).read_text()
    )


def test_outsiders_get_404(world, scheme, login):
    cycle = _cycle(world)
    adjustment = _propose(world, cycle)
    for name in ("neighbour_committee_head", "other_town_admin", "other_district_admin"):
        client = login(world.users[name])
        assert client.get(f"/ratings/{cycle.pk}/signoff/").status_code == 404
        assert client.get(f"/ratings/{cycle.pk}/adjustments/").status_code == 404
        assert client.get(
            f"/ratings/{cycle.pk}/households/{world.household.pk}/adjust/"
        ).status_code in (403, 404)
        assert client.post(
            f"/ratings/adjustments/{adjustment.pk}/decide/", {"confirm": "1"}
        ).status_code in (403, 404)
    assert (
        login(world.users["neighbour_committee_head"])
        .post(f"/ratings/adjustments/{adjustment.pk}/decide/", {"confirm": "1"})
        .status_code
        == 404
    )
    assert not hasattr(Adjustment.objects.get(), "decision")


def _review_queries(client, cycle):
    with CaptureQueriesContext(connection) as ctx:
        assert (
            client.get(f"/ratings/{cycle.pk}/review/?near=1&changed=1&vetoed=&party=").status_code
            == 200
        )
    return len(ctx.captured_queries)


def test_review_page_filters_and_fixed_query_count(world, scheme, login):
    cycle = _cycle(world)
    client = login(world.users["committee_head"])
    few = _review_queries(client, cycle)
    for i in range(20):
        make_household(
            world.village_a1, world.group_a1_2, f"{100 + i}", head=f"户{i}", head_seq=700 + i
        )
    services.cycle_compute(actor=world.users["committee_head"], cycle=cycle)
    assert _review_queries(client, cycle) == few
    page = client.get(f"/ratings/{cycle.pk}/review/").content.decode()
    assert "临近分数线" in page and "户3" in page


def test_changed_since_last_cycle_filter(world, scheme, login):
    head = world.users["committee_head"]
    earlier = services.cycle_open(
        actor=head,
        village=world.village_a1,
        period="2024",
        cut_off=date(2025, 11, 20),
        today=date(2024, 11, 1),
    )
    services.cycle_compute(actor=head, cycle=earlier)
    services.cycle_advance(actor=head, cycle=earlier, to_state=CycleState.REVIEW)
    adjustment = review.adjustment_propose(
        actor=world.users["committee_member"],
        cycle=earlier,
        household=world.household,
        to_grade="5A",
        reason="上年调整",
    )
    review.adjustment_decide(actor=head, adjustment=adjustment, confirm=True)
    cycle = _cycle(world)
    assert selectors.previous_cycle(cycle) == earlier
    client = login(head)
    page = client.get(f"/ratings/{cycle.pk}/review/?changed=1").content.decode()
    assert world.household.head_name in page and world.household_a1_2.head_name not in page


def test_cycle_page_shows_the_adjusted_grade(world, scheme, login):
    """The cycle's household table shows a confirmed adjustment next to the computed grade."""
    cycle = _cycle(world)
    adjustment = _propose(world, cycle)
    review.adjustment_decide(
        actor=world.users["committee_deputy"], adjustment=adjustment, confirm=True
    )
    text = login(world.users["committee_head"]).get(f"/ratings/{cycle.pk}/").content.decode()
    assert "经评信团调整" in text
