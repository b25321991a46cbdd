"""The big screen (/oversight/screen/): the district dashboard full-screen for a
meeting-room display, on its own template (no menu, no navigation), re-reading
/oversight/screen/data.json every minute. The display account lands here after login
and can open nothing else. docs/big-screen.md describes it."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.oversight.screen import screen_data as screen_figures
from sanxin.oversight.screen import screen_region


def _region(request):
    region = screen_region(request.scope)
    if region is None:
        raise Http404
    return region


@require_GET
@requires(Perm.BIG_SCREEN)
def screen(request):
    region = _region(request)
    return render(request, "oversight/screen.html", {"data": screen_figures(request.scope, region)})


@never_cache
@require_GET
@requires(Perm.BIG_SCREEN)
def screen_data(request):
    return JsonResponse(screen_figures(request.scope, _region(request)))
