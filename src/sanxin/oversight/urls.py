from django.urls import path

from sanxin.oversight.views import audit, dashboards

app_name = "oversight"
urlpatterns = [
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export/", audit.audit_export, name="audit_export"),
    # the leadership dashboards (views/dashboards.py)
    path("dashboard/", dashboards.dashboard_home, name="dashboard"),
    path("dashboard/<int:region_id>/", dashboards.dashboard_region, name="dashboard_region"),
    path(
        "dashboard/<int:region_id>/export.xlsx",
        dashboards.dashboard_export,
        name="dashboard_export",
    ),
]
