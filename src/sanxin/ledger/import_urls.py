from django.urls import path

from sanxin.ledger.views import imports

app_name = "points_import"
urlpatterns = [
    path("", imports.upload, name="upload"),
    path("template.xlsx", imports.template, name="template"),
    path("jobs/<int:pk>/", imports.job, name="job"),
    path("<str:token>/confirm/", imports.confirm, name="confirm"),
]
