"""Reads for notifications: a user sees those addressed to their own households."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from sanxin.accounts.scope import Scope
from sanxin.notifications.models import Notification, NotificationRead


def notifications_for(scope: Scope) -> QuerySet[Notification]:
    """The user's notifications, newest first, each annotated with `is_read`."""
    ids = scope.own_household_ids()
    if not ids or scope.user is None:
        return Notification.objects.none()
    read = NotificationRead.objects.filter(notification=OuterRef("pk"), user=scope.user)
    return (
        Notification.objects.filter(household_id__in=ids)
        .annotate(is_read=Exists(read))
        .order_by("-created_at", "-id")
    )


def unread_count(scope: Scope) -> int:
    # django-stubs does not see the `is_read` annotation of notifications_for.
    return notifications_for(scope).filter(is_read=False).count()  # type: ignore[misc]
