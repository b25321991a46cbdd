from django.urls import path

from sanxin.ledger import veto_views, views

app_name = "points"
urlpatterns = [
    path("record/", views.record, name="record"),
    path("batch/", views.batch, name="batch"),
    path("review/", views.review, name="review"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("entries/<int:pk>/decide/", views.entry_decide, name="entry_decide"),
    path("entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("households/<int:pk>/", views.household_points, name="household"),
    path("households/<int:pk>/vetoes/", veto_views.household_vetoes, name="vetoes"),
    path("vetoes/<int:pk>/revoke/", veto_views.veto_revoke, name="veto_revoke"),
]
