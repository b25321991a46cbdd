"""A household's own credit line (授信): the line in force, its rate and validity,
what happened to it, and its loans (用信: applications with any refusal's reasons,
loans with their schedule and repayments), for the household itself and the credit
union."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.lending import loan_selectors, selectors
from sanxin.lending.choices import LINE_CURRENT
from sanxin.lending.services.loans import line_problem


@require_GET
@requires(Perm.LENDING_VIEW)
def household(request: HttpRequest, pk: int) -> HttpResponse:
    home = request.scope.get_household(pk, Perm.LENDING_VIEW)
    lines = selectors.household_lines(home)
    current = next((ln for ln in lines if ln.status in LINE_CURRENT), None)
    today = timezone.localdate()
    loans = loan_selectors.household_lending(home, today)
    own = any(g.household_id == home.pk for g in request.scope.grants_for(Perm.LENDING_VIEW))
    response = render(
        request,
        "lending/household.html",
        {
            "household": home,
            "current": current,
            "usable": selectors.line_usable(current, today),
            "expired": current is not None and today > current.valid_until,
            "lines": lines,
            "is_own": home.pk in request.scope.own_household_ids(),
            "lending": loans,
            "can_apply": (own or request.scope.covers_household(home, Perm.LENDING_MANAGE))
            and line_problem(current, today) is None
            and loans.open_application is None,
        },
    )
    response["Cache-Control"] = "no-store"
    return response
