"""The site layer's pages. The household page joins the households namespace in the
root URLconf (sanxin/urls.py), so its name stays `households:detail`."""

from django.urls import path

from sanxin.web.views import household

household_urlpatterns = [
    path("<int:pk>/", household.household_detail, name="detail"),
]
