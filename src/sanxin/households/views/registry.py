from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households import selectors, services
from sanxin.regions.choices import Level

PAGE_SIZE = 30


@requires(Perm.VIEW_REGISTRY)
def household_list(request):
    scope = request.scope
    households = scope.households().select_related("villager_group", "village")
    groups = scope.regions().filter(level=Level.GROUP).select_related("parent").order_by("path")
    group_id = request.GET.get("group", "")
    if group_id.isdigit():
        households = households.filter(villager_group_id=int(group_id))
    query = request.GET.get("q", "").strip()
    households = selectors.household_search(
        households, query, by_id_in=scope.households(Perm.REVEAL_ID)
    ).order_by("village_id", "number", "id")
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "households/list.html",
        {
            "page": page,
            "q": query,
            "groups": groups,
            "group_id": group_id,
            "can_change": scope.has(Perm.CHANGE_REGISTRY),
            "id_search": scope.has(Perm.REVEAL_ID),
            "filters": urlencode({"q": query, "group": group_id}),
        },
    )


@require_POST
@requires(Perm.VIEW_REGISTRY)
def person_reveal_id_view(request, pk: int):
    person = request.scope.get_person(pk)
    full = services.person_reveal_id(
        actor=request.user, person=person, ip_address=request.META.get("REMOTE_ADDR")
    )
    response = render(request, "households/_revealed_id.html", {"person": person, "full": full})
    response["Cache-Control"] = "no-store"
    return response
