"""Who may use the period report (Perm.REPORT_VIEW: district admin, department viewer,
town admin, each over their own region) and the big screen (Perm.BIG_SCREEN: district
admin, department viewer and the display account, over their district). A region
outside the user's reach does not exist for them (404); the display account opens
nothing but the screen."""

from __future__ import annotations

from tests.access_cases import Case

REPORT = {
    "district_admin",
    "department_viewer",
    "town_admin",
    "other_district_admin",
    "other_town_admin",
}
# Town A lies in the home district: its admin, and the district's own readers.
REPORT_OF_TOWN_A = {"district_admin", "department_viewer", "town_admin"}
REPORT_OF_DISTRICT = {"district_admin", "department_viewer"}
SCREEN = {"district_admin", "department_viewer", "display", "other_district_admin"}

PERIOD = "start=2026-01-01&end=2026-06-30"


def _town_a(w) -> str:
    return f"?region={w.town_a.pk}&{PERIOD}"


def _district(w) -> str:
    return f"?region={w.district.pk}&{PERIOD}"


CASES = [
    Case("oversight:report", lambda w: "/oversight/report/", REPORT),
    Case("oversight:report", lambda w: f"/oversight/report/{_town_a(w)}", REPORT_OF_TOWN_A),
    Case("oversight:report", lambda w: f"/oversight/report/{_district(w)}", REPORT_OF_DISTRICT),
    Case("oversight:report_pdf", lambda w: "/oversight/report/report.pdf", REPORT),
    Case(
        "oversight:report_pdf",
        lambda w: f"/oversight/report/report.pdf{_town_a(w)}",
        REPORT_OF_TOWN_A,
    ),
    Case("oversight:report_xlsx", lambda w: "/oversight/report/report.xlsx", REPORT),
    Case(
        "oversight:report_xlsx",
        lambda w: f"/oversight/report/report.xlsx{_district(w)}",
        REPORT_OF_DISTRICT,
    ),
    Case("oversight:screen", lambda w: "/oversight/screen/", SCREEN),
    Case("oversight:screen_data", lambda w: "/oversight/screen/data.json", SCREEN),
]
