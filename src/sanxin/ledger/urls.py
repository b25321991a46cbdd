from django.urls import path

from sanxin.ledger.views import entries, review

# The root URLconf adds ratings' veto pages and web's household points page to
# this namespace (points:vetoes, points:veto_revoke, points:household).
app_name = "points"
urlpatterns = [
    path("record/", entries.record, name="record"),
    path("batch/", entries.batch, name="batch"),
    path("review/", review.review, name="review"),
    path("entries/<int:pk>/", review.entry_detail, name="entry"),
    path("entries/<int:pk>/decide/", review.entry_decide, name="entry_decide"),
    path("entries/<int:pk>/reverse/", review.entry_reverse, name="entry_reverse"),
    path("photos/<int:pk>/", review.photo, name="photo"),
]
