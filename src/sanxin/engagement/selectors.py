"""Reads of 全民争信 through the user's scope.

A selection belongs to a village or a town: a user sees those inside the regions they
reach and those of the town (and village) above them — a villager the selections of
their village and of its town."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from sanxin.accounts.scope import Perm, Scope
from sanxin.engagement.choices import NominationState, SelectionState
from sanxin.engagement.models import Honour, Nomination, Selection
from sanxin.ratings.notice import mask_name
from sanxin.regions.choices import Level
from sanxin.regions.models import Region


def _reach(scope: Scope, perm: Perm) -> Q | None:
    condition: Q | None = None
    for grant in scope.grants_for(perm):
        path = grant.region_path or grant.household_group_path
        if not path:
            continue
        part = Q(region_id__in=Region.ids_in_path(path))
        if grant.region_path:
            part |= Q(region__path__startswith=grant.region_path)
        condition = part if condition is None else condition | part
    return condition


def selections(scope: Scope, perm: Perm = Perm.ENGAGE_VIEW) -> QuerySet[Selection]:
    condition = _reach(scope, perm)
    if condition is None:
        return Selection.objects.none()
    return Selection.objects.filter(condition).select_related("honour_type", "region")


def villages(scope: Scope, perm: Perm = Perm.ENGAGE_VIEW) -> QuerySet[Region]:
    """The villages whose board and honour roll the user sees: those inside their
    regions and the village their group (or household) belongs to."""
    ancestors: set[int] = set()
    below = Q(pk__in=[])
    for grant in scope.grants_for(perm):
        path = grant.region_path or grant.household_group_path
        if path:
            ancestors.update(Region.ids_in_path(path))
        if grant.region_path:
            below |= Q(path__startswith=grant.region_path)
    return Region.objects.filter(Q(pk__in=ancestors) | below, level=Level.VILLAGE)


def selection_or_404(scope: Scope, pk) -> Selection:
    try:
        found = selections(scope).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404
    return found


def manages(scope: Scope, selection: Selection) -> bool:
    return scope.covers_region(selection.region, Perm.ENGAGE_MANAGE)


def nominations_shown(scope: Scope, selection: Selection, user) -> QuerySet[Nomination]:
    """The nominations of the selection the user is shown: all to those who run
    it; to others, their own and their household's, and after the count the elected."""
    qs = selection.nominations.select_related(
        "household__villager_group", "person", "nominated_by", "checked_by"
    ).order_by("-votes", "id")
    if manages(scope, selection):
        return qs
    shown = Q(nominated_by=user) | Q(household_id__in=scope.own_household_ids())
    if selection.state in (SelectionState.NOTICE, SelectionState.AWARDED):
        shown |= Q(state=NominationState.ELECTED)
    return qs.filter(shown)


def nominee_name(nomination: Nomination | Honour, *, masked: bool = True) -> str:
    """The nominee as shown: the person, or for a household honour its head."""
    name = nomination.person.name if nomination.person else nomination.household.head_name
    return mask_name(name) if masked else name


def honours_of_household(household_id: int) -> list[Honour]:
    """The household's honours that stand (not withdrawn), newest first."""
    return list(
        Honour.objects.filter(household_id=household_id, withdrawal__isnull=True)
        .select_related("honour_type", "selection__region")
        .order_by("-year", "-id")
    )


def honour_roll(village: Region) -> list[Honour]:
    """The village's honour roll (光荣榜): standing honours of its households."""
    return list(
        Honour.objects.filter(household__village=village, withdrawal__isnull=True)
        .select_related("honour_type", "household", "person", "selection__region")
        .order_by("-year", "honour_type_id", "household__number", "id")
    )
