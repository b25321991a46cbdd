"""Lending in the Django admin: read-only. Policies, lines, applications and loans
change only through the services (which write the history and the audit rows); the
append-only records could not be changed anyway."""

from django.contrib import admin

from sanxin.lending.models import (
    CreditLine,
    CreditLineEvent,
    CreditPolicy,
    CreditPolicyGrade,
    Instalment,
    Loan,
    LoanApplication,
    Repayment,
)
from sanxin.lib.admin import ReadOnlyAdmin


class CreditPolicyGradeInline(admin.TabularInline):
    model = CreditPolicyGrade
    fields = ["grade", "line_amount", "annual_rate"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CreditPolicy)
class CreditPolicyAdmin(ReadOnlyAdmin):
    list_display = ["district", "version", "effective_from", "standard_line", "standard_rate"]
    list_select_related = ["district"]
    inlines = [CreditPolicyGradeInline]


@admin.register(CreditLine)
class CreditLineAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "household",
        "grade",
        "amount",
        "annual_rate",
        "status",
        "bank_decision",
        "valid_until",
    ]
    list_filter = ["status", "bank_decision"]
    search_fields = ["reference", "household__number"]
    list_select_related = ["household"]


@admin.register(CreditLineEvent)
class CreditLineEventAdmin(ReadOnlyAdmin):
    list_display = ["line", "kind", "grade", "amount", "annual_rate", "actor", "at"]
    list_filter = ["kind"]
    list_select_related = ["line", "actor"]


@admin.register(LoanApplication)
class LoanApplicationAdmin(ReadOnlyAdmin):
    list_display = ["household", "amount", "purpose", "term_months", "status", "applied_at"]
    list_filter = ["status", "purpose"]
    list_select_related = ["household"]


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = [
        "household",
        "principal",
        "annual_rate",
        "disbursed_on",
        "maturity_on",
        "status",
        "days_past_due",
    ]
    list_filter = ["status", "method"]
    list_select_related = ["household"]


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdmin):
    list_display = ["loan", "number", "due_on", "principal", "interest"]


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin):
    list_display = ["loan", "paid_on", "amount", "principal_part", "interest_part", "source"]
    list_filter = ["source"]
