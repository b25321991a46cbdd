"""What every page may show about the user's own households: the unread
notifications (the badge on the 通知 link) and, on the home page, the latest
notifications (the grades are the home view's: web/views/home.own_households).
Everything is computed on first use only, so pages that do not show it run no query
for it."""

from __future__ import annotations

from functools import cached_property

from sanxin.accounts.scope import scope_for
from sanxin.notifications.selectors import notifications_for, unread_count

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


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox": Inbox(scope_for(user))}
