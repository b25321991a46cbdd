"""Repayments: money the credit union received on a loan, recorded by the officer or
imported from the bank's file (lending/repayment_import.py), each with the bank's
transaction number (流水号), unique per loan — recording the same number twice is
refused, which is what makes a re-import record nothing.

A repayment is split into interest and principal as `schedule.split_payment` says
(oldest instalment first, its interest before its principal) and never changes; a
mistake is corrected by a reversal (冲正), a row of the opposite amount citing it.
After every change the loan's days past due are recomputed for today, and a loan
whose schedule is paid in full is marked repaid (结清) — back to active if a reversal
reopens it. `overdue_refresh` (the `sanxin loans-overdue` command, daily) recomputes
the days past due of every active loan, so the overdue list reads stored figures."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.lending import schedule as sched
from sanxin.lending.choices import LoanStatus, RepaymentSource
from sanxin.lending.models import Instalment, Loan, Repayment
from sanxin.lending.services.loans import clock, schedule_of

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
MAX_REFERENCE = 60  # Repayment.bank_reference
REFRESH_CHUNK = 500


def check_officer(actor: User | None, loan: Loan) -> None:
    """The credit officer over the loan's household, not their own household."""
    scope = scope_for(actor)
    household = loan.household
    if not scope.covers_household(household, Perm.LENDING_MANAGE):
        raise PermissionDenied
    if household.pk in scope.own_household_ids():
        raise ValidationError(_("这是您本人家庭的贷款，不能经办，请回避。"))


def net_payments(repayments: Sequence[Repayment]) -> list[sched.Payment]:
    """The repayments that stand: neither a reversal nor reversed by one."""
    reversed_ids = {r.reverses_id for r in repayments if r.reverses_id is not None}
    return [
        sched.Payment(r.paid_on, r.amount)
        for r in repayments
        if r.reverses_id is None and r.pk not in reversed_ids
    ]


def loan_state(
    loan: Loan,
    as_of: date,
    *,
    instalments: Sequence[Instalment] | None = None,
    repayments: Sequence[Repayment] | None = None,
) -> sched.Allocation:
    """The loan's schedule as paid on `as_of`: per instalment what is paid and due,
    outstanding principal, days past due. Pass prefetched rows to save the queries."""
    if instalments is None:
        instalments = list(loan.instalments.order_by("number"))
    if repayments is None:
        repayments = list(loan.repayments.all())
    return sched.allocate(schedule_of(loan, instalments), net_payments(repayments), as_of)


def _settle(loan: Loan, today: date) -> None:
    """Recompute the loan's days past due and whether it is repaid, from the database."""
    instalments = list(loan.instalments.order_by("number"))
    repayments = list(loan.repayments.all())
    payments = net_payments(repayments)
    whole = sched.allocate(schedule_of(loan, instalments), payments, date.max)
    fields = ["days_past_due", "days_past_due_on", "updated_at"]
    if whole.settled and loan.status == LoanStatus.ACTIVE:
        loan.status = LoanStatus.REPAID
        loan.closed_on = max((s.paid_off_on for s in whole.states if s.paid_off_on), default=today)
        fields += ["status", "closed_on"]
    elif not whole.settled and loan.status == LoanStatus.REPAID:
        loan.status, loan.closed_on = LoanStatus.ACTIVE, None
        fields += ["status", "closed_on"]
    loan.days_past_due = (
        0
        if loan.status != LoanStatus.ACTIVE
        else sched.allocate(schedule_of(loan, instalments), payments, today).days_past_due
    )
    loan.days_past_due_on = today
    loan.save(update_fields=fields)


def _amount(value: Decimal) -> Decimal:
    value = Decimal(value)
    if value != value.quantize(CENT):
        raise ValidationError({"amount": _("金额最多精确到分。")})
    if value <= 0:
        raise ValidationError({"amount": _("还款金额必须大于零。")})
    return value


def _record(
    *,
    actor: User | None,
    loan: Loan,
    paid_on: date,
    amount: Decimal,
    bank_reference: str,
    source: str,
    note: str = "",
    today: date,
    now,
) -> Repayment:
    """Record one repayment on a locked loan (the caller checked who acts)."""
    if loan.status != LoanStatus.ACTIVE:
        raise ValidationError(
            _("该贷款已%(status)s，不能再登记还款。") % {"status": loan.get_status_display()}
        )
    if paid_on > today:
        raise ValidationError({"paid_on": _("还款日期不能晚于今天。")})
    if paid_on < loan.disbursed_on:
        raise ValidationError({"paid_on": _("还款日期不能早于放款日期。")})
    if loan.repayments.filter(bank_reference=bank_reference).exists():
        raise ValidationError(
            {"bank_reference": _("流水号“%(ref)s”已经登记过。") % {"ref": bank_reference}}
        )
    instalments = schedule_of(loan)
    repayments = list(loan.repayments.all())
    paid_before = sum((p.amount for p in net_payments(repayments)), Decimal("0"))
    remaining = sum((i.total for i in instalments), Decimal("0")) - paid_before
    if amount > remaining:
        raise ValidationError(
            {
                "amount": _("还款金额超过该贷款按计划尚未还清的本息 %(left)s 元。")
                % {"left": f"{remaining:,.2f}"}
            }
        )
    interest, principal = sched.split_payment(instalments, paid_before, amount)
    repayment = Repayment(
        loan=loan,
        paid_on=paid_on,
        amount=amount,
        principal_part=principal,
        interest_part=interest,
        source=source,
        bank_reference=bank_reference,
        note=note,
        recorded_by=actor,
        recorded_at=now,
    )
    repayment.full_clean()
    repayment.save()
    _settle(loan, today)
    return repayment


