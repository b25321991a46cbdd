from django.contrib import admin
from django.urls import include, path

from sanxin.accounts import views as account_views
from sanxin.ratings import certificate_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("sanxin.accounts.urls")),
    path("households/", include("sanxin.households.urls")),
    path("points/import/", include("sanxin.ledger.import_urls")),
    path("points/", include("sanxin.ledger.urls")),
    path("credit/", include("sanxin.credit.urls")),
    path("rules/", include("sanxin.rules.urls")),
    path("ratings/", include("sanxin.ratings.urls")),
    path("v/<str:token>/", certificate_views.verify, name="certificate_verify"),
    path("notifications/", include("sanxin.notifications.urls")),
    path("oversight/", include("sanxin.oversight.urls")),
    path("admin/", admin.site.urls),
]
