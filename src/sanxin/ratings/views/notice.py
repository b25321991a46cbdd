"""The public notice (公示) page of a rating cycle, for everyone of the village
(villagers included) once the cycle is on notice or final, and its A4 PDF for
posting on the village notice board."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Cycle
from sanxin.ratings.notice import grade_summary, notice_entries, notice_rows, notice_search
from sanxin.ratings.pdf import NoticeDoc
from sanxin.ratings.pdf import notice_pdf as build_notice_pdf

VISIBLE_STATES = (CycleState.NOTICE, CycleState.FINAL)


def _notice_cycle(request, pk) -> Cycle:
    """The cycle if its notice is visible to the user, else 404. Everyone of the
    village: whoever's scope holds the village, or a villager group of it (sub-team
    members, villagers)."""
    regions = request.scope.regions()
    cycle = (
        Cycle.objects.filter(
            Q(village__in=regions) | Q(village__in=regions.values("parent_id")),
            pk=pk,
            state__in=VISIBLE_STATES,
        )
        .select_related("village__parent")
        .first()
    )
    if cycle is None:
        raise Http404
    return cycle


NOTICE_PAGE_SIZE = 50


@require_GET
@requires(Perm.VIEW_REGISTRY)
def notice(request, pk):
    """The notice page: the grade summary of the whole village, a search by 户号 or
    the head's name (server-side, one step) and the rows 50 to a page."""
    cycle = _notice_cycle(request, pk)
    rows = notice_entries(cycle)
    query = request.GET.get("q", "").strip()[:30]
    found = notice_search(rows, query)
    page = Paginator(found, NOTICE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ratings/notice.html",
        {
            "cycle": cycle,
            "summary": grade_summary(rows),
            "total": len(rows),
            "query": query,
            "found": len(found),
            "page": page,
            "rows": page.object_list,
            "page_query": urlencode({"q": query}) if query else "",
        },
    )


@require_GET
@requires(Perm.VIEW_REGISTRY)
@rates.limited(rates.EXPORT)
def notice_pdf(request, pk):
    cycle = _notice_cycle(request, pk)
    village = cycle.village
    title = _("%(village)s %(period)s农户信用等级评定结果公示") % {
        "village": village.name,
        "period": cycle.period_label,
    }
    doc = NoticeDoc(
        village_name=village.name,
        town_name=village.parent.name if village.parent_id else "",
        period=cycle.period_label,
        title=title,
        starts_on=cycle.notice_starts_on,
        ends_on=cycle.notice_ends_on,
        rows=notice_rows(cycle),
        url=request.build_absolute_uri(reverse("ratings:notice", args=[cycle.pk])),
        issued_by=_("%(village)s评信团") % {"village": village.name},
    )
    response = HttpResponse(build_notice_pdf(doc), content_type="application/pdf")
    filename = _("公示-%(village)s-%(period)s.pdf") % {
        "village": village.name,
        "period": cycle.period,
    }
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response
