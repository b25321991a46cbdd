"""Reads for households and people. Callers pass the scoped queryset."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from sanxin.households.models import Household, Person
from sanxin.lib import crypto, idcard


def household_search(households: QuerySet[Household], query: str) -> QuerySet[Household]:
    """Search by member name, 户号, the last digits of an ID number, or a full ID number."""
    query = idcard.normalise(query or "").strip()
    if not query:
        return households
    people = Person.objects.filter(active=True)
    if re.fullmatch(r"\d{17}[\dX]", query):
        matches = people.filter(id_number_hash=crypto.blind_index(query))
        return households.filter(pk__in=matches.values("household_id"))
    condition = Q(number=query) | Q(number__endswith=query) if query.isdigit() else Q(number=query)
    if re.fullmatch(r"\d{1,3}[\dX]", query):
        condition |= Q(
            pk__in=people.filter(id_number_masked__endswith=query).values("household_id")
        )
    condition |= Q(pk__in=people.filter(name__contains=query).values("household_id"))
    return households.filter(condition)


def household_members(household: Household) -> QuerySet[Person]:
    return household.members.filter(active=True).order_by("-is_head", "birth_date", "id")
