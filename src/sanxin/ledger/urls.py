from django.urls import path

from sanxin.ledger import views

# The root URLconf adds ratings' veto pages and web's household points page to
# this namespace (points:vetoes, points:veto_revoke, points:household).
app_name = "points"
urlpatterns = [
    path("record/", views.record, name="record"),
    path("batch/", views.batch, name="batch"),
    path("review/", views.review, name="review"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("entries/<int:pk>/decide/", views.entry_decide, name="entry_decide"),
    path("entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
