"""Party and cadre reserve candidates (政治激励): visible only to the committee, the
town, the district and the organisation department (the department viewer, read
only); the credit officer, the shop clerk, sub-teams and villagers are refused. A
villager's own page shows a candidacy only once the household has been told."""

from tests.access_cases import ALL_USERS, COMMITTEE, Case, member_of_household
from tests.access_cases.effects import audited, succeeded

VIEWERS = COMMITTEE | {"district_admin", "department_viewer", "town_admin"}
# Holders of Perm.CANDIDATES_VIEW elsewhere: their own lists, empty here.
VIEWERS_ELSEWHERE = {"other_district_admin", "other_town_admin", "neighbour_committee_head"}
CONFIRMERS = {"district_admin", "town_admin"}


def _candidate(w, *steps):
    from sanxin.rewards.models import Candidate
    from sanxin.rewards.services import candidates as services

    found = Candidate.objects.filter(household=w.household).first()
    if found is not None:
        return found
    c = services.candidate_nominate(
        actor=w.users["committee_head"],
        person=member_of_household(w),
        kind="party",
        reason="热心公益",
        from_suggestion=False,
    )
    for step in steps:
        if step == "confirm":
            c = services.candidate_confirm(actor=w.users["town_admin"], candidate=c)
        if step == "forward":
            c = services.candidate_forward(actor=w.users["town_admin"], candidate=c)
    return c


def _status(expected, action):
    def check(w, username):
        from sanxin.rewards.models import Candidate

        succeeded(w, username)
        c = Candidate.objects.get(household=w.household)
        assert c.status == expected
        audited(w, username, action, object_id=str(c.pk))

    return check


def _told(w, username):
    from sanxin.rewards.models import Candidate

    succeeded(w, username)
    c = Candidate.objects.get(household=w.household)
    assert c.told_on is not None
    audited(w, username, "candidate.tell", object_id=str(c.pk))


def _nominated(w, username):
    from sanxin.rewards.models import Candidate

    assert w.response.status_code == 302
    c = Candidate.objects.get(household=w.household)
    assert (c.status, c.source, c.nominated_by) == ("nominated", "manual", w.users[username])
    audited(w, username, "candidate.nominate", object_id=str(c.pk))


def _criteria_set(w, username):
    from sanxin.rewards.models import CandidateCriteria

    assert w.response.status_code == 302
    criteria = CandidateCriteria.objects.get(created_by=w.users[username])
    assert criteria.party_max_age == 40
    audited(w, username, "candidate.criteria", object_id=str(criteria.pk))


def _criteria_data(w):
    from django.utils import timezone

    return {
        "effective_from": timezone.localdate().isoformat(),
        "min_grade": "4A",
        "party_min_age": "18",
        "party_max_age": "40",
        "cadre_min_vanguard": "85",
        "cadre_max_age": "",
        "exclude_vetoed": "on",
    }


def _detail(w):
    return f"/shop/candidates/{_candidate(w).pk}/"


CASES = [
    Case("rewards:candidates", lambda w: "/shop/candidates/", VIEWERS | VIEWERS_ELSEWHERE),
    Case("rewards:candidates_mine", lambda w: "/shop/candidates/mine/", set(ALL_USERS)),
    Case(
        "rewards:candidate_criteria",
        lambda w: "/shop/candidates/criteria/",
        VIEWERS | VIEWERS_ELSEWHERE,
    ),
    Case(
        "rewards:candidate_criteria",
        lambda w: "/shop/candidates/criteria/",
        # each district admin sets their own district's criteria
        {"district_admin", "other_district_admin"},
        method="post",
        data=_criteria_data,
        effect=_criteria_set,
    ),
    Case(
        "rewards:candidates_village",
        lambda w: f"/shop/candidates/villages/{w.village_a1.pk}/",
        VIEWERS,
    ),
    Case(
        "rewards:candidate_nominate",
        lambda w: f"/shop/candidates/villages/{w.village_a1.pk}/nominate/",
        COMMITTEE,
        method="post",
        data=lambda w: {
            "kind": "party",
            "household_number": w.household.number,
            "name": member_of_household(w).name,
            "reason": "带头致富",
            "idempotency_key": "access-1",
        },
        effect=_nominated,
    ),
    Case("rewards:candidate", _detail, VIEWERS, setup=_candidate),
    Case(
        "rewards:candidate_confirm",
        lambda w: f"/shop/candidates/{_candidate(w).pk}/confirm/",
        CONFIRMERS,
        method="post",
        setup=_candidate,
        effect=_status("confirmed", "candidate.confirm"),
    ),
    Case(
        "rewards:candidate_forward",
        lambda w: f"/shop/candidates/{_candidate(w).pk}/forward/",
        CONFIRMERS,
        method="post",
        setup=lambda w: _candidate(w, "confirm"),
        effect=_status("forwarded", "candidate.forward"),
    ),
    Case(
        "rewards:candidate_accept",
        lambda w: f"/shop/candidates/{_candidate(w).pk}/accept/",
        {"district_admin"},
        method="post",
        setup=lambda w: _candidate(w, "confirm", "forward"),
        effect=_status("accepted", "candidate.accept"),
    ),
    Case(
        "rewards:candidate_withdraw",
        lambda w: f"/shop/candidates/{_candidate(w).pk}/withdraw/",
        CONFIRMERS | COMMITTEE,
        method="post",
        data=lambda w: {"reason": "本人婉拒"},
        setup=_candidate,
        effect=_status("withdrawn", "candidate.withdraw"),
    ),
    Case(
        "rewards:candidate_tell",
        lambda w: f"/shop/candidates/{_candidate(w).pk}/tell/",
        COMMITTEE,
        method="post",
        setup=_candidate,
        effect=_told,
    ),
]
