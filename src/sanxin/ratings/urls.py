from django.urls import path

from sanxin.ratings import notice_views, review_views, views

app_name = "ratings"
urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("open/", views.cycle_open, name="open"),
    path("<int:pk>/", views.cycle_detail, name="cycle"),
    path("<int:pk>/compute/", views.cycle_compute, name="compute"),
    path("<int:pk>/advance/", views.cycle_advance, name="advance"),
    path("<int:pk>/review/", review_views.review_list, name="review"),
    path("<int:pk>/households/<int:household>/adjust/", review_views.adjust, name="adjust"),
    path("<int:pk>/adjustments/", review_views.adjustment_list, name="adjustments"),
    path("adjustments/<int:pk>/decide/", review_views.adjustment_decide, name="adjustment_decide"),
    path("<int:pk>/meeting/", review_views.meeting, name="meeting"),
    path("<int:pk>/signoff/", review_views.signoff, name="signoff"),
    path("<int:pk>/notice/", notice_views.notice, name="notice"),
]
