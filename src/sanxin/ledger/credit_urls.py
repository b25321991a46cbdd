from django.urls import path

from sanxin.ledger import credit_views

app_name = "credit"
urlpatterns = [
    path("", credit_views.credit_list, name="list"),
    path("households/<int:pk>/", credit_views.credit_detail, name="detail"),
    path("households/<int:pk>/assess/", credit_views.credit_assess, name="assess"),
    path("import/", credit_views.credit_import_view, name="import"),
    path("import/template.xlsx", credit_views.credit_template, name="template"),
    path("import/<str:token>/confirm/", credit_views.credit_import_confirm, name="import_confirm"),
]
