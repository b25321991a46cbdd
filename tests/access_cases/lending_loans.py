"""Access cases for loans (用信): applications, decisions, disbursement, loans and their
schedules, repayments and the bank's file, the overdue list. Loan details are for the
credit union over the household and for the household itself, nobody else."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.access_cases import Case
from tests.access_cases.effects import audited, succeeded

OFFICERS = {"credit_officer", "other_credit_officer"}
HOUSEHOLD_SIDE = {"credit_officer", "villager"}


def _line(w) -> None:
    from tests.lending.loan_world import credit_line, policy

    policy(w)
    credit_line(w)


def _applied(w) -> None:
    from tests.lending.loan_world import applied

    _line(w)
    w.application = applied(w, amount="20000")


def _granted(w) -> None:
    from sanxin.lending.services.loans import loan_decide

    _applied(w)
    loan_decide(actor=w.users["credit_officer"], application=w.application, grant=True)


def _loan(w) -> None:
    from tests.lending.loan_world import disbursed

    _line(w)
    w.loan = disbursed(w, amount="12000", on=timezone.localdate() - timedelta(days=70))


def _repaid(w) -> None:
    from sanxin.lending.services.repayments import repayment_record

    _loan(w)
    w.repayment = repayment_record(
        actor=w.users["credit_officer"],
        loan=w.loan,
        paid_on=timezone.localdate(),
        amount=Decimal("100"),
        bank_reference="LS-ACCESS",
    )


def _csv(w) -> bytes:
    return (
        f"贷款编号,还款日期,金额,流水号\r\nJJ2025001,{timezone.localdate()},50,LS-FILE\r\n".encode()
    )


def _pending(w) -> None:
    from sanxin.lending.repayment_import import pending_repayments_create

    _loan(w)
    w.repay_token = pending_repayments_create(
        user=w.users["credit_officer"], region=w.town_a, filename="还款.csv", content=_csv(w)
    ).token


# --- effects ---------------------------------------------------------------------------------


def _application_made(w, username):
    from sanxin.lending.models import LoanApplication

    succeeded(w, username)
    application = LoanApplication.objects.get(household=w.household)
    assert application.applied_by == w.users[username]
    assert application.on_behalf == (username == "credit_officer")
    audited(w, username, "loan.apply", object_id=str(application.pk))


def _refused(w, username):
    succeeded(w, username)
    w.application.refresh_from_db()
    assert w.application.status == "refused"
    assert w.application.refusal_reasons == ["existing_debt"]
    audited(w, username, "loan.refuse", object_id=str(w.application.pk))


def _disbursed(w, username):
    from sanxin.lending.models import Loan

    succeeded(w, username)
    loan = Loan.objects.get(application=w.application)
    assert loan.bank_loan_number == "JJ-ACCESS" and loan.instalments.count() == 12
    audited(w, username, "loan.disburse", object_id=str(loan.pk))


def _withdrawn(w, username):
    succeeded(w, username)
    w.application.refresh_from_db()
    assert w.application.status == "withdrawn"
    audited(w, username, "loan.withdraw", object_id=str(w.application.pk))


def _repayment_recorded(w, username):
    from sanxin.lending.models import Repayment

    succeeded(w, username)
    repayment = Repayment.objects.get(loan=w.loan, bank_reference="LS-WEB")
    assert repayment.amount == Decimal("300.00")
    audited(w, username, "repayment.record", object_id=str(repayment.pk))


def _reversed(w, username):
    succeeded(w, username)
    assert w.repayment.reversed_by.amount == Decimal("-100.00")
    audited(w, username, "repayment.reverse", object_id=str(w.repayment.pk))


def _previewed(w, username):
    from sanxin.households.models import PendingImport
    from sanxin.lending.models import Repayment

    assert not Repayment.objects.exists()
    pending = PendingImport.objects.get(user=w.users[username])
    assert f"/lending/repayments/import/{pending.token}/confirm/" in w.response.content.decode()


def _imported(w, username):
    from sanxin.households.models import PendingImport
    from sanxin.lending.models import Repayment

    succeeded(w, username)
    assert Repayment.objects.get(loan=w.loan).bank_reference == "LS-FILE"
    assert not PendingImport.objects.exists()
    audited(w, username, "repayment.import")


CASES = [
    Case(
        "lending:apply",
        lambda w: f"/lending/household/{w.household.pk}/apply/",
        HOUSEHOLD_SIDE,
        setup=_line,
    ),
    Case(
        "lending:apply",
        lambda w: f"/lending/household/{w.household.pk}/apply/",
        HOUSEHOLD_SIDE,
        method="post",
        setup=_line,
        data=lambda w: {
            "amount": "30000",
            "purpose": "industry",
            "term_months": "12",
            "method": "equal_instalments",
        },
        effect=_application_made,
    ),
    Case("lending:applications", lambda w: "/lending/applications/", OFFICERS, setup=_applied),
    Case(
        "lending:application",
        lambda w: f"/lending/applications/{w.application.pk}/",
        HOUSEHOLD_SIDE,
        setup=_applied,
    ),
    Case(
        "lending:application_decide",
        lambda w: f"/lending/applications/{w.application.pk}/decide/",
        {"credit_officer"},
        method="post",
        setup=_applied,
        data=lambda w: {"decision": "refuse", "reasons": ["existing_debt"], "note": ""},
        effect=_refused,
    ),
    Case(
        "lending:application_disburse",
        lambda w: f"/lending/applications/{w.application.pk}/disburse/",
        {"credit_officer"},
        method="post",
        setup=_granted,
        data=lambda w: {
            "disbursed_on": timezone.localdate().isoformat(),
            "amount": "20000",
            "bank_loan_number": "JJ-ACCESS",
        },
        effect=_disbursed,
    ),
    Case(
        "lending:application_withdraw",
        lambda w: f"/lending/applications/{w.application.pk}/withdraw/",
        HOUSEHOLD_SIDE,
        method="post",
        setup=_applied,
        effect=_withdrawn,
    ),
    Case("lending:loans", lambda w: "/lending/loans/", OFFICERS, setup=_loan),
    Case("lending:loan", lambda w: f"/lending/loans/{w.loan.pk}/", HOUSEHOLD_SIDE, setup=_loan),
    Case("lending:overdue", lambda w: "/lending/loans/overdue/", OFFICERS, setup=_loan),
    Case(
        "lending:repay",
        lambda w: f"/lending/loans/{w.loan.pk}/repay/",
        {"credit_officer"},
        setup=_loan,
    ),
    Case(
        "lending:repay",
        lambda w: f"/lending/loans/{w.loan.pk}/repay/",
        {"credit_officer"},
        method="post",
        setup=_loan,
        data=lambda w: {
            "paid_on": timezone.localdate().isoformat(),
            "amount": "300",
            "bank_reference": "LS-WEB",
            "note": "",
        },
        effect=_repayment_recorded,
    ),
    Case(
        "lending:repayment_reverse",
        lambda w: f"/lending/repayments/{w.repayment.pk}/reverse/",
        {"credit_officer"},
        method="post",
        setup=_repaid,
        data=lambda w: {"reason": "录错了"},
        effect=_reversed,
    ),
    Case("lending:repayment_import", lambda w: "/lending/repayments/import/", OFFICERS),
    Case(
        "lending:repayment_import",
        lambda w: "/lending/repayments/import/",
        {"credit_officer"},
        method="post",
        setup=_loan,
        data=lambda w: {"village": w.town_a.pk, "file": SimpleUploadedFile("还款.csv", _csv(w))},
        effect=_previewed,
    ),
    Case(
        "lending:repayment_import_confirm",
        lambda w: f"/lending/repayments/import/{w.repay_token}/confirm/",
        {"credit_officer"},
        method="post",
        setup=_pending,
        effect=_imported,
    ),
    Case("lending:repayment_template", lambda w: "/lending/repayments/template/", OFFICERS),
]
