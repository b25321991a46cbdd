"""The root URLconf (site layer): every app's URLs under its prefix. The household
page and the household points page live in sanxin.web and the veto pages in ratings,
but they keep their names (`households:detail`, `points:household`, `points:vetoes`):
a namespace here is its app's patterns plus those of web.urls."""

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from sanxin.api import v1 as api_v1
from sanxin.households import urls as household_urls
from sanxin.ledger import urls as points_urls
from sanxin.ratings.views import certificates
from sanxin.web import urls as web_urls
from sanxin.web.views import home, ops


class _Favicon(RedirectView):
    """To the favicon's static URL, looked up per request: with the manifest storage
    the URL holds the file's hash, which is known once collectstatic has run."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("sanxin/favicon.svg")


households = (web_urls.household_urlpatterns + household_urls.urlpatterns, "households")
points = (points_urls.urlpatterns + web_urls.points_urlpatterns, "points")

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/", include("sanxin.accounts.urls")),
    path("households/", include(households)),
    path("points/import/", include("sanxin.ledger.import_urls")),
    path("points/", include(points)),
    path("credit/", include("sanxin.credit.urls")),
    path("rules/", include("sanxin.rules.urls")),
    path("ratings/", include("sanxin.ratings.urls")),
    path("jobs/", include("sanxin.jobs.urls")),
    path("shop/", include("sanxin.rewards.urls")),
    path("lending/", include("sanxin.lending.urls")),
    path("village/", include("sanxin.engagement.urls")),
    path("v/<str:token>/", certificates.verify, name="certificate_verify"),
    path("notifications/", include("sanxin.notifications.urls")),
    path("my/", include("sanxin.privacy.urls")),
    path("oversight/", include("sanxin.oversight.urls")),
    # The public API (docs/api.md): the token and reference pages, and v1 itself.
    path("api/", include("sanxin.api.urls")),
    path("api/v1/", api_v1.urls()),
    path("admin/", admin.site.urls),
    path("favicon.ico", _Favicon.as_view(), name="favicon"),
    # For monitoring (docs/deploy.md): no login, no language prefix, no SSL redirect.
    path("healthz", ops.healthz, name="healthz"),
]
if settings.SANXIN_METRICS:
    urlpatterns.append(path("metrics", ops.metrics, name="metrics"))

handler403 = "sanxin.web.errors.permission_denied"
handler404 = "sanxin.web.errors.page_not_found"
handler500 = "sanxin.web.errors.server_error"
