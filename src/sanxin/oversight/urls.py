from django.urls import path

from sanxin.oversight import views

app_name = "oversight"
urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
]
