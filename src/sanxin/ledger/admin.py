"""The ledger in the Django admin: read-only. (The database refuses UPDATE and
DELETE on these tables anyway; the admin does not offer them.)"""

from django.contrib import admin

from sanxin.ledger.models import Entry, Review, VetoEvent
from sanxin.lib.admin import ReadOnlyAdmin


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
