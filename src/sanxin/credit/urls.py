from django.urls import path

from sanxin.credit import views

app_name = "credit"
urlpatterns = [
    path("", views.credit_list, name="list"),
    path("households/<int:pk>/", views.credit_detail, name="detail"),
    path("households/<int:pk>/assess/", views.credit_assess, name="assess"),
    path("import/", views.credit_import_view, name="import"),
    path("import/template.xlsx", views.credit_template, name="template"),
    path("import/jobs/<int:pk>/", views.credit_import_job, name="import_job"),
    path("import/<str:token>/confirm/", views.credit_import_confirm, name="import_confirm"),
]
