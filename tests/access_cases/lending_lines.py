"""Access cases for the credit policy and credit lines (lending): the credit officer of
the town works them, the district's credit officer publishes the policy, the household
sees its own line; the shop clerk, the sub-teams, the committee and another village's
villager see none of it."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.access_cases import Case
from tests.access_cases.effects import audited, succeeded

OFFICERS = {"credit_officer", "other_credit_officer"}
TODAY = timezone.localdate()
BANK_HEADER = "授信编号,户号,信用社决定,原因"


def _policy(w) -> None:
    from sanxin.lending.services.policy import credit_policy_publish, default_terms

    credit_policy_publish(
        actor=None,
        district=w.district,
        effective_from=TODAY - timedelta(days=60),
        grades=default_terms(),
        today=TODAY - timedelta(days=60),
    )


def _final(w) -> None:
    """Village A1's cycle final with both households graded 4A, the seed policy in force."""
    from datetime import date

    from sanxin.credit.services import assessment_record
    from sanxin.rules.services import scheme_install_default
    from tests.access_cases.credit import ANSWERS
    from tests.factories import cycle_final, cycle_on_notice

    scheme_install_default(district=w.district)
    for household in (w.household, w.household_a1_2):
        assessment_record(
            actor=w.users["credit_officer"],
            household=household,
            period="2025",
            assessed_on=date(2025, 3, 1),
            answers=ANSWERS,
        )
    _policy(w)
    cycle = cycle_on_notice(
        w, cut_off=TODAY - timedelta(days=40), notice_day=TODAY - timedelta(days=30)
    )
    cycle_final(w, cycle, day=TODAY - timedelta(days=23))


def _granted(w) -> None:
    from sanxin.lending.services.lines import credit_lines_grant_village

    _final(w)
    credit_lines_grant_village(actor=w.users["credit_officer"], village=w.village_a1)
    w.line = w.household.credit_lines.get()


def _suspended(w) -> None:
    from sanxin.ratings.services.vetoes import veto_record

    _granted(w)
    veto_record(
        actor=w.users["committee_member"],
        household=w.household,
        rule_code="loan.malicious_default",
        starts_on=TODAY,
        evidence_text="信用社催收通知书",
        today=TODAY,
    )


def _bank_csv(w) -> bytes:
    return f"{BANK_HEADER}\r\n{w.line.reference},001,批准,\r\n".encode()


def _pending(w) -> None:
    from sanxin.lending.bank_decisions import pending_bank_create

    _granted(w)
    w.bank_token = pending_bank_create(
        user=w.users["credit_officer"],
        village=w.village_a1,
        filename="审批.csv",
        content=_bank_csv(w),
    ).token


def _district_officer(w) -> None:
    """The credit officer also bound to the district: the policy's publisher."""
    from sanxin.accounts.choices import Role
    from sanxin.accounts.models import RoleAssignment

    RoleAssignment.objects.create(
        user=w.users["credit_officer"], role=Role.CREDIT_OFFICER, region=w.district
    )


def _policy_post(w) -> dict:
    data = {
        "effective_from": TODAY.isoformat(),
        "standard_line": "30000",
        "standard_rate": "7.5",
        "note": "",
    }
    for grade, line, rate in (
        ("5A", "200000", "4.75"),
        ("4A", "150000", "4.75"),
        ("3A", "30000", "7.5"),
    ):
        data[f"line_{grade}"], data[f"rate_{grade}"] = line, rate
    return data


# --- effects ------------------------------------------------------------------------------


def _published(w, username):
    from sanxin.lending.models import CreditPolicy

    succeeded(w, username)
    policy = CreditPolicy.objects.get(district=w.district)
    assert policy.published_by == w.users[username] and policy.grades.count() == 3
    audited(w, username, "lending.policy_publish", object_id=str(policy.pk))


def _granted_all(w, username):
    from sanxin.lending.models import CreditLine

    succeeded(w, username)
    assert CreditLine.objects.filter(village=w.village_a1, status="granted").count() == 2
    audited(w, username, "lending.lines_grant")


def _granted_one(w, username):
    from sanxin.lending.models import CreditLine

    succeeded(w, username)
    line = CreditLine.objects.get(household=w.household)
    assert (line.amount, line.reason) == (80000, "本人申请降低额度")
    audited(w, username, "lending.line_grant", object_id=str(line.pk))


