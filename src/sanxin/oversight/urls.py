from django.urls import path

from sanxin.oversight import views

app_name = "oversight"
urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export/", views.audit_export, name="audit_export"),
]
