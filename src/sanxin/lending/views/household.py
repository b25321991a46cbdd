"""A household's own credit line (授信): the line in force, its rate and validity,
what happened to it, for the household itself and the credit union."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.lending import selectors
from sanxin.lending.choices import LINE_CURRENT


@require_GET
@requires(Perm.LENDING_VIEW)
def household(request: HttpRequest, pk: int) -> HttpResponse:
    home = request.scope.get_household(pk, Perm.LENDING_VIEW)
    lines = selectors.household_lines(home)
    current = next((ln for ln in lines if ln.status in LINE_CURRENT), None)
    today = timezone.localdate()
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
        },
    )
    response["Cache-Control"] = "no-store"
    return response
