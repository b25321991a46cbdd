"""全民争信 in the Django admin: read-only (the services are the only writers; the
database refuses UPDATE and DELETE on the append-only tables)."""

from django.contrib import admin

from sanxin.engagement.models import (
    Activity,
    Ballot,
    BallotCast,
    CheckIn,
    Contribution,
    Honour,
    HonourObjection,
    HonourType,
    HonourWithdrawal,
    Nomination,
    Project,
    Representative,
    Selection,
    SignUp,
    Suggestion,
)
from sanxin.lib.admin import ReadOnlyAdmin


@admin.register(HonourType)
class HonourTypeAdmin(ReadOnlyAdmin):
    list_display = ["name", "district", "item_code", "min_grade", "repeat_years", "active"]


@admin.register(Selection)
class SelectionAdmin(ReadOnlyAdmin):
    list_display = ["honour_type", "region", "year", "state", "quota", "voters"]
    list_filter = ["state", "voters"]


@admin.register(Representative)
class RepresentativeAdmin(ReadOnlyAdmin):
    list_display = ["village", "person", "since", "until"]


@admin.register(Nomination)
class NominationAdmin(ReadOnlyAdmin):
    list_display = ["selection", "household", "person", "source", "state", "votes"]
    list_filter = ["state", "source"]


@admin.register(BallotCast)
class BallotCastAdmin(ReadOnlyAdmin):
    list_display = ["selection", "voter", "cast_on"]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    # What was chosen, never who chose it: a ballot has no voter.
    list_display = ["id", "selection"]


@admin.register(HonourObjection)
class HonourObjectionAdmin(ReadOnlyAdmin):
    list_display = ["nomination", "raised_at", "upheld", "answered_at"]


@admin.register(Honour)
class HonourAdmin(ReadOnlyAdmin):
    list_display = ["serial", "honour_type", "household", "person", "year", "awarded_on"]


@admin.register(HonourWithdrawal)
class HonourWithdrawalAdmin(ReadOnlyAdmin):
    list_display = ["honour", "reason", "withdrawn_by", "withdrawn_at"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "village", "kind", "starts_at", "ends_at", "cancelled_at"]
    list_filter = ["kind"]


@admin.register(SignUp)
class SignUpAdmin(ReadOnlyAdmin):
    list_display = ["activity", "person", "signed_up_at", "cancelled_at"]


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["activity", "person", "method", "checked_in_at", "entry"]


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ["village", "household", "state", "created_at", "replied_at"]
    list_filter = ["state"]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["name", "village", "kind", "target_amount", "closed_on"]


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ["household", "project", "kind", "amount", "labour_days", "contributed_on"]
    list_filter = ["kind"]
