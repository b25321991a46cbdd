"""Who may use the 评定周期 screens. `_cycle` installs the scheme and opens village
A1's 2025 cycle; `_computed` also computes it (as the system)."""

from __future__ import annotations

from datetime import date

from sanxin.accounts.choices import Role
from tests.access_cases import COMMITTEE, INSIDERS_OF_HOUSEHOLD, WITH_ROLES, Case
from tests.access_cases.effects import audited, succeeded
from tests.factories import make_user

# Everyone who sees some household of village A1 (its cycle page).
VILLAGE_A1 = INSIDERS_OF_HOUSEHOLD | {"other_group_subteam", "other_villager"}
# Committee head/deputy of village A1 and the town and district admins over it.
MANAGERS = {"district_admin", "town_admin", "committee_head", "committee_deputy"}
# Everyone who manages cycles somewhere (the open form).
MANAGERS_ANYWHERE = MANAGERS | {
    "other_district_admin",
    "other_town_admin",
    "neighbour_committee_head",
}
# Who sees village A1's public notice: everyone whose regions include the village
# or one of its villager groups (villagers and sub-team members too).
NOTICE_READERS = VILLAGE_A1
# Who sees the committee review of village A1: its committee and the admins over it.
REVIEWERS = COMMITTEE | {"district_admin", "town_admin"}


def _cycle(w):
    from sanxin.ratings.models import Cycle
    from sanxin.rules.services import scheme_install_default

    scheme_install_default(district=w.district)
    cycle = Cycle.objects.filter(village=w.village_a1, period="2025").first()
    if cycle is None:
        cycle = Cycle.objects.create(
            village=w.village_a1, period="2025", cut_off=date(2025, 11, 20)
        )
    return cycle


def _computed(w):
    from sanxin.ratings.services.cycles import cycle_compute

    cycle = _cycle(w)
    if cycle.current_run == 0:
        cycle_compute(actor=None, cycle=cycle)


def _in_review(w):
    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.services.cycles import cycle_advance

    _computed(w)
    cycle = _cycle(w)
    if cycle.state == CycleState.COMPUTED:
        cycle_advance(actor=None, cycle=cycle, to_state=CycleState.REVIEW)


def _proposed(w):
    from sanxin.ratings.models import Adjustment
    from sanxin.ratings.services.review import adjustment_propose

    _in_review(w)
    if not Adjustment.objects.exists():
        # A fourth member proposes it, so that each of the three may confirm it
        # (nobody confirms their own proposal).
        if "committee_proposer" not in w.users:
            w.users["committee_proposer"] = make_user(
                "committee_proposer", Role.COMMITTEE_MEMBER, region=w.village_a1
            )
        adjustment_propose(
            actor=w.users["committee_proposer"],
            cycle=_cycle(w),
            household=w.household,
            to_grade="5A",
            reason="测试调整",
        )


def _on_notice(w):
    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.models import ReviewMeeting
    from sanxin.ratings.services.cycles import cycle_advance
    from sanxin.ratings.services.review import review_close

    _in_review(w)
    cycle = _cycle(w)
    if not ReviewMeeting.objects.filter(cycle=cycle).exists():
        present = [w.users[k].pk for k in ("committee_head", "committee_deputy")]
        review_close(
            actor=w.users["committee_head"],
            cycle=cycle,
            held_on=date(2025, 12, 1),
            present_user_ids=present,
            decision="同意",
        )
    if cycle.state == CycleState.REVIEW:
        cycle_advance(actor=None, cycle=cycle, to_state=CycleState.NOTICE)


def _adjustment_pk(w):
    from sanxin.ratings.models import Adjustment

    return Adjustment.objects.get().pk


def _pk(w):
    return _cycle(w).pk


def _opened(w, username):
    from sanxin.ratings.models import Cycle

    succeeded(w, username)
    cycle = Cycle.objects.get(village=w.village_a1, period="2026")
    assert (cycle.state, str(cycle.cut_off), cycle.created_by) == (
        "open",
        "2026-11-20",
        w.users[username],
    )
    audited(w, username, "cycle.open")


def _policy_set(w, username):
    from sanxin.ratings.models import RatingPolicy

    succeeded(w, username)
    policy = RatingPolicy.objects.get(district=w.district)
    assert (policy.cadence, policy.updated_by) == ("quarter", w.users[username])
    audited(w, username, "rating.policy")


def _computed_by(w, username):
    from sanxin.ratings.models import Rating

    succeeded(w, username)
    cycle = _cycle(w)
    assert (cycle.state, cycle.current_run) == ("computed", 1)
    rated = Rating.objects.filter(cycle=cycle, run=1).values_list("household_id", flat=True)
    assert sorted(rated) == sorted([w.household.pk, w.household_a1_2.pk])
    audited(w, username, "cycle.compute")


