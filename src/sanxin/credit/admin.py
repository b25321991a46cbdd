"""Credit assessments in the Django admin: read-only.

The 双基 indicator details (an assessment's answers, and its note, shown only with
them) are financial data whose every read is audited (`services.credit_details_viewed`);
the admin writes no audit row, so it never shows them: area scores and total only."""

from django.contrib import admin

from sanxin.credit.models import CreditAssessment
from sanxin.lib.admin import ReadOnlyAdmin


@admin.register(CreditAssessment)
class CreditAssessmentAdmin(ReadOnlyAdmin):
    # An allow-list, so a field added to the model later is not shown by default.
    fields = [
        "household",
        "scheme_version",
        "period",
        "assessed_on",
        "area_scores",
        "total",
        "supersedes",
        "assessed_by",
        "created_at",
    ]
    readonly_fields = fields
    list_display = ["household", "period", "total", "assessed_on", "assessed_by"]
    search_fields = ["household__number", "period"]
    list_select_related = ["household", "assessed_by"]
