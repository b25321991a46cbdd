"""URL patterns that join other apps' namespaces in the root URLconf (sanxin/urls.py),
so pages that moved up the layers keep their names: the household list, its export
and the household page (`households:list`, `households:export`, `households:detail`),
the household points page (`points:household`) and the veto pages that ratings owns
(`points:vetoes`, `points:veto_revoke`)."""

from django.urls import path

from sanxin.ratings.views import vetoes
from sanxin.web.views import household, households, points

household_urlpatterns = [
    path("", households.household_list, name="list"),
    path("export.xlsx", households.household_export, name="export"),
    path("export/job/", households.household_export_job, name="export_job"),
    path("<int:pk>/", household.household_detail, name="detail"),
]

points_urlpatterns = [
    path("households/<int:pk>/", points.household_points, name="household"),
    path("households/<int:pk>/vetoes/", vetoes.household_vetoes, name="vetoes"),
    path("vetoes/<int:pk>/revoke/", vetoes.veto_revoke, name="veto_revoke"),
]
