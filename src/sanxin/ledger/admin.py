"""The ledger in the Django admin: read-only. (The database refuses UPDATE and
DELETE on these tables anyway; the admin does not offer them.)

The 双基 indicator details (an assessment's answers, and its note, shown only with
them) are financial data whose every read is audited (`credit.credit_details_viewed`);
the admin writes no audit row, so it never shows them: area scores and total only."""

from django.contrib import admin

from sanxin.ledger.models import CreditAssessment, Entry, Review, VetoEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "household",
        "item_name",
        "points",
        "occurred_on",
        "recorded_by",
        "recorded_at",
    ]
    list_filter = ["component", "source"]
    search_fields = ["item_code", "item_name", "household__number"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["entry", "approved", "reviewer", "reviewed_at"]


@admin.register(VetoEvent)
class VetoEventAdmin(ReadOnlyAdmin):
    list_display = ["household", "name", "cap_grade", "starts_on", "ends_on", "recorded_by"]


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
