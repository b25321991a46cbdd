"""Who may open the leadership dashboards (Perm.DASHBOARD_VIEW: district admin,
department viewer, town admin, committee head and deputy), each over the regions in
their reach: the town admin its town and below, the committee its village; a region
outside the reach, or a villager group, does not exist for them (404); the other roles
are refused (403)."""

from __future__ import annotations

from tests.access_cases import Case

# Everyone holding the permission somewhere lands on their own top region.
DASHBOARD = {
    "district_admin",
    "department_viewer",
    "town_admin",
    "committee_head",
    "committee_deputy",
    "other_district_admin",
    "other_town_admin",
    "neighbour_committee_head",
}
DISTRICT = {"district_admin", "department_viewer"}
TOWN_A = DISTRICT | {"town_admin"}
VILLAGE_A1 = TOWN_A | {"committee_head", "committee_deputy"}


def _cases(name: str, suffix: str) -> list[Case]:
    return [
        Case(name, lambda w: f"/oversight/dashboard/{w.district.pk}/{suffix}", DISTRICT),
        Case(name, lambda w: f"/oversight/dashboard/{w.town_a.pk}/{suffix}", TOWN_A),
        Case(name, lambda w: f"/oversight/dashboard/{w.village_a1.pk}/{suffix}", VILLAGE_A1),
        # a villager group has no dashboard of its own (its figures are its village's rows)
        Case(name, lambda w: f"/oversight/dashboard/{w.group_a1_1.pk}/{suffix}", set()),
    ]


CASES = [
    Case("oversight:dashboard", lambda w: "/oversight/dashboard/", DASHBOARD),
    Case("oversight:dashboard", lambda w: "/oversight/dashboard/?year=2025", DASHBOARD),
    *_cases("oversight:dashboard_region", ""),
    *_cases("oversight:dashboard_export", "export.xlsx"),
]
