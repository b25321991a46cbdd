from django.urls import path

from sanxin.ratings import views

app_name = "ratings"
urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("open/", views.cycle_open, name="open"),
    path("<int:pk>/", views.cycle_detail, name="cycle"),
    path("<int:pk>/compute/", views.cycle_compute, name="compute"),
    path("<int:pk>/advance/", views.cycle_advance, name="advance"),
]
