"""Who may use the 评定周期 screens. `_cycle` installs the scheme and opens village
A1's 2025 cycle; `_computed` also computes it (as the system)."""

from __future__ import annotations

from datetime import date

from tests.access_cases import COMMITTEE, INSIDERS_OF_HOUSEHOLD, WITH_ROLES, Case

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
    from sanxin.ratings.services import cycle_compute

    cycle = _cycle(w)
    if cycle.current_run == 0:
        cycle_compute(actor=None, cycle=cycle)


def _in_review(w):
    from sanxin.ratings.models import CycleState
    from sanxin.ratings.services import cycle_advance

    _computed(w)
    cycle = _cycle(w)
    if cycle.state == CycleState.COMPUTED:
        cycle_advance(actor=None, cycle=cycle, to_state=CycleState.REVIEW)


def _proposed(w):
    from sanxin.ratings.models import Adjustment
    from sanxin.ratings.review import adjustment_propose

    _in_review(w)
    if not Adjustment.objects.exists():
        adjustment_propose(
            actor=w.users["committee_head"],
            cycle=_cycle(w),
            household=w.household,
            to_grade="5A",
            reason="测试调整",
        )


def _on_notice(w):
    from sanxin.ratings.models import CycleState, ReviewMeeting
    from sanxin.ratings.review import review_close
    from sanxin.ratings.services import cycle_advance

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
    ),
    # The district's choice of yearly or quarterly cycles: its district admin only.
    Case(
        "ratings:policy",
        lambda w: "/ratings/policy/",
        {"district_admin"},
        method="post",
        data=lambda w: {"district": w.district.pk, "cadence": "year"},
    ),
    Case(
        "ratings:compute",
        lambda w: f"/ratings/{_pk(w)}/compute/",
        MANAGERS,
        method="post",
        setup=_cycle,
    ),
    Case(
        "ratings:advance",
        lambda w: f"/ratings/{_pk(w)}/advance/",
        MANAGERS,
        method="post",
        setup=_computed,
        data=lambda w: {"to_state": "review"},
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
    ),
    Case(
        "ratings:adjustment_decide",
        lambda w: f"/ratings/adjustments/{_adjustment_pk(w)}/decide/",
        COMMITTEE,
        method="post",
        setup=_proposed,
        data=lambda w: {"confirm": "1"},
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
    ),
    Case(
        "ratings:notice", lambda w: f"/ratings/{_pk(w)}/notice/", NOTICE_READERS, setup=_on_notice
    ),
]
