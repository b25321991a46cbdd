"""Reads of the loan pages: applications, loans with their schedule as paid, a
household's loans and applications, the overdue list with its DPD buckets. Each in
a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from sanxin.lending import schedule as sched
from sanxin.lending.choices import ApplicationStatus, LoanStatus, RefusalReason
from sanxin.lending.models import Loan, LoanApplication, Repayment
from sanxin.lending.services.repayments import loan_state

# Days-past-due buckets of the overdue list: (key, label, lowest, highest or None).
BUCKETS: tuple[tuple[str, str, int, int | None], ...] = (
    ("1-29", "1–29 天", 1, 29),
    ("30-89", "30–89 天", 30, 89),
    ("90+", "90 天及以上", 90, None),
)
# The scheme's veto rule an officer may propose for a loan in serious default.
LOAN_DEFAULT_RULE = "loan.malicious_default"

_MONEY = DecimalField(max_digits=14, decimal_places=2)


def reason_labels(codes: list[str]) -> list[str]:
    return [str(RefusalReason(c).label) for c in codes if c in RefusalReason.values]


def applications(qs: QuerySet[LoanApplication]) -> QuerySet[LoanApplication]:
    return qs.select_related("household__village", "household__villager_group", "loan").order_by(
        "-applied_at", "-pk"
    )


def with_repaid(loans: QuerySet[Loan]) -> QuerySet[Loan]:
    """Loans annotated with `repaid_principal` (net of reversals)."""
    repaid = (
        Repayment.objects.filter(loan=OuterRef("pk"))
        .values("loan")
        .annotate(s=Sum("principal_part"))
        .values("s")
    )
    return loans.annotate(
        repaid_principal=Coalesce(Subquery(repaid, output_field=_MONEY), Value(Decimal("0")))
    ).annotate(outstanding=ExpressionWrapper(F("principal") - F("repaid_principal"), _MONEY))


def loan_list(qs: QuerySet[Loan]) -> QuerySet[Loan]:
    return with_repaid(qs).select_related("household__village").order_by("-disbursed_on", "-pk")


def bucket_of(days: int) -> str | None:
    for key, _label, low, high in BUCKETS:
        if days >= low and (high is None or days <= high):
            return key
    return None


def _bucket_q(key: str) -> Q:
    for k, _label, low, high in BUCKETS:
        if k == key:
            q = Q(days_past_due__gte=low)
            return q & Q(days_past_due__lte=high) if high is not None else q
    raise KeyError(key)


def overdue_loans(qs: QuerySet[Loan], bucket: str | None = None) -> QuerySet[Loan]:
    """Active loans past due (as last computed), the longest first."""
    qs = qs.filter(status=LoanStatus.ACTIVE, days_past_due__gt=0)
    if bucket:
        qs = qs.filter(_bucket_q(bucket))
    return with_repaid(qs).select_related("household__village").order_by("-days_past_due", "pk")


def bucket_counts(qs: QuerySet[Loan]) -> dict[str, int]:
    """{bucket: loans} of the overdue loans, one query."""
    overdue = qs.filter(status=LoanStatus.ACTIVE, days_past_due__gt=0)
    row = overdue.aggregate(
        **{key: Count("pk", filter=_bucket_q(key)) for key, _label, _low, _high in BUCKETS}
    )
    return {key: row[key] or 0 for key, *_ in BUCKETS}


@dataclass
class LoanView:
    """A loan with its schedule as paid on a day."""

    loan: Loan
    state: sched.Allocation
    repayments: list[Repayment]

    @property
    def reversed_ids(self) -> set[int]:
        return {r.reverses_id for r in self.repayments if r.reverses_id is not None}

    @property
    def rows(self):
        return self.state.states

    @property
    def total_interest(self) -> Decimal:
        return sum((s.instalment.interest for s in self.state.states), Decimal("0.00"))

    @property
    def interest_saved(self) -> Decimal:
        """The interest a loan at the standard rate would have cost more, over the
        whole schedule (what the grade is worth to the household)."""
        loan = self.loan
        if loan.standard_rate <= loan.annual_rate:
            return Decimal("0.00")
        standard = sched.build_schedule(
            principal=loan.principal,
            annual_rate=loan.standard_rate,
            disbursed_on=loan.disbursed_on,
            term_months=loan.term_months,
            method=loan.method,
        )
        return standard.total_interest - self.total_interest


def loan_view(loan: Loan, today: date) -> LoanView:
    instalments = list(loan.instalments.order_by("number"))
    repayments = list(loan.repayments.select_related("recorded_by").order_by("paid_on", "pk"))
    state = loan_state(loan, today, instalments=instalments, repayments=repayments)
    return LoanView(loan=loan, state=state, repayments=repayments)


@dataclass
class HouseholdLending:
    """A household's applications and loans for its lending page."""

    applications: list[LoanApplication]
    loans: list[LoanView]

    @property
    def open_application(self) -> LoanApplication | None:
        return next(
            (
                a
                for a in self.applications
                if a.status == ApplicationStatus.APPLIED
                or (a.status == ApplicationStatus.GRANTED and not hasattr(a, "loan"))
            ),
            None,
        )


def household_lending(household, today: date) -> HouseholdLending:
    """Four queries: applications (with their loan), loans, their instalments and repayments."""
    apps = list(
        LoanApplication.objects.filter(household=household)
        .select_related("loan")
        .order_by("-applied_at", "-pk")
    )
    for a in apps:
        a.reason_labels = reason_labels(a.refusal_reasons)
    loans = list(
        Loan.objects.filter(household=household)
        .prefetch_related(
            "instalments",
            "repayments",
        )
        .order_by("-disbursed_on", "-pk")
    )
    views = []
    for loan in loans:
        instalments = sorted(loan.instalments.all(), key=lambda i: i.number)
        repayments = sorted(loan.repayments.all(), key=lambda r: (r.paid_on, r.pk))
        views.append(
            LoanView(
                loan=loan,
                state=loan_state(loan, today, instalments=instalments, repayments=repayments),
                repayments=repayments,
            )
        )
    return HouseholdLending(applications=apps, loans=views)
