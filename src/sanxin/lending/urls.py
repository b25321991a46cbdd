from django.urls import path

from sanxin.lending.views import household, lines, policy

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
]
