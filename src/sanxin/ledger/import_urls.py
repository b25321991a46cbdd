from django.urls import path

from sanxin.ledger import entry_import_views

app_name = "points_import"
urlpatterns = [
    path("", entry_import_views.upload, name="upload"),
    path("template.xlsx", entry_import_views.template, name="template"),
    path("<str:token>/confirm/", entry_import_views.confirm, name="confirm"),
]
