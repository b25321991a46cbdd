from django.shortcuts import render
from django.views.decorators.http import require_POST

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households import services


@require_POST
@requires(Perm.VIEW_REGISTRY)
@rates.limited(rates.REVEAL)
def person_reveal_id_view(request, pk: int):
    person = request.scope.get_person(pk)
    full = services.person_reveal_id(
        actor=request.user, person=person, ip_address=request.META.get("REMOTE_ADDR")
    )
    response = render(request, "households/_revealed_id.html", {"person": person, "full": full})
    response["Cache-Control"] = "no-store"
    return response
