from django.urls import path

from sanxin.rules import views

app_name = "rules"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("versions/", views.version_list, name="versions"),
    path("versions/import/", views.version_import, name="import"),
    path("versions/<int:pk>/export.json", views.version_export, name="export"),
    path("versions/<int:pk>/new/", views.version_new, name="edit"),
    path("village/", views.village_items, name="village_items"),
]
