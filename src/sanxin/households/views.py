from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households import selectors, services
from sanxin.ledger.selectors import household_grade
from sanxin.ratings.standing import grade_in_force, is_expired
from sanxin.regions.models import Level
from sanxin.rules.scheme import GRADE_LABELS

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


@requires(Perm.VIEW_REGISTRY)
def household_detail(request, pk: int):
    scope = request.scope
    household = scope.get_household(pk)
    members = selectors.members_by_age(household)
    record = grade_in_force(household)
    return render(
        request,
        "households/detail.html",
        {
            "household": household,
            "members": members,
            "can_change": scope.covers_household(household, Perm.CHANGE_REGISTRY),
            "grade": household_grade(household, timezone.localdate()),
            "standing": record,
            "standing_label": GRADE_LABELS.get(record.grade, record.grade) if record else "",
            "standing_expired": record is not None and is_expired(record),
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
