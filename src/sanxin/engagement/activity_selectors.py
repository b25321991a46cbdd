"""Reads of village activities through the user's scope.

A user reaches the activities of the villages under their grants of
`Perm.ENGAGE_VIEW` and of the village their group or household belongs to (see
`_reach`)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from sanxin.accounts.scope import Perm, Scope
from sanxin.engagement.models import Activity, CheckIn, SignUp
from sanxin.households.models import Person
from sanxin.regions.models import Region

PICK_LIMIT = 50  # people found by a search on the check-in list


def _reach(scope: Scope) -> Q:
    """Activities of the villages under the user's grants of `Perm.ENGAGE_VIEW`, and
    of the village above a grant lower than a village: a sub-team's villager group, a
    villager's household (`Activity.SCOPE_PATH` is the village's path, which a
    deeper grant's path never prefixes), and the village of the person the login
    belongs to."""
    condition = Q(pk__in=[])
    for grant in scope.grants_for(Perm.ENGAGE_VIEW):
        if grant.region_path:
            condition |= Q(village__path__startswith=grant.region_path)
        path = grant.region_path or grant.household_group_path
        if path:
            condition |= Q(village_id__in=Region.ids_in_path(path))
    person = getattr(scope.user, "person", None)
    if person is not None and person.active:
        condition |= Q(village_id=person.household.village_id)
    return condition


def activities(scope: Scope) -> QuerySet[Activity]:
    """Every activity the user may see."""
    return Activity.objects.filter(_reach(scope)).select_related("village", "group")


def activity_or_404(scope: Scope, pk) -> Activity:
    found = activities(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def with_counts(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    return queryset.annotate(
        signed_up=Count("signups", filter=Q(signups__cancelled_at__isnull=True), distinct=True),
        checked_in=Count("checkins", distinct=True),
    )


def upcoming(scope: Scope, now: datetime) -> QuerySet[Activity]:
    """Activities not yet over and not cancelled, soonest first."""
    return with_counts(
        activities(scope).filter(ends_at__gte=now, cancelled_at__isnull=True)
    ).order_by("starts_at", "id")


def past(scope: Scope, now: datetime) -> QuerySet[Activity]:
    return with_counts(activities(scope).filter(Q(ends_at__lt=now) | Q(cancelled_at__isnull=False)))


def own_signups(scope: Scope) -> QuerySet[SignUp]:
    """The sign-ups of the user's own households' members, live ones."""
    return (
        SignUp.objects.filter(household_id__in=scope.own_household_ids(), cancelled_at__isnull=True)
        .select_related("activity", "person")
        .order_by("-activity__starts_at", "id")
    )


def own_checkins(scope: Scope) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.filter(household_id__in=scope.own_household_ids())
        .select_related("activity", "person", "entry__review")
        .order_by("-checked_in_at", "id")
    )


def own_members(scope: Scope, activity: Activity) -> list[Person]:
    """The active members of the user's own households in the activity's village
    (whom a villager may sign up)."""
    return list(
        Person.objects.filter(
            household_id__in=scope.own_household_ids(),
            household__village_id=activity.village_id,
            active=True,
        )
        .select_related("household")
        .order_by("household__number", "-is_head", "id")
    )


def signups(activity: Activity) -> QuerySet[SignUp]:
    return (
        activity.signups.filter(cancelled_at__isnull=True)
        .select_related("person", "household")
        .order_by("household__number", "person_id")
    )


def checkins(activity: Activity) -> QuerySet[CheckIn]:
    return activity.checkins.select_related(
        "person", "household", "checked_in_by", "entry__review"
    ).order_by("household__number", "person_id")


def no_shows(activity: Activity) -> QuerySet[SignUp]:
    """Sign-ups who did not check in."""
    return signups(activity).exclude(
        person_id__in=CheckIn.objects.filter(activity=activity).values("person_id")
    )


def list_people(activity: Activity, query: str = "") -> tuple[list[Person], list[Person]]:
    """The organiser's check-in list: the sign-ups first, then the village's other
    members found by name or household number (at most PICK_LIMIT)."""
    signed = list(
        Person.objects.filter(
            pk__in=signups(activity).values("person_id"),
        )
        .select_related("household")
        .order_by("household__number", "id")
    )
    others: list[Person] = []
    query = query.strip()
    if query:
        others = list(
            Person.objects.filter(household__village_id=activity.village_id, active=True)
            .filter(Q(name__contains=query) | Q(household__number=query))
            .exclude(pk__in=[p.pk for p in signed])
            .select_related("household")
            .order_by("household__number", "id")[:PICK_LIMIT]
        )
    return signed, others


def checked_in_ids(activity: Activity) -> set[int]:
    return set(CheckIn.objects.filter(activity=activity).values_list("person_id", flat=True))
