from django.urls import path

from sanxin.ledger.views import entries

# The root URLconf adds ratings' veto pages and web's household points page to
# this namespace (points:vetoes, points:veto_revoke, points:household).
app_name = "points"
urlpatterns = [
    path("record/", entries.record, name="record"),
    path("batch/", entries.batch, name="batch"),
    path("review/", entries.review, name="review"),
    path("entries/<int:pk>/", entries.entry_detail, name="entry"),
    path("entries/<int:pk>/decide/", entries.entry_decide, name="entry_decide"),
    path("entries/<int:pk>/reverse/", entries.entry_reverse, name="entry_reverse"),
    path("photos/<int:pk>/", entries.photo, name="photo"),
]