def _reference(value: str) -> str:
    reference = value.strip()
    if not reference:
        raise ValidationError({"bank_reference": _("请填写信用社的交易流水号。")})
    if len(reference) > MAX_REFERENCE:
        raise ValidationError({"bank_reference": _("流水号太长（最多 60 个字符）。")})
    return reference


def repayment_record(
    *,
    actor: User,
    loan: Loan,
    paid_on: date,
    amount: Decimal,
    bank_reference: str,
    note: str = "",
    now: datetime | None = None,
) -> Repayment:
    """The officer records money received on a loan, with the bank's transaction
    number (a second record with the same number is refused)."""
    check_officer(actor, loan)
    amount = _amount(amount)
    reference = _reference(bank_reference)
    now, today = clock(now)
    with transaction.atomic():
        locked = (
            Loan.objects.select_for_update()
            .select_related("household__villager_group")
            .get(pk=loan.pk)
        )
        try:
            with transaction.atomic():
                repayment = _record(
                    actor=actor,
                    loan=locked,
                    paid_on=paid_on,
                    amount=amount,
                    bank_reference=reference,
                    source=RepaymentSource.MANUAL,
                    note=note.strip(),
                    today=today,
                    now=now,
                )
        except IntegrityError:
            # Only the reference's uniqueness is a user's error (a concurrent entry of
            # the same slip); any other refusal of the database is a fault, raised as is.
            if not Repayment.objects.filter(loan=locked, bank_reference=reference).exists():
                raise
            raise ValidationError(
                {"bank_reference": _("流水号“%(ref)s”已经登记过。") % {"ref": reference}}
            ) from None
        audit(
            actor=actor,
            action="repayment.record",
            obj=repayment,
            region_path=locked.household.villager_group.path,
            after={
                "loan": locked.bank_loan_number,
                "paid_on": paid_on.isoformat(),
                "amount": str(amount),
                "principal": str(repayment.principal_part),
                "interest": str(repayment.interest_part),
                "bank_reference": reference,
            },
            at=now,
        )
    loan.refresh_from_db()
    return repayment


def repayment_reverse(
    *, actor: User, repayment: Repayment, reason: str, now: datetime | None = None
) -> Repayment:
    """Take back a repayment recorded by mistake: a row of the opposite amounts citing
    it (the original stays); the loan's state is recomputed."""
    loan = repayment.loan
    check_officer(actor, loan)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请写明冲正原因。")})
    now, today = clock(now)
    with transaction.atomic():
        locked = (
            Loan.objects.select_for_update()
            .select_related("household__villager_group")
            .get(pk=loan.pk)
        )
        original = Repayment.objects.get(pk=repayment.pk)
        if original.reverses_id is not None:
            raise ValidationError(_("冲正记录本身不能再冲正。"))
        if Repayment.objects.filter(reverses=original).exists():
            raise ValidationError(_("该笔还款已经冲正过了。"))
        reversal = Repayment(
            loan=locked,
            paid_on=today,
            amount=-original.amount,
            principal_part=-original.principal_part,
            interest_part=-original.interest_part,
            source=RepaymentSource.MANUAL,
            reverses=original,
            note=reason[:200],
            recorded_by=actor,
            recorded_at=now,
        )
        reversal.full_clean()
        reversal.save()
        # Later repayments keep their recorded split; the allocation is recomputed
        # from the standing amounts, so the loan's state is right either way.
        _settle(locked, today)
        audit(
            actor=actor,
            action="repayment.reverse",
            obj=original,
            region_path=locked.household.villager_group.path,
            before={"amount": str(original.amount), "bank_reference": original.bank_reference},
            after={"reason": reason},
            at=now,
        )
    return reversal


def overdue_refresh(*, today: date | None = None) -> tuple[int, int]:
    """Recompute the days past due of every active loan as of `today` (by default
    the local date), chunk by chunk in a fixed number of queries per chunk; returns
    (loans checked, loans overdue). The system's daily computation: no audit row."""
    today = today or timezone.localdate()
    checked = overdue = 0
    last = 0
    while True:
        chunk = list(
            Loan.objects.filter(status=LoanStatus.ACTIVE, pk__gt=last)
            .order_by("pk")
            .prefetch_related("instalments", "repayments")[:REFRESH_CHUNK]
        )
        if not chunk:
            break
        changed = []
        for loan in chunk:
            instalments = sorted(loan.instalments.all(), key=lambda i: i.number)
            dpd = loan_state(
                loan, today, instalments=instalments, repayments=list(loan.repayments.all())
            ).days_past_due
            if dpd != loan.days_past_due or loan.days_past_due_on != today:
                loan.days_past_due, loan.days_past_due_on = dpd, today
                changed.append(loan)
            overdue += dpd > 0
        with transaction.atomic():
            Loan.objects.bulk_update(changed, ["days_past_due", "days_past_due_on"])
        checked += len(chunk)
        last = chunk[-1].pk
    logger.info("days past due as of %s: %d active loans, %d overdue", today, checked, overdue)
    return checked, overdue
