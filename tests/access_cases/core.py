from tests.access_cases import (
    ALL_USERS,
    INSIDERS_OF_HOUSEHOLD,
    WITH_ROLES,
    Case,
    member_of_household,
)
from tests.access_cases.effects import audited


def _revealed(w, username):
    person = member_of_household(w)
    audited(w, username, "person.reveal_id", object_id=str(person.pk))
    assert person.reveal_id_number() in w.response.content.decode()


CASES = [
    Case("home", lambda w: "/", set(ALL_USERS)),
    Case("households:list", lambda w: "/households/", WITH_ROLES),
    Case("households:export", lambda w: "/households/export.xlsx", WITH_ROLES),
    Case("households:detail", lambda w: f"/households/{w.household.pk}/", INSIDERS_OF_HOUSEHOLD),
    Case(
        "households:reveal_id",
        lambda w: f"/households/people/{member_of_household(w).pk}/reveal-id/",
        {"district_admin", "credit_officer", "town_admin", "committee_head", "committee_deputy"},
        method="post",
        effect=_revealed,
    ),
    Case(
        "oversight:audit_log",
        lambda w: "/oversight/audit/",
        {"district_admin", "other_district_admin"},
    ),
    Case(
        "oversight:audit_export",
        lambda w: "/oversight/audit/export/",
        {"district_admin", "other_district_admin"},
    ),
]
