"""Pages for the machines that watch Sanxin, not for people: /healthz for monitoring
(no login, ok/failing per check and nothing more) and /metrics for Prometheus (only
when SANXIN_METRICS is on; see docs/deploy.md for who may read it)."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from sanxin.web import health


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    results = health.run_checks()
    healthy = all(results.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "failing",
            "checks": {name: "ok" if ok else "failing" for name, ok in results.items()},
        },
        status=200 if healthy else 503,
    )


_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def metrics_allowed(request: HttpRequest) -> bool:
    """With SANXIN_METRICS_TOKEN set: the request carries `Authorization: Bearer <token>`.
    Without: the request comes from the machine itself (a loopback address) and not
    through a reverse proxy (which also connects from loopback but adds a forwarding
    header)."""
    token = settings.SANXIN_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return address.is_loopback and not any(h in request.META for h in _PROXY_HEADERS)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponseForbidden("forbidden\n", content_type="text/plain")
    from django_prometheus.exports import ExportToDjangoView

    return ExportToDjangoView(request)