def _declined(w, username):
    from sanxin.lending.models import CreditLine

    succeeded(w, username)
    line = CreditLine.objects.get(household=w.household)
    assert line.status == "declined" and line.reason == "外出务工，无法核实"
    audited(w, username, "lending.line_decline", object_id=str(line.pk))


def _acknowledged(w, username):
    succeeded(w, username)
    w.line.refresh_from_db()
    assert w.line.status == "suspended" and not w.line.needs_attention
    audited(w, username, "lending.line_acknowledge", object_id=str(w.line.pk))


def _previewed(w, username):
    from sanxin.households.models import PendingImport

    w.line.refresh_from_db()
    assert w.line.bank_decision == "pending"
    pending = PendingImport.objects.get(user=w.users[username])
    assert f"/lending/bank/{pending.token}/confirm/" in w.response.content.decode()


def _bank_recorded(w, username):
    from sanxin.households.models import PendingImport

    succeeded(w, username)
    w.line.refresh_from_db()
    assert w.line.bank_decision == "approved"
    assert not PendingImport.objects.exists()
    audited(w, username, "lending.bank_import")


CASES = [
    Case("lending:index", lambda w: "/lending/", OFFICERS),
    Case("lending:index", lambda w: "/lending/", OFFICERS, setup=_suspended),
    Case("lending:policy", lambda w: "/lending/policy/", OFFICERS, setup=_policy),
    Case(
        "lending:policy",
        lambda w: "/lending/policy/",
        {"credit_officer"},
        method="post",
        setup=_district_officer,
        data=_policy_post,
        effect=_published,
    ),
    Case(
        "lending:village",
        lambda w: f"/lending/villages/{w.village_a1.pk}/",
        {"credit_officer"},
        setup=_granted,
    ),
    Case(
        "lending:grant_all",
        lambda w: f"/lending/villages/{w.village_a1.pk}/grant/",
        {"credit_officer"},
        method="post",
        setup=_final,
        effect=_granted_all,
    ),
    # The export is an .xlsx (the matrix reads only text answers); its content is
    # tested in tests/lending/test_bank.py.
    Case(
        "lending:export",
        lambda w: f"/lending/villages/{w.village_a1.pk}/lines.xlsx",
        {"credit_officer"},
        setup=_granted,
    ),
    Case(
        "lending:line_form",
        lambda w: f"/lending/households/{w.household.pk}/line/",
        {"credit_officer"},
        setup=_final,
    ),
    Case(
        "lending:line_form",
        lambda w: f"/lending/households/{w.household.pk}/line/",
        {"credit_officer"},
        method="post",
        setup=_final,
        data=lambda w: {
            "line_amount": "80000",
            "annual_rate": "4.75",
            "reason": "本人申请降低额度",
        },
        effect=_granted_one,
    ),
    Case(
        "lending:line_decline",
        lambda w: f"/lending/households/{w.household.pk}/decline/",
        {"credit_officer"},
        method="post",
        setup=_final,
        data=lambda w: {"reason": "外出务工，无法核实"},
        effect=_declined,
    ),
    Case(
        "lending:acknowledge",
        lambda w: f"/lending/lines/{w.line.pk}/acknowledge/",
        {"credit_officer"},
        method="post",
        setup=_suspended,
        effect=_acknowledged,
    ),
    Case("lending:bank_import", lambda w: "/lending/bank/", OFFICERS),
    Case(
        "lending:bank_import",
        lambda w: "/lending/bank/",
        {"credit_officer"},
        method="post",
        setup=_granted,
        data=lambda w: {
            "village": w.village_a1.pk,
            "file": SimpleUploadedFile("审批.csv", _bank_csv(w)),
        },
        effect=_previewed,
    ),
    Case(
        "lending:bank_import_confirm",
        lambda w: f"/lending/bank/{w.bank_token}/confirm/",
        {"credit_officer"},
        method="post",
        setup=_pending,
        effect=_bank_recorded,
    ),
    Case(
        "lending:household",
        lambda w: f"/lending/household/{w.household.pk}/",
        {"credit_officer", "villager"},
        setup=_suspended,
    ),
]
