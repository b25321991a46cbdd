from tests.access_cases import (
    ALL_USERS,
    INSIDERS_OF_HOUSEHOLD,
    WITH_ROLES,
    Case,
    member_of_household,
)

CASES = [
    Case("home", lambda w: "/", set(ALL_USERS)),
    Case("households:list", lambda w: "/households/", WITH_ROLES),
    Case("households:detail", lambda w: f"/households/{w.household.pk}/", INSIDERS_OF_HOUSEHOLD),
    Case(
        "households:reveal_id",
        lambda w: f"/households/people/{member_of_household(w).pk}/reveal-id/",
        {"district_admin", "credit_officer", "town_admin", "committee_head"},
        method="post",
    ),
    Case(
        "oversight:audit_log",
        lambda w: "/oversight/audit/",
        {"district_admin", "other_district_admin"},
    ),
]
