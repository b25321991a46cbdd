"""Valid rows for lending's append-only tables, for tests/test_append_only.py: the
generic row builder there fills every field with 1 or "x", which these tables'
constraints refuse (a grade per policy, instalment numbers, parts that add up)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import models
from django.utils import timezone

from sanxin.lending.models import CreditPolicy, CreditPolicyGrade, Instalment, Loan, Repayment

AddRow = Callable[[type[models.Model]], models.Model]


def _first(model: type[models.Model], add_row: AddRow) -> models.Model:
    return model._base_manager.order_by("pk").first() or add_row(model)


def _policy_grades(add_row: AddRow) -> None:
    policy = _first(CreditPolicy, add_row)
    CreditPolicyGrade.objects.bulk_create(
        CreditPolicyGrade(
            policy=policy, grade=grade, line_amount=Decimal(line), annual_rate=Decimal("4.75")
        )
        for grade, line in (("4A", "150000"), ("5A", "200000"))
    )


def _instalments(add_row: AddRow) -> None:
    loan = _first(Loan, add_row)
    today = timezone.localdate()
    Instalment.objects.bulk_create(
        Instalment(loan=loan, number=n, due_on=today, principal=Decimal("1"), interest=Decimal(0))
        for n in (1, 2)
    )


def _repayments(add_row: AddRow) -> None:
    loan = _first(Loan, add_row)
    now = timezone.now()
    Repayment.objects.bulk_create(
        Repayment(
            loan=loan,
            paid_on=now.date(),
            amount=Decimal("100.00"),
            principal_part=Decimal("80.00"),
            interest_part=Decimal("20.00"),
            source="manual",
            bank_reference=ref,
            recorded_at=now,
        )
        for ref in ("R1", "R2")
    )


ROWS: dict[str, Callable[[AddRow], None]] = {
    "lending_creditpolicygrade": _policy_grades,
    "lending_instalment": _instalments,
    "lending_repayment": _repayments,
}
