"""我的信息 (PIPL): a household's own data, its copies, corrections and consent are
the household's alone (any other user: 404, the household does not exist for them);
the committee of the village (and the town and district) answers corrections."""

from sanxin.households.models import Consent, Person
from sanxin.privacy.models import CorrectionRequest
from tests.access_cases import ALL_USERS, Case
from tests.access_cases.effects import audited, succeeded

CHANGE_REGISTRY = {
    "district_admin",
    "town_admin",
    "committee_head",
    "committee_deputy",
    "other_district_admin",
    "other_town_admin",
    "neighbour_committee_head",
}
ANSWER = {"district_admin", "town_admin", "committee_head", "committee_deputy"}


def _head(w) -> Person:
    return Person.objects.get(household=w.household, is_head=True)


def _request(w) -> CorrectionRequest:
    if not hasattr(w, "correction"):
        from sanxin.privacy.services import correction_file

        w.correction = correction_file(
            actor=w.users["villager"],
            household=w.household,
            field="phone",
            person=_head(w),
            requested_value="13912345678",
        )
    return w.correction


def _filed(w, username):
    succeeded(w, username)
    request = CorrectionRequest.objects.get(filed_by=w.users[username])
    assert request.requested_value == "13700000000" and request.status == "pending"
    audited(w, username, "privacy.correction_file")


def _consented(w, username):
    succeeded(w, username)
    assert Consent.objects.get(recorded_by=w.users[username]).given is True


def _answered(w, username):
    request = CorrectionRequest.objects.get(pk=w.correction.pk)
    assert request.status == "accepted" and request.answered_by == w.users[username]
    assert _head(w).phone == "13912345678"
    audited(w, username, "privacy.correction_answer")


CASES = [
    Case("mydata:index", lambda w: "/my/", set(ALL_USERS)),
    Case("mydata:privacy", lambda w: "/my/privacy/", set(ALL_USERS), public=True),
    Case("mydata:household", lambda w: f"/my/{w.household.pk}/", {"villager"}),
    Case("mydata:json", lambda w: f"/my/{w.household.pk}/copy.json", {"villager"}),
    Case("mydata:pdf", lambda w: f"/my/{w.household.pk}/copy.pdf", {"villager"}),
    Case("mydata:correction_new", lambda w: f"/my/{w.household.pk}/correction/", {"villager"}),
    Case(
        "mydata:correction_new",
        lambda w: f"/my/{w.household.pk}/correction/",
        {"villager"},
        method="post",
        data=lambda w: {"field": "phone", "person": _head(w).pk, "requested_value": "13700000000"},
        effect=_filed,
    ),
    Case(
        "mydata:consent",
        lambda w: f"/my/{w.household.pk}/consent/",
        {"villager"},
        method="post",
        data=lambda w: {"purpose": "photos", "given": "1"},
        effect=_consented,
    ),
    Case("mydata:corrections", lambda w: "/my/corrections/", CHANGE_REGISTRY),
    Case(
        "mydata:correction_answer",
        lambda w: f"/my/corrections/{_request(w).pk}/",
        ANSWER,
    ),
    Case(
        "mydata:correction_answer",
        lambda w: f"/my/corrections/{_request(w).pk}/",
        ANSWER,
        method="post",
        data=lambda w: {"decision": "accept", "value": "13912345678", "answer": ""},
        effect=_answered,
    ),
]
