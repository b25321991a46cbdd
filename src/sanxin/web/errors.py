"""The error pages, in Chinese, on every setting: the handlers named in sanxin/urls.py
and settings.CSRF_FAILURE_VIEW, and a middleware that keeps Django's English technical
pages (which list the URL patterns and settings) out of a DEBUG run such as the demo.
`SANXIN_TECHNICAL_ERROR_PAGES=1` brings the technical pages back for a developer."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve

logger = logging.getLogger("django.request")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """No request context: the page must render when the database or a context
    processor is what failed."""
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "csrf_failure.html", status=403)


class ChineseErrorPagesMiddleware:
    """With DEBUG on, answer an unknown URL, an Http404, a PermissionDenied and an
    uncaught exception with the Chinese pages (the exception still goes to the log).
    With DEBUG off it does nothing: Django calls the handlers itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def active() -> bool:
        return settings.DEBUG and not getattr(settings, "SANXIN_TECHNICAL_ERROR_PAGES", False)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.active():
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404:
                # CommonMiddleware (outside this one) still adds a missing slash.
                return page_not_found(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not self.active():
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"request": request},
        )
        return server_error(request)
