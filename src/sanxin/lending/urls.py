from django.urls import path

from sanxin.lending import report_views

app_name = "lending"

urlpatterns: list = [
    # reports: what the reward is worth, does the grade predict repayment
    path("reports/", report_views.reports, name="reports"),
    path("reports/export.xlsx", report_views.reports_export, name="reports_export"),
    path("validation/", report_views.validation, name="validation"),
    path("validation/export.xlsx", report_views.validation_export, name="validation_export"),
]
