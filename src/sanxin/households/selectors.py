"""Reads for households and people. Callers pass the scoped queryset."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from sanxin.households.models import Household, Person
from sanxin.lib import crypto, idcard


def household_search(
    households: QuerySet[Household], query: str, *, by_id_in: QuerySet[Household] | None = None
) -> QuerySet[Household]:
    """Search by member name or 户号; and, among the households `by_id_in` (those where
    the user may see full ID numbers: pass `scope.households(Perm.REVEAL_ID)`), by a
    full ID number or its last four characters, both through keyed indexes.

    Anyone else could use ID search as an oracle (try the 100 possible endings of a
    masked number, or each candidate number) and rebuild a number they may not see,
    so for them digits match household numbers only."""
    query = idcard.normalise(query or "").strip()
    if not query:
        return households
    people = Person.objects.filter(active=True)
    if by_id_in is not None:
        people_by_id = people.filter(household__in=by_id_in)
        if re.fullmatch(r"\d{17}[\dX]", query):
            matches = people_by_id.filter(id_number_hash__in=crypto.blind_indexes(query))
            return households.filter(pk__in=matches.values("household_id"))
    condition = Q(number=query) | Q(number__endswith=query) if query.isdigit() else Q(number=query)
    if by_id_in is not None and re.fullmatch(r"\d{3}[\dX]", query):
        index = crypto.blind_indexes(query, crypto.LAST_DIGITS)
        condition |= Q(
            pk__in=people_by_id.filter(id_last_digits_index__in=index).values("household_id")
        )
    condition |= Q(pk__in=people.filter(name__contains=query).values("household_id"))
    return households.filter(condition)


def household_members(household: Household) -> QuerySet[Person]:
    return household.members.filter(active=True).order_by("-is_head", "id")


def members_by_age(household: Household) -> list[Person]:
    """The active members, head first, then eldest first (birth dates are read from
    the encrypted ID numbers, so the ordering happens here, not in the database)."""
    return sorted(household_members(household), key=lambda p: (not p.is_head, p.birth_date, p.pk))
