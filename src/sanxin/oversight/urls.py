from django.urls import path

from sanxin.oversight.views import audit, dashboards
from sanxin.oversight.views import report as report_views
from sanxin.oversight.views import screen as screen_views

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
    # the period report and the big screen (report*.py, views/report.py, views/screen.py)
    path("report/", report_views.report, name="report"),
    path("report/report.pdf", report_views.report_pdf_download, name="report_pdf"),
    path("report/report.xlsx", report_views.report_xlsx_download, name="report_xlsx"),
    path("screen/", screen_views.screen, name="screen"),
    path("screen/data.json", screen_views.screen_data, name="screen_data"),
]
