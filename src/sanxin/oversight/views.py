from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils.http import urlencode

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.audit.models import AuditEvent

PAGE_SIZE = 50


@requires(Perm.VIEW_AUDIT)
def audit_log(request):
    events = request.scope.filter(AuditEvent.objects, Perm.VIEW_AUDIT)
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(Q(actor_name__contains=actor) | Q(actor__username=actor))
    page = Paginator(events.order_by("-at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/audit_log.html",
        {
            "page": page,
            "action": action,
            "actor": actor,
            "filters": urlencode({"action": action, "actor": actor}),
        },
    )
