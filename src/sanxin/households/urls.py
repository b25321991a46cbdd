from django.urls import path

from sanxin.households import views

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="list"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("people/<int:pk>/reveal-id/", views.person_reveal_id_view, name="reveal_id"),
]
