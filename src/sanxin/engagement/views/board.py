"""The village board (村务公开): one page per village for its villagers and the staff
in scope — honour roll, upcoming activities, adopted suggestions, contributions per
project, what is on public notice — and the same as an A4 poster (PDF)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.engagement import board as reads
from sanxin.engagement.poster import board_poster_pdf


@require_GET
@requires(Perm.ENGAGE_VIEW)
def my_board(request):
    """The board of the user's village: a villager's own, or the one village a
    committee or sub-team reaches; otherwise the list of villages to choose from."""
    villages = list(reads.villages(request.scope).order_by("path")[:201])
    if len(villages) == 1:
        return redirect("engagement:board", villages[0].pk)
    if not villages:
        raise Http404
    return render(request, "engagement/village/choose.html", {"villages": villages[:200]})


@require_GET
@requires(Perm.ENGAGE_VIEW)
def board(request, village_id: int):
    village = reads.village_or_404(request.scope, village_id)
    today = timezone.localdate()
    data = reads.board_of(village, today, own=request.scope.own_household_ids())
    staff = reads.is_staff_of(request.scope, village)
    return render(
        request,
        "engagement/village/board.html",
        {
            "village": village,
            "board": data,
            "today": today,
            "adopted": [
                {
                    "s": s,
                    "author": reads.shown_author(
                        request.scope, s, staff=staff, publication=data.publication
                    ),
                }
                for s in data.adopted
            ],
            "can_suggest": request.scope.has(Perm.ENGAGE_TAKE_PART),
        },
    )


@require_GET
@requires(Perm.ENGAGE_VIEW)
def board_pdf(request, village_id: int):
    village = reads.village_or_404(request.scope, village_id)
    today = timezone.localdate()
    data = reads.board_of(village, today)  # no `own`: the poster is public
    url = request.build_absolute_uri(reverse("engagement:board", args=[village.pk]))
    content = board_poster_pdf(reads.poster_values(data, url=url, today=today))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"{village.name}村务公开栏{today:%Y%m%d}.pdf"
    )
    return response
