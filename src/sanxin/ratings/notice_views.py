"""The public notice (公示) page of a rating cycle, for everyone of the village
(villagers included) once the cycle is on notice or final."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.shortcuts import render

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.ratings.models import Cycle, CycleState
from sanxin.ratings.notice import notice_rows

VISIBLE_STATES = (CycleState.NOTICE, CycleState.FINAL)


@requires(Perm.VIEW_REGISTRY)
def notice(request, pk):
    # Everyone of the village: whoever's scope holds the village, or a villager group
    # of it (sub-team members).
    regions = request.scope.regions()
    cycle = (
        Cycle.objects.filter(Q(village__in=regions) | Q(village__in=regions.values("parent_id")), pk=pk, state__in=VISIBLE_STATES)
        .select_related("village").first()
    )
    if cycle is None:
        raise Http404
    return render(request, "ratings/notice.html", {"cycle": cycle, "rows": notice_rows(cycle)})
def notice_pdf(request, pk): raise NotImplementedError
