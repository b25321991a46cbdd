"""The user's in-product notifications (站内通知): those addressed to their own
households, newest first. Viewing a page marks its notifications read."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from sanxin.accounts.decorators import requires
from sanxin.notifications.selectors import notifications_for
from sanxin.notifications.services import notifications_mark_read

PAGE_SIZE = 20


@requires()
def notification_list(request):
    scope = request.scope
    page = Paginator(notifications_for(scope), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)  # `is_read` as it was before this visit
    unread = [n for n in shown if not n.is_read]
    if unread:
        notifications_mark_read(user=request.user, notifications=unread)
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "notifications": shown,
            "has_households": bool(scope.own_household_ids()),
        },
    )
