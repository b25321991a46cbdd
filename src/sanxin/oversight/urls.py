from django.urls import path

from sanxin.oversight.views import audit, departments

app_name = "oversight"
urlpatterns = [
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export/", audit.audit_export, name="audit_export"),
    # department views (部门视图): oversight/views/departments.py
    path("departments/", departments.departments, name="departments"),
    path("departments/organisation/members/", departments.members, name="department_members"),
    path("departments/<slug:dept>/", departments.department, name="department"),
    path(
        "departments/<slug:dept>/export/<slug:table>.xlsx",
        departments.export,
        name="department_export",
    ),
]
