from django.urls import path

from sanxin.oversight.views import audit

app_name = "oversight"
urlpatterns = [
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export/", audit.audit_export, name="audit_export"),
]
