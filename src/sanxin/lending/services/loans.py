"""Loans (用信): a household applies on its credit line (or the officer records the
application on its behalf), the credit officer grants or refuses it — a refusal with
its principal reasons, shown to the household — and records the disbursement, which
fixes the rate of the policy in force that day and stores the repayment schedule.

Who may do what: the household's own villager accounts apply for it; the credit
officer over the household (Perm.LENDING_MANAGE) applies on its behalf, decides and
disburses — never for their own household (recusal). One open application per
household at a time: applied, or granted and not yet disbursed."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households.models import Household
from sanxin.lending import schedule as sched
from sanxin.lending.choices import (
    LINE_CURRENT,
    LINE_USABLE,
    ApplicationStatus,
    BankDecision,
    LoanPurpose,
    LoanStatus,
    RefusalReason,
    RepaymentMethod,
)
from sanxin.lending.models import CreditLine, Instalment, Loan, LoanApplication, Repayment
from sanxin.lending.selectors import policy_in_force
from sanxin.notifications.choices import Kind
from sanxin.notifications.services import notify
from sanxin.rules.selectors import district_of

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

NOTIFY_KIND = Kind.LOAN
CENT = Decimal("0.01")


def clock(now: datetime | None) -> tuple[datetime, date]:
    """The operation's one moment and its local date: `now` when the caller gives one
    (the demo's story, a replayed record), else the present."""
    now = now or timezone.now()
    return now, timezone.localtime(now).date()


# --- who may act ---------------------------------------------------------------------


def _is_own_villager(actor: User, household: Household) -> bool:
    """The actor holds a villager grant over this very household."""
    return any(
        g.household_id == household.pk for g in scope_for(actor).grants_for(Perm.LENDING_VIEW)
    )


def _check_officer(actor: User, household: Household) -> None:
    """The credit officer over the household, not deciding on their own."""
    scope = scope_for(actor)
    if not scope.covers_household(household, Perm.LENDING_MANAGE):
        raise PermissionDenied
    if household.pk in scope.own_household_ids():
        raise ValidationError(_("这是您本人的家庭，不能经办其贷款，请回避。"))


# --- reads the services share -----------------------------------------------------------


def current_line(household: Household, *, lock: bool = False) -> CreditLine | None:
    lines = CreditLine.objects.filter(household=household, status__in=LINE_CURRENT)
    if lock:
        lines = lines.select_for_update()
    return lines.first()


def outstanding_principal(*, line: CreditLine) -> Decimal:
    """The principal still owed on the line's active loans (principal − repaid principal)."""
    active = Loan.objects.filter(credit_line=line, status=LoanStatus.ACTIVE)
    lent = active.aggregate(total=Sum("principal"))["total"] or Decimal("0")
    repaid = Repayment.objects.filter(loan__in=active).aggregate(total=Sum("principal_part"))[
        "total"
    ] or Decimal("0")
    return lent - repaid


def open_applications(household: Household):
    """Applied, or granted and not yet disbursed."""
    return LoanApplication.objects.filter(household=household).filter(
        Q(status=ApplicationStatus.APPLIED) | Q(status=ApplicationStatus.GRANTED, loan__isnull=True)
    )


def line_problem(line: CreditLine | None, on: date) -> str | None:
    """Why the line cannot be drawn on `on` (None when it can)."""
    if line is None:
        return _("该户目前没有授信，不能申请贷款。")
    if line.status not in LINE_USABLE:
        return _("该户的授信已暂停，暂不能用信。")
    if line.bank_decision == BankDecision.DECLINED:
        return _("信用社未批准该户的授信，不能用信。")
    if line.valid_until < on:
        return _("该户的授信已于 %(date)s 到期。") % {"date": line.valid_until.isoformat()}
    return None


def available(line: CreditLine) -> Decimal:
    """What the line still allows: its amount less the principal owed on it."""
    return max(Decimal("0.00"), (line.amount or Decimal("0")) - outstanding_principal(line=line))


def _money(value: Decimal, field: str) -> Decimal:
    value = Decimal(value)
    if value != value.quantize(CENT):
        raise ValidationError({field: _("金额最多精确到分。")})
    if value <= 0:
        raise ValidationError({field: _("金额必须大于零。")})
    return value.quantize(CENT)


# --- applying ----------------------------------------------------------------------------


def loan_apply(
    *,
    actor: User,
    household: Household,
    amount: Decimal,
    purpose: str,
    term_months: int,
    method: str,
    purpose_detail: str = "",
    now: datetime | None = None,
) -> LoanApplication:
    """A household's application on its credit line: by one of its villager accounts,
    or recorded by the credit officer on its behalf."""
    on_behalf = not _is_own_villager(actor, household)
    if on_behalf:
        _check_officer(actor, household)
    amount = _money(amount, "amount")
    if purpose not in LoanPurpose.values:
        raise ValidationError({"purpose": _("请选择贷款用途。")})
    if method not in RepaymentMethod.values:
        raise ValidationError({"method": _("请选择还款方式。")})
    if not (1 <= term_months <= sched.MAX_TERM_MONTHS):
        raise ValidationError({"term_months": _("期限为 1 至 360 个月。")})
    now, today = clock(now)
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        line = current_line(household, lock=True)
        if (problem := line_problem(line, today)) is not None:
            raise ValidationError(problem)
        assert line is not None
        if open_applications(household).exists():
            raise ValidationError(_("该户已有一笔正在办理的用信申请，请等信用社处理完后再申请。"))
        room = available(line)
        if amount > room:
            raise ValidationError(
                {"amount": _("申请金额超出可用额度 %(room)s 元。") % {"room": f"{room:,.2f}"}}
            )
        application = LoanApplication(
            household=household,
            credit_line=line,
            amount=amount,
            purpose=purpose,
            purpose_detail=purpose_detail,
            term_months=term_months,
            method=method,
            applied_by=actor,
            on_behalf=on_behalf,
            applied_at=now,
        )
        application.full_clean()
        application.save()
        audit(
            actor=actor,
            action="loan.apply",
            obj=application,
            region_path=household.villager_group.path,
            after={
                "household": household.number,
                "amount": str(amount),
                "purpose": purpose,
                "term_months": term_months,
                "repayment_method": method,
                "on_behalf": on_behalf,
            },
            at=now,
        )
    logger.info("loan application %s for household %s", application.pk, household.pk)
    return application


def loan_withdraw(*, actor: User, application: LoanApplication) -> LoanApplication:
    """The household (or the officer for it) withdraws an application not yet decided."""
    household = application.household
    if not _is_own_villager(actor, household):
        _check_officer(actor, household)
    with transaction.atomic():
        application = LoanApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != ApplicationStatus.APPLIED:
            raise ValidationError(_("该申请已经处理，不能撤回。"))
        application.status = ApplicationStatus.WITHDRAWN
        application.save(update_fields=["status", "updated_at"])
        audit(
            actor=actor,
            action="loan.withdraw",
            obj=application,
            region_path=household.villager_group.path,
        )
    return application


# --- deciding ----------------------------------------------------------------------------


def loan_decide(
    *,
    actor: User,
    application: LoanApplication,
    grant: bool,
    reasons: Iterable[str] = (),
    note: str = "",
    now: datetime | None = None,
) -> LoanApplication:
    """Grant or refuse an application. A refusal states at least one principal reason
    (RefusalReason codes, "other" with the text that explains it); the household is
    told the decision and, for a refusal, its reasons."""
    household = application.household
    _check_officer(actor, household)
    codes = list(dict.fromkeys(reasons))
    note = note.strip()
    now, today = clock(now)
    if grant and codes:
        raise ValidationError({"reasons": _("批准时不需要选择未批准的原因。")})
    if not grant:
        if not codes:
            raise ValidationError({"reasons": _("未批准必须说明主要原因（至少选一项）。")})
        unknown = [c for c in codes if c not in RefusalReason.values]
        if unknown:
            raise ValidationError({"reasons": _("未知的原因：%(codes)s。") % {"codes": unknown}})
        if RefusalReason.OTHER in codes and not note:
            raise ValidationError({"note": _("选择“其他原因”时请写明具体原因。")})
        codes = [c for c in RefusalReason.values if c in codes]  # the list's order
    with transaction.atomic():
        application = (
            LoanApplication.objects.select_for_update()
            .select_related("household__villager_group")
            .get(pk=application.pk)
        )
        if application.status != ApplicationStatus.APPLIED:
            raise ValidationError(_("该申请已经处理过了。"))
        if grant:
            line = current_line(household, lock=True)
            if (problem := line_problem(line, today)) is not None:
                raise ValidationError(problem)
            assert line is not None
            room = available(line)
            if application.amount > room:
                raise ValidationError(
                    _("申请金额超出该户现在的可用额度 %(room)s 元，不能批准。")
                    % {"room": f"{room:,.2f}"}
                )
        application.status = ApplicationStatus.GRANTED if grant else ApplicationStatus.REFUSED
        application.refusal_reasons = codes
        application.decision_note = note
        application.decided_by = actor
        application.decided_at = now
        application.full_clean()
        application.save()
        audit(
            actor=actor,
            action="loan.grant" if grant else "loan.refuse",
            obj=application,
            region_path=household.villager_group.path,
            before={"status": ApplicationStatus.APPLIED.value},
            after={"status": application.status, "reasons": codes, "note": note},
            at=now,
        )
        if grant:
            title = _("您的用信申请（%(amount)s 元）已获批准，请等待信用社放款。") % {
                "amount": f"{application.amount:,.2f}"
            }
            body = note
        else:
            title = _("您的用信申请（%(amount)s 元）未获批准。") % {
                "amount": f"{application.amount:,.2f}"
            }
            body = "；".join(str(RefusalReason(c).label) for c in codes)
            if note:
                body += f"。{note}"
        notify(
            households=[household.pk],
            kind=NOTIFY_KIND,
            title=title,
            body=body,
            url=reverse("lending:application", args=[application.pk]),
            at=now,
        )
    return application


# --- disbursing ----------------------------------------------------------------------------


def loan_disburse(
    *,
    actor: User,
    application: LoanApplication,
    disbursed_on: date,
    bank_loan_number: str,
    amount: Decimal | None = None,
    now: datetime | None = None,
) -> Loan:
    """Record the disbursement of a granted application: the amount (at most the one
    granted), the bank's loan number (the key of the bank's repayment files), the
    annual rate of the district's policy in force on `disbursed_on` for the line's
    grade, and the schedule (Instalment rows) from `schedule.build_schedule`."""
    household = application.household
    _check_officer(actor, household)
    now, today = clock(now)
    number = bank_loan_number.strip()
    if not number:
        raise ValidationError({"bank_loan_number": _("请填写信用社的贷款编号（借据号）。")})
    if disbursed_on > today:
        raise ValidationError({"disbursed_on": _("放款日期不能晚于今天。")})
    with transaction.atomic():
        application = (
            LoanApplication.objects.select_for_update()
            .select_related("household__villager_group", "household__village")
            .get(pk=application.pk)
        )
        if application.status != ApplicationStatus.GRANTED:
            raise ValidationError(_("只有已批准的申请才能登记放款。"))
        if Loan.objects.filter(application=application).exists():
            raise ValidationError(_("该申请已经登记过放款。"))
        principal = _money(application.amount if amount is None else amount, "amount")
        if principal > application.amount:
            raise ValidationError({"amount": _("放款金额不能超过批准的金额。")})
        if disbursed_on < timezone.localtime(application.decided_at).date():
            raise ValidationError({"disbursed_on": _("放款日期不能早于批准日期。")})
        line = CreditLine.objects.select_for_update().get(pk=application.credit_line_id)
        if line.status not in LINE_USABLE:
            raise ValidationError(_("该户的授信已暂停或终止，不能放款。"))
        if line.valid_until < disbursed_on:
            raise ValidationError({"disbursed_on": _("放款日期已过授信有效期。")})
        village = application.household.village
        policy = policy_in_force(district_of(village), disbursed_on)
        grade_row = (
            next((g for g in policy.grades.all() if g.grade == line.current_grade), None)
            if policy is not None
            else None
        )
        if policy is None or grade_row is None:
            raise ValidationError(
                {
                    "disbursed_on": _("%(date)s 没有适用于 %(grade)s 级的授信政策。")
                    % {"date": disbursed_on.isoformat(), "grade": line.current_grade}
                }
            )
        plan = sched.build_schedule(
            principal=principal,
            annual_rate=grade_row.annual_rate,
            disbursed_on=disbursed_on,
            term_months=application.term_months,
            method=application.method,
        )
        loan = Loan(
            application=application,
            household=application.household,
            credit_line=line,
            policy=policy,
            principal=principal,
            disbursed_on=disbursed_on,
            term_months=application.term_months,
            annual_rate=grade_row.annual_rate,
            standard_rate=policy.standard_rate,
            method=application.method,
            maturity_on=plan.maturity,
            bank_loan_number=number,
            days_past_due=0,
            days_past_due_on=today,
            disbursed_by=actor,
            recorded_at=now,
        )
        taken = ValidationError(
            {"bank_loan_number": _("贷款编号“%(n)s”已登记在另一笔贷款上。") % {"n": number}}
        )
        if Loan.objects.filter(bank_loan_number=number).exists():
            raise taken
        loan.full_clean()
        try:
            with transaction.atomic():
                loan.save()
        except IntegrityError:
            raise taken from None
        Instalment.objects.bulk_create(
            Instalment(
                loan=loan,
                number=i.number,
                due_on=i.due_date,
                principal=i.principal,
                interest=i.interest,
            )
            for i in plan.instalments
        )
        audit(
            actor=actor,
            action="loan.disburse",
            obj=loan,
            region_path=application.household.villager_group.path,
            after={
                "household": application.household.number,
                "bank_loan_number": number,
                "principal": str(principal),
                "disbursed_on": disbursed_on.isoformat(),
                "term_months": application.term_months,
                "annual_rate": str(grade_row.annual_rate),
                "policy_version": policy.version,
                "repayment_method": application.method,
                "total_interest": str(plan.total_interest),
            },
            at=now,
        )
        notify(
            households=[household.pk],
            kind=NOTIFY_KIND,
            title=_("贷款 %(amount)s 元已放款，第一期应还日期 %(date)s。")
            % {"amount": f"{principal:,.2f}", "date": plan.instalments[0].due_date.isoformat()},
            url=reverse("lending:loan", args=[loan.pk]),
            at=now,
        )
    logger.info(
        "loan %s disbursed: %d instalments, rate %s",
        loan.pk,
        len(plan.instalments),
        loan.annual_rate,
    )
    return loan


def schedule_of(
    loan: Loan, instalments: Iterable[Instalment] | None = None
) -> list[sched.Instalment]:
    """The stored instalments as the pure module's rows."""
    rows = instalments if instalments is not None else loan.instalments.order_by("number")
    return [sched.Instalment(i.number, i.due_on, i.principal, i.interest) for i in rows]
