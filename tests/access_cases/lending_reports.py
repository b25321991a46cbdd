"""Who may use the lending reports: the totals (district admin, department viewer,
credit officer: Perm.LENDING_TOTALS) and, behind a village, its households' rows (the
credit officer only, Perm.LENDING_VIEW); the validation report (the credit officer:
Perm.LENDING_MANAGE). A region outside the user's reach does not exist for them (404).
`_book` lays down a line and a loan in village A1 so the pages have figures."""

from __future__ import annotations

from datetime import date

from tests.access_cases import Case

TOTALS = {
    "district_admin",
    "department_viewer",
    "credit_officer",
    "other_district_admin",
    "other_credit_officer",
}
# Village A1 lies in the home district's town A.
TOTALS_OF_A1 = {"district_admin", "department_viewer", "credit_officer"}
OFFICERS = {"credit_officer", "other_credit_officer"}


def _book(w):
    from sanxin.lending.models import Loan
    from tests.lending import books

    if Loan.objects.filter(household=w.household).exists():
        return
    line = books.line(w.household, granted_on=date(2025, 11, 4))
    loan = books.loan(line, principal="50000", on=date(2026, 1, 15), term=12)
    books.pay(loan, on=date(2026, 2, 15), amount="100.00")


def _village(w) -> str:
    return f"?region={w.village_a1.pk}&start=2025-11-01&end=2026-10-31"


CASES = [
    Case("lending:reports", lambda w: "/lending/reports/", TOTALS, setup=_book),
    Case(
        "lending:reports",
        lambda w: f"/lending/reports/{_village(w)}",
        TOTALS_OF_A1,
        setup=_book,
    ),
    Case("lending:reports_export", lambda w: "/lending/reports/export.xlsx", TOTALS, setup=_book),
    Case(
        "lending:reports_export",
        lambda w: f"/lending/reports/export.xlsx{_village(w)}",
        TOTALS_OF_A1,
        setup=_book,
    ),
    Case("lending:validation", lambda w: "/lending/validation/", OFFICERS, setup=_book),
    Case(
        "lending:validation",
        lambda w: f"/lending/validation/?region={w.village_a1.pk}",
        {"credit_officer"},
        setup=_book,
    ),
    Case(
        "lending:validation_export",
        lambda w: "/lending/validation/export.xlsx",
        OFFICERS,
        setup=_book,
    ),
]
