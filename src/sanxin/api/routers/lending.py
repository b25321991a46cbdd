"""授信用信 in the API: credit lines with their history, loans with their schedule as
paid and their repayments, and recording a repayment (idempotent). Financial details
go only to the credit union over the household and to the household itself (its
villager accounts), as on the pages (`Perm.LENDING_VIEW`); every other role is refused
(403) and a record out of reach does not exist (404). Recording a repayment is the
credit officer's (`Perm.LENDING_MANAGE`), through the service the repayment page uses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from ninja import Body, Field, Header, Query, Router, Schema, Status

from sanxin.accounts.scope import Perm
from sanxin.api.auth import get_or_404, require
from sanxin.api.errors import responses
from sanxin.api.once import KEY_PATTERN, KeyReused, key_reused, record_once
from sanxin.api.pagination import Page, PageQuery, paginate
from sanxin.lending import loan_selectors
from sanxin.lending.choices import LineStatus, LoanStatus
from sanxin.lending.models import CreditLine, CreditLineEvent, Loan, Repayment
from sanxin.lending.services import repayments as repayment_services
from sanxin.lib.text import clean_line

router = Router(tags=["授信用信 · lending"])

MAX_ID = 2**31 - 1
CENT = Decimal("0.01")


# --- schemas -----------------------------------------------------------------------------


class LineEventOut(Schema):
    kind: str = Field(description="granted, declined, suspended, lowered, restored, …")
    kind_label: str
    at: datetime
    grade: str
    amount: Decimal | None = Field(description="the line's amount after the step (yuan)")
    annual_rate: Decimal | None = Field(description="percent a year")
    reason: str


class CreditLineOut(Schema):
    id: int
    reference: str = Field(description="授信编号")
    household_id: int
    household_number: str
    village_id: int
    period: str = Field(description="the rating period the line was granted from")
    grade: str = Field(description="the grade it was granted for")
    current_grade: str
    status: str = Field(description="granted, lowered, suspended, declined, bank_declined, ended")
    status_label: str
    amount: Decimal | None = Field(description="what may be drawn now (yuan)")
    annual_rate: Decimal | None = Field(description="percent a year")
    granted_amount: Decimal | None
    granted_rate: Decimal | None
    bank_decision: str
    valid_until: date
    granted_at: datetime
    ended_at: datetime | None


class CreditLineDetailOut(CreditLineOut):
    reason: str = Field(description="why it differs from the policy, or was declined")
    events: list[LineEventOut]


class LoanOut(Schema):
    id: int
    household_id: int
    household_number: str
    village_id: int
    credit_line_id: int
    bank_loan_number: str
    principal: Decimal
    disbursed_on: date
    term_months: int
    annual_rate: Decimal
    method: str = Field(description="interest_monthly or equal_instalments")
    method_label: str
    maturity_on: date
    status: str = Field(description="active, repaid, written_off")
    status_label: str
    closed_on: date | None
    days_past_due: int = Field(description="as last computed, on days_past_due_on")
    days_past_due_on: date | None


class InstalmentOut(Schema):
    number: int
    due_on: date
    principal: Decimal
    interest: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    remaining: Decimal
    paid_off_on: date | None


class RepaymentOut(Schema):
    id: int
    loan_id: int
    paid_on: date
    amount: Decimal = Field(description="negative for a reversal (冲正)")
    principal_part: Decimal
    interest_part: Decimal
    source: str = Field(description="manual or import")
    bank_reference: str
    note: str
    reverses_id: int | None
    reversed: bool = Field(description="a later reversal took it back")


class LoanDetailOut(LoanOut):
    as_of: date
    principal_outstanding: Decimal
    overdue_amount: Decimal = Field(description="fallen due before as_of and unpaid")
    days_past_due_today: int
    total_interest: Decimal
    schedule: list[InstalmentOut]
    repayments: list[RepaymentOut]


class LineFilters(Schema):
    household_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: LineStatus | None = None


class LoanFilters(Schema):
    household_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: LoanStatus | None = None


class RepaymentRecordedOut(Schema):
    repayment: RepaymentOut
    loan: LoanDetailOut


# --- reads -------------------------------------------------------------------------------


def _reversed_ids(repayments: list[Repayment]) -> set[int]:
    return {r.reverses_id for r in repayments if r.reverses_id is not None}


def repayment_out(r: Repayment, reversed_ids: set[int]) -> dict:
    return {
        "id": r.pk,
        "loan_id": r.loan_id,
        "paid_on": r.paid_on,
        "amount": r.amount,
        "principal_part": r.principal_part,
        "interest_part": r.interest_part,
        "source": r.source,
        "bank_reference": r.bank_reference,
        "note": r.note,
        "reverses_id": r.reverses_id,
        "reversed": r.pk in reversed_ids,
    }


def loan_detail(loan: Loan, today: date) -> dict:
    """The loan with its schedule as paid on `today` and its repayments (three queries)."""
    view = loan_selectors.loan_view(loan, today)
    state = view.state
    return {
        **loan_out(loan),
        "as_of": today,
        "principal_outstanding": state.principal_outstanding,
        "overdue_amount": state.overdue_amount,
        "days_past_due_today": state.days_past_due,
        "total_interest": view.total_interest,
        "schedule": [
            {
                "number": s.instalment.number,
                "due_on": s.instalment.due_date,
                "principal": s.instalment.principal,
                "interest": s.instalment.interest,
                "principal_paid": s.principal_paid,
                "interest_paid": s.interest_paid,
                "remaining": s.remaining,
                "paid_off_on": s.paid_off_on,
            }
            for s in state.states
        ],
        "repayments": [repayment_out(r, view.reversed_ids) for r in view.repayments],
    }


def line_out(line: CreditLine) -> dict:
    return {
        "id": line.pk,
        "reference": line.reference,
        "household_id": line.household_id,
        "household_number": line.household.number,
        "village_id": line.village_id,
        "period": line.cycle.period,
        "grade": line.grade,
        "current_grade": line.current_grade,
        "status": line.status,
        "status_label": str(line.get_status_display()),
        "amount": line.amount,
        "annual_rate": line.annual_rate,
        "granted_amount": line.granted_amount,
        "granted_rate": line.granted_rate,
        "bank_decision": line.bank_decision,
        "valid_until": line.valid_until,
        "granted_at": line.granted_at,
        "ended_at": line.ended_at,
    }


def line_detail_out(line: CreditLine) -> dict:
    return {
        **line_out(line),
        "reason": line.reason,
        "events": [
            {
                "kind": e.kind,
                "kind_label": str(e.get_kind_display()),
                "at": e.at,
                "grade": e.grade,
                "amount": e.amount,
                "annual_rate": e.annual_rate,
                "reason": e.reason,
            }
            for e in line.events.all()
        ],
    }


def loan_out(loan: Loan) -> dict:
    return {
        "id": loan.pk,
        "household_id": loan.household_id,
        "household_number": loan.household.number,
        "village_id": loan.household.village_id,
        "credit_line_id": loan.credit_line_id,
        "bank_loan_number": loan.bank_loan_number,
        "principal": loan.principal,
        "disbursed_on": loan.disbursed_on,
        "term_months": loan.term_months,
        "annual_rate": loan.annual_rate,
        "method": loan.method,
        "method_label": str(loan.get_method_display()),
        "maturity_on": loan.maturity_on,
        "status": loan.status,
        "status_label": str(loan.get_status_display()),
        "closed_on": loan.closed_on,
        "days_past_due": loan.days_past_due,
        "days_past_due_on": loan.days_past_due_on,
    }


def lines_in_reach(scope) -> QuerySet[CreditLine]:
    return scope.filter(CreditLine.objects, Perm.LENDING_VIEW).select_related("household", "cycle")


def loans_in_reach(scope, perm: Perm = Perm.LENDING_VIEW) -> QuerySet[Loan]:
    return scope.filter(Loan.objects, perm).select_related("household")


# --- endpoints -------------------------------------------------------------------------------


@router.get(
    "/lending/lines",
    response=responses(Page[CreditLineOut]),
    summary="授信列表 · credit lines in reach, the newest first",
)
def lending_lines_list(request, filters: Query[LineFilters], page: Query[PageQuery]):
    scope = require(request, Perm.LENDING_VIEW)
    lines = lines_in_reach(scope)
    if filters.household_id is not None:
        lines = lines.filter(household_id=filters.household_id)
    if filters.status is not None:
        lines = lines.filter(status=filters.status)
    return paginate(
        lines, page, order=("-id",), key="lending.lines", items=lambda rows: [*map(line_out, rows)]
    )


@router.get(
    "/lending/lines/{line_id}",
    response=responses(CreditLineDetailOut),
    summary="授信 · a credit line with its history",
)
def lending_line_detail(request, line_id: int):
    scope = require(request, Perm.LENDING_VIEW)
    lines = lines_in_reach(scope).prefetch_related(
        Prefetch("events", queryset=CreditLineEvent.objects.order_by("at", "pk"))
    )
    return line_detail_out(get_or_404(lines, line_id))


@router.get(
    "/lending/loans",
    response=responses(Page[LoanOut]),
    summary="贷款列表 · loans in reach, the newest first",
)
def lending_loans_list(request, filters: Query[LoanFilters], page: Query[PageQuery]):
    scope = require(request, Perm.LENDING_VIEW)
    loans = loans_in_reach(scope)
    if filters.household_id is not None:
        loans = loans.filter(household_id=filters.household_id)
    if filters.status is not None:
        loans = loans.filter(status=filters.status)
    return paginate(
        loans, page, order=("-id",), key="lending.loans", items=lambda rows: [*map(loan_out, rows)]
    )


@router.get(
    "/lending/loans/{loan_id}",
    response=responses(LoanDetailOut),
    summary="贷款 · a loan with its schedule as paid today and its repayments",
)
def lending_loan_detail(request, loan_id: int):
    scope = require(request, Perm.LENDING_VIEW)
    loan = get_or_404(loans_in_reach(scope), loan_id)
    return loan_detail(loan, timezone.localdate())


@router.post(
    "/lending/loans/{loan_id}/repayments",
    response=responses(RepaymentRecordedOut, 400, 409, status=201),
    summary="登记还款 · record a repayment (credit union; Idempotency-Key required)",
    description=(
        "The repayment is split into interest and principal oldest instalment first, "
        "as on the repayment page. The same Idempotency-Key with the same body answers "
        "with the first repayment and records nothing; with another body: 409."
    ),
)
def lending_repayment_create(
    request,
    loan_id: int,
    paid_on: date = Body(..., description="还款日期，不晚于今天"),  # noqa: B008
    amount: Decimal = Body(  # noqa: B008
        ..., gt=0, max_digits=12, decimal_places=2, description="还款金额（元）"
    ),
    bank_reference: str = Body(
        ..., min_length=1, max_length=60, description="信用社交易流水号，同一笔贷款内不能重复"
    ),
    note: str = Body("", max_length=200, description="备注"),
    idempotency_key: str = Header(
        ..., alias="Idempotency-Key", pattern=KEY_PATTERN, description="客户端生成的唯一编号"
    ),
):
    scope = require(request, Perm.LENDING_MANAGE)
    loan = get_or_404(loans_in_reach(scope, Perm.LENDING_MANAGE), loan_id)
    amount = amount.quantize(CENT)
    reference = clean_line(bank_reference, "流水号", field="bank_reference", code=True)
    note = clean_line(note, "备注", field="note")
    content = {
        "loan": loan.pk,
        "paid_on": paid_on.isoformat(),
        "amount": str(amount),
        "bank_reference": reference,
        "note": note,
    }

    def perform() -> int:
        return repayment_services.repayment_record(
            actor=request.user,
            loan=loan,
            paid_on=paid_on,
            amount=amount,
            bank_reference=reference,
            note=note,
        ).pk

    try:
        repayment_id, replayed = record_once(
            actor=request.user,
            kind="api.repayment",
            key=idempotency_key,
            body=content,
            perform=perform,
        )
    except KeyReused:
        raise key_reused() from None
    repayment = Repayment.objects.get(pk=repayment_id)
    loan = loans_in_reach(scope).get(pk=repayment.loan_id)
    detail = loan_detail(loan, timezone.localdate())
    reversed_ids = {r["reverses_id"] for r in detail["repayments"] if r["reverses_id"]}
    return Status(201, {"repayment": repayment_out(repayment, reversed_ids), "loan": detail})
