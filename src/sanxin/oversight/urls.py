from django.urls import path

from sanxin.oversight.views import assessment, audit, dashboards, departments
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
    path("report/pdf/", report_views.report_pdf_job, name="report_pdf_job"),
    path("report/report.xlsx", report_views.report_xlsx_download, name="report_xlsx"),
    path("screen/", screen_views.screen, name="screen"),
    path("screen/data.json", screen_views.screen_data, name="screen_data"),
    # 考核: the assessment of towns and villages (views/assessment.py)
    path("assessment/", assessment.assessment_index, name="assessment"),
    path("assessment/new/", assessment.assessment_create, name="assessment_create"),
    path("assessment/<int:pk>/", assessment.assessment_scheme, name="assessment_scheme"),
    path("assessment/<int:pk>/name/", assessment.assessment_scheme_edit, name="assessment_scheme_edit"),
    path("assessment/<int:pk>/defaults/", assessment.assessment_use_defaults, name="assessment_use_defaults"),
    path("assessment/<int:pk>/indicators/add/", assessment.assessment_indicator_add, name="assessment_indicator_add"),
    path("assessment/<int:pk>/preview/", assessment.assessment_preview, name="assessment_preview"),
    path("assessment/<int:pk>/publish/", assessment.assessment_publish, name="assessment_publish"),
    path("assessment/indicators/<int:pk>/", assessment.assessment_indicator_edit, name="assessment_indicator_edit"),
    path("assessment/indicators/<int:pk>/remove/", assessment.assessment_indicator_remove, name="assessment_indicator_remove"),
    path("assessment/indicators/<int:pk>/scores/", assessment.assessment_manual, name="assessment_manual"),
    path("assessment/versions/<int:pk>/", assessment.assessment_results, name="assessment_results"),
    path("assessment/versions/<int:pk>/export.xlsx", assessment.assessment_export, name="assessment_export"),
    path("assessment/results/<int:pk>/", assessment.assessment_result, name="assessment_result"),
    path("assessment/photos/<int:pk>/", assessment.assessment_photo, name="assessment_photo"),
    # department views (部门视图): oversight/views/departments.py
    path("departments/", departments.departments, name="departments"),
    path("departments/organisation/members/", departments.members, name="department_members"),
    path("departments/<slug:dept>/", departments.department, name="department"),
    path(
        "departments/<slug:dept>/export/<slug:table>.xlsx",
        departments.export,
        name="department_export",
    ),
]  # fmt: skip