def _advanced_by(w, username):
    succeeded(w, username)
    assert _cycle(w).state == "review"
    audited(w, username, "cycle.advance")


def _adjustment_proposed(w, username):
    from sanxin.ratings.models import Adjustment

    succeeded(w, username)
    adjustment = Adjustment.objects.get(household=w.household)
    assert (adjustment.to_grade, adjustment.reason, adjustment.proposed_by) == (
        "5A",
        "表现突出",
        w.users[username],
    )
    assert not hasattr(adjustment, "decision"), "another member confirms it"


def _adjustment_confirmed(w, username):
    from sanxin.ratings.models import Adjustment

    succeeded(w, username)
    decision = Adjustment.objects.get().decision
    assert decision.confirmed and decision.decided_by == w.users[username]
    audited(w, username, "rating.adjust_confirm")


def _meeting_recorded(w, username):
    from sanxin.ratings.models import ReviewMeeting

    succeeded(w, username)
    meeting = ReviewMeeting.objects.get(cycle=_cycle(w))
    assert (str(meeting.held_on), meeting.decision, meeting.recorded_by) == (
        "2025-12-01",
        "同意",
        w.users[username],
    )
    assert sorted(m["id"] for m in meeting.members_present) == sorted(
        w.users[k].pk for k in COMMITTEE
    )


CASES = [
    Case("ratings:list", lambda w: "/ratings/", WITH_ROLES, setup=_computed),
    Case("ratings:cycle", lambda w: f"/ratings/{_pk(w)}/", VILLAGE_A1, setup=_computed),
    Case(
        "ratings:cycle",
        lambda w: f"/ratings/{_pk(w)}/?grade=unrated&party=1&vetoed=1",
        VILLAGE_A1,
        setup=_computed,
    ),
    Case(
        "ratings:open",
        lambda w: "/ratings/open/",
        MANAGERS,
        method="post",
        setup=_cycle,
        data=lambda w: {"village": w.village_a1.pk, "period": "2026", "cut_off": "2026-11-20"},
        effect=_opened,
    ),
    # The district's choice of yearly or quarterly cycles: its district admin only.
    Case(
        "ratings:policy",
        lambda w: "/ratings/policy/",
        {"district_admin"},
        method="post",
        data=lambda w: {"district": w.district.pk, "cadence": "quarter"},
        effect=_policy_set,
    ),
    Case(
        "ratings:compute",
        lambda w: f"/ratings/{_pk(w)}/compute/",
        MANAGERS,
        method="post",
        setup=_cycle,
        effect=_computed_by,
    ),
    Case(
        "ratings:advance",
        lambda w: f"/ratings/{_pk(w)}/advance/",
        MANAGERS,
        method="post",
        setup=_computed,
        data=lambda w: {"to_state": "review"},
        effect=_advanced_by,
    ),
    # Committee review: the village's committee, and (read-only) the admins over it.
    Case(
        "ratings:review",
        lambda w: f"/ratings/{_pk(w)}/review/?near=1&changed=1&grade=5A",
        REVIEWERS,
        setup=_in_review,
    ),
    Case(
        "ratings:adjustments",
        lambda w: f"/ratings/{_pk(w)}/adjustments/",
        REVIEWERS,
        setup=_proposed,
    ),
    Case("ratings:signoff", lambda w: f"/ratings/{_pk(w)}/signoff/", REVIEWERS, setup=_proposed),
    Case(
        "ratings:adjust",
        lambda w: f"/ratings/{_pk(w)}/households/{w.household.pk}/adjust/",
        COMMITTEE,
        setup=_in_review,
    ),
    Case(
        "ratings:adjust",
        lambda w: f"/ratings/{_pk(w)}/households/{w.household.pk}/adjust/",
        COMMITTEE,
        method="post",
        setup=_in_review,
        data=lambda w: {"to_grade": "5A", "reason": "表现突出"},
        effect=_adjustment_proposed,
    ),
    Case(
        "ratings:adjustment_decide",
        lambda w: f"/ratings/adjustments/{_adjustment_pk(w)}/decide/",
        COMMITTEE,
        method="post",
        setup=_proposed,
        data=lambda w: {"confirm": "1"},
        effect=_adjustment_confirmed,
    ),
    Case("ratings:meeting", lambda w: f"/ratings/{_pk(w)}/meeting/", COMMITTEE, setup=_in_review),
    Case(
        "ratings:meeting",
        lambda w: f"/ratings/{_pk(w)}/meeting/",
        COMMITTEE,
        method="post",
        setup=_in_review,
        data=lambda w: {
            "held_on": "2025-12-01",
            "present": [u.pk for k, u in w.users.items() if k in COMMITTEE],
            "decision": "同意",
        },
        effect=_meeting_recorded,
    ),
    Case(
        "ratings:notice", lambda w: f"/ratings/{_pk(w)}/notice/", NOTICE_READERS, setup=_on_notice
    ),
]
