from django.urls import path

from sanxin.lending import report_views
from sanxin.lending.views import household, lines, loans, policy, repayments

app_name = "lending"

urlpatterns = [
    path("", lines.index, name="index"),
    path("policy/", policy.policy, name="policy"),
    path("villages/<int:pk>/", lines.village, name="village"),
    path("villages/<int:pk>/grant/", lines.grant_all, name="grant_all"),
    path("villages/<int:pk>/lines.xlsx", lines.export, name="export"),
    path("households/<int:pk>/line/", lines.line_form, name="line_form"),
    path("households/<int:pk>/decline/", lines.line_decline, name="line_decline"),
    path("lines/<int:pk>/acknowledge/", lines.acknowledge, name="acknowledge"),
    path("bank/", lines.bank_import, name="bank_import"),
    path("bank/<str:token>/confirm/", lines.bank_import_confirm, name="bank_import_confirm"),
    path("household/<int:pk>/", household.household, name="household"),
    # loans (用信)
    path("household/<int:pk>/apply/", loans.loan_apply, name="apply"),
    path("applications/", loans.application_list, name="applications"),
    path("applications/<int:pk>/", loans.application_detail, name="application"),
    path("applications/<int:pk>/decide/", loans.application_decide, name="application_decide"),
    path(
        "applications/<int:pk>/disburse/", loans.application_disburse, name="application_disburse"
    ),
    path(
        "applications/<int:pk>/withdraw/", loans.application_withdraw, name="application_withdraw"
    ),
    path("loans/", loans.loan_list, name="loans"),
    path("loans/<int:pk>/", loans.loan_detail, name="loan"),
    path("loans/overdue/", loans.overdue_list, name="overdue"),
    path("loans/<int:pk>/repay/", repayments.repayment_new, name="repay"),
    path("repayments/<int:pk>/reverse/", repayments.repayment_reverse, name="repayment_reverse"),
    path("repayments/import/", repayments.repayment_import, name="repayment_import"),
    path(
        "repayments/import/jobs/<int:pk>/",
        repayments.repayment_import_job,
        name="repayment_import_job",
    ),
    path(
        "repayments/import/<str:token>/confirm/",
        repayments.repayment_import_confirm,
        name="repayment_import_confirm",
    ),
    path("repayments/template/", repayments.repayment_template, name="repayment_template"),
    # reports: what the reward is worth, does the grade predict repayment
    path("reports/", report_views.reports, name="reports"),
    path("reports/export.xlsx", report_views.reports_export, name="reports_export"),
    path("validation/", report_views.validation, name="validation"),
    path("validation/export.xlsx", report_views.validation_export, name="validation_export"),
]
