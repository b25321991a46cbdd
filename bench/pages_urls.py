"""The pages benchmark's URLconf: the product's URLs, plus `bench/bare-page/`, a
logged-in page that renders the site's base template (header, menu, footer) around a
heading and nothing else: the yardstick the product's pages are measured against.
Nothing here is part of the product."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_GET

from sanxin.urls import handler403, handler404, handler500  # noqa: F401
from sanxin.urls import urlpatterns as product_urlpatterns

BARE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}基准{% endblock %}'
    "{% block content %}<h1>基准页</h1>{% endblock %}"
)


@require_GET
@login_required
def bare_page(request):
    return HttpResponse(BARE.render({}, request))


urlpatterns = [path("bench/bare-page/", bare_page, name="bench_bare_page"), *product_urlpatterns]
