from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.ratings.selectors import open_appeals_by_cycle


@requires()
def home(request):
    scope = request.scope
    household_count = scope.households().count() if scope.has(Perm.VIEW_REGISTRY) else 0
    return render(
        request,
        "home.html",
        {
            "household_count": household_count,
            "can_change": scope.has(Perm.CHANGE_REGISTRY),
            "can_reveal": scope.has(Perm.REVEAL_ID),
            "open_appeals": open_appeals_by_cycle(scope) if scope.has(Perm.REVIEW_POINTS) else [],
        },
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")
