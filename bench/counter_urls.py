"""The counter benchmark's URLconf: the product's URLs, plus a bare JSON view on the
same server, behind the same middleware and the same logged-in session, that does no
work of its own — the yardstick the counter's redemptions are measured against."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from sanxin.urls import handler403, handler404, handler500  # noqa: F401
from sanxin.urls import urlpatterns as product_urlpatterns


@require_POST
@login_required
def bare(request):
    """A logged-in POST answered with a little JSON, nothing else."""
    return JsonResponse({"ok": True, "user": request.user.pk})


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *product_urlpatterns]
