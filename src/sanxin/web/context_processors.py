"""What every page may show about the user's own households: the unread
notifications (the badge on the 通知 link) and, on the home page, the grade in
force and the latest notifications. Everything is computed on first use only, so
pages that do not show it run no query for it."""

from __future__ import annotations

from functools import cached_property

from sanxin.accounts.scope import scope_for
from sanxin.households.models import Household
from sanxin.notifications.selectors import notifications_for, unread_count
from sanxin.ratings.standing import grades_in_force, is_expired
from sanxin.rules.scheme import GRADE_LABELS

LATEST = 3


class Inbox:
    def __init__(self, scope):
        self.scope = scope

    @cached_property
    def household_ids(self) -> set[int]:
        return self.scope.own_household_ids()

    @cached_property
    def has_households(self) -> bool:
        return bool(self.household_ids)

    @cached_property
    def unread(self) -> int:
        return unread_count(self.scope) if self.household_ids else 0

    @cached_property
    def latest(self) -> list:
        return list(notifications_for(self.scope)[:LATEST]) if self.household_ids else []

    @cached_property
    def standings(self) -> list[dict]:
        """[{household, record (None before the first final cycle), label, expired}]
        for each own household. Two queries."""
        if not self.household_ids:
            return []
        households = list(
            Household.objects.filter(pk__in=self.household_ids)
            .select_related("village")
            .order_by("pk")
        )
        latest = grades_in_force(self.household_ids)
        result = []
        for household in households:
            record = latest.get(household.pk)
            result.append(
                {
                    "household": household,
                    "record": record,
                    "label": GRADE_LABELS.get(record.grade, record.grade) if record else "",
                    "expired": record is not None and is_expired(record),
                }
            )
        return result


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox": Inbox(scope_for(user))}
