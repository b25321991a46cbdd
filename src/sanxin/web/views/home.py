"""The home page: what the user can reach, the open appeals of the villages they
review, and (through web.context_processors.inbox) their own households' grades in
force and latest notifications."""

from django.shortcuts import render

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.ratings.selectors import open_appeals_by_cycle


@requires()
def home(request):
    scope = request.scope
    household_count = scope.households().count() if scope.has(Perm.VIEW_REGISTRY) else 0
    return render(
        request,
        "web/home.html",
        {
            "household_count": household_count,
            "can_change": scope.has(Perm.CHANGE_REGISTRY),
            "can_reveal": scope.has(Perm.REVEAL_ID),
            "open_appeals": open_appeals_by_cycle(scope) if scope.has(Perm.REVIEW_POINTS) else [],
        },
    )
