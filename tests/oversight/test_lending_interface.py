"""The dashboard and the credit union's department page read the lending reports through
their region-and-permission interface (`worth_report(regions, root, period, perm=...)`,
`validation_loans(regions, as_of, perm=...)`), no longer through stand-in scopes. The
figures are the same as before: the stand-ins were a district-admin grant over the region
shown (the dashboard) and every loan under the district (the department page), which is
what a real user holding those grants reads through their own scope. Compared here on
the demo-like data of tests/oversight/dash_world.py, for every region and both reports."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from sanxin.accounts.choices import Role
from sanxin.accounts.scope import Perm, scope_for
from sanxin.lending.report_selectors import (
    Period as LendingPeriod,
)
from sanxin.lending.report_selectors import (
    cycle_order,
    validation_loans,
    validation_loans_for,
    worth_report,
    worth_report_for,
)
from sanxin.lending.validation import validation_report
from sanxin.oversight.departments import credit_summary
from sanxin.oversight.figures import Period, dashboard
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from tests.factories import make_user
from tests.oversight.dash_world import PERIOD_END, PERIOD_START, add_villages, populate

PERIOD = Period(PERIOD_START, PERIOD_END)


@pytest.fixture
def district(world, scheme):
    add_villages(world, towns=2, villages=2, households=5)
    populate(world, world.users)
    return world


def test_the_dashboards_lending_figures_are_unchanged_in_every_region(district):
    w = district
    admin = scope_for(w.users["district_admin"])
    regions = Region.objects.filter(
        path__startswith=w.district.path, level__in=[Level.DISTRICT, Level.TOWN, Level.VILLAGE]
    )
    seen_loans = 0
    for region in regions:
        board = dashboard(region, PERIOD, with_lending=True)
        before = worth_report_for(admin, region, LendingPeriod(PERIOD_START, PERIOD_END))
        if region.level == Level.VILLAGE:
            assert board.total.lending == before.total, region.name
            continue
        assert board.total.lending == before.total, region.name
        for row, report_row in zip(board.rows, before.rows, strict=True):
            assert row.figures.lending == report_row.totals, (region.name, row.region)
        seen_loans += board.total.lending.loans
    assert seen_loans > 0


def test_the_credit_union_pages_validation_is_unchanged(district):
    w = district
    today = date(2026, 6, 30)
    # Before: every loan of the district, as a credit officer bound to the district reads it.
    officer = make_user("district_officer", Role.CREDIT_OFFICER, region=w.district)
    outcomes = validation_loans_for(scope_for(officer), w.district, today)
    before = validation_report(outcomes, cycle_order=cycle_order(outcomes))
    summary = credit_summary(scope_for(w.users["district_admin"]), w.district, today)
    assert summary.validation == before
    assert summary.validation.overall.loans > 0
    assert (
        summary.worth.total
        == worth_report_for(
            scope_for(w.users["district_admin"]), w.district, LendingPeriod.year_to(today)
        ).total
    )


def test_the_interface_refuses_a_permission_that_does_not_allow_aggregates(district):
    w = district
    period = LendingPeriod(PERIOD_START, PERIOD_END)
    with pytest.raises(ValueError, match="aggregated"):
        worth_report([w.district], w.district, period, perm=Perm.LENDING_VIEW)
    with pytest.raises(ValueError, match="aggregated"):
        validation_loans([w.district], PERIOD_END, perm=Perm.ENGAGE_VIEW)
    assert worth_report([], None, period, perm=Perm.LENDING_TOTALS).total.loans == 0
    # The department page checks the permission itself now that no stand-in scope does.
    with pytest.raises(PermissionDenied):
        credit_summary(scope_for(w.users["town_admin"]), w.district, PERIOD_END)
