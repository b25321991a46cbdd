"""`sanxin reconcile`: it passes on the demo district, and after each kind of
corruption made with raw SQL (past the services, and past the triggers where they
would refuse it) it fails naming the check and the row. The demo is built once for
the module inside a transaction rolled back at the end; each test corrupts in its own
savepoint."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from sanxin.ledger import pending
from sanxin.ledger.models import Entry, PendingEntry, Review
from sanxin.lending.models import Instalment, Repayment
from sanxin.oversight.reconcile import check_names
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards.models import (
    Product,
    Redemption,
    RedemptionLine,
    RedemptionVoid,
    StockMovement,
    Wallet,
    WalletEntry,
)
from sanxin.web import demo
from tests.factories import make_tree

SMALL = 24


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            result = demo.build(households=SMALL)
            make_tree("邻区", "130804000000")
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def world(built, db):
    return built


def _run(*args: str) -> tuple[str, str | None]:
    """(what the command printed, its error or None)."""
    out = StringIO()
    try:
        call_command("reconcile", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


def _failed(output: str) -> dict[str, str]:
    """{check name: its line} of the checks that found something."""
    return {line.split()[1]: line for line in output.splitlines() if line.startswith("✗ ")}


def _clone(model, pk: int, **changes) -> int:
    """INSERT a copy of one row with some columns changed, in raw SQL; its new id."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    key = model._meta.pk.column
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    values = ["%s" if c in changes else qn(c) for c in columns]
    params = [changes[c] for c in columns if c in changes]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) "
            f"SELECT {', '.join(values)} FROM {table} WHERE {qn(key)} = %s RETURNING {qn(key)}",
            [*params, pk],
        )
        return cursor.fetchone()[0]


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# --- the demo passes --------------------------------------------------------------------


def test_the_demo_district_reconciles(world):
    assert Redemption.objects.exists() and RedemptionVoid.objects.exists()
    assert PendingEntry.objects.exists() and Repayment.objects.exists()
    output, error = _run()
    assert error is None, output
    for name in check_names(connection.vendor):
        assert f"✓ {name} " in output
    assert "对账通过" in output


def test_only_runs_the_checks_named(world):
    output, error = _run("--only", "wallet,stock")
    assert error is None
    names = [line.split()[1] for line in output.splitlines() if line.startswith("✓")]
    assert names and all(n.startswith(("wallet.", "stock.")) for n in names)


def test_an_unknown_district_is_refused(world):
    with pytest.raises(CommandError, match="找不到区"):
        call_command("reconcile", "--district", "没有这个区", stdout=StringIO())


# --- each kind of corruption is named ---------------------------------------------------


def _wallet_balance():
    wallet = Wallet.objects.filter(balance__gt=0).first()
    _sql(
        f"UPDATE {Wallet._meta.db_table} SET balance = balance + 5 WHERE household_id = %s",
        [wallet.pk],
    )
    return {"wallet.balance": wallet.pk}


def _stock_on_hand():
    product = Product.objects.filter(movements__isnull=False).first()
    _sql(
        f"UPDATE {Product._meta.db_table} SET stock_quantity = stock_quantity + 3 WHERE id = %s",
        [product.pk],
    )
    return {"stock.on_hand": product.pk}


def _half_applied_redemption():
    # A sale whose redemption and lines were written but not its debit nor its issues.
    first = Redemption.objects.filter(void__isnull=True).first()
    pk = _clone(Redemption, first.pk, number="X-HALF-0001", idempotency_key="x:half")
    for line in first.lines.all():
        _clone(RedemptionLine, line.pk, redemption_id=pk)
    return {"redemption.wallet_debit": pk, "redemption.stock_issues": pk}


def _issue_beyond_the_lines():
    # One more issue for a redemption than its lines say; the product's stock moved
    # with it, so only the issues disagree with the lines.
    issue = StockMovement.objects.filter(kind="issue", redemption__void__isnull=True).first()
    taken = set(issue.redemption.lines.values_list("product_id", flat=True))
    other = Product.objects.filter(shop=issue.product.shop, stock_quantity__gt=0).exclude(
        pk__in=taken
    )[0]
    _clone(StockMovement, issue.pk, product_id=other.pk, quantity=-1)
    _sql(
        f"UPDATE {Product._meta.db_table} SET stock_quantity = stock_quantity - 1 WHERE id = %s",
        [other.pk],
    )
    return {"redemption.stock_issues": issue.redemption_id}


def _line_not_in_the_total():
    line = RedemptionLine.objects.filter(redemption__void__isnull=True).first()
    taken = set(line.redemption.lines.values_list("product_id", flat=True))
    other = Product.objects.filter(shop=line.redemption.shop).exclude(pk__in=taken)[0]
    _clone(RedemptionLine, line.pk, product_id=other.pk)
    # nor was its product issued
    return {"redemption.lines": line.redemption_id, "redemption.stock_issues": line.redemption_id}


def _void_without_its_reversal():
    void = RedemptionVoid.objects.first()
    target = Redemption.objects.filter(void__isnull=True).first()
    pk = _clone(RedemptionVoid, void.pk, redemption_id=target.pk)
    return {"void.wallet": pk, "void.stock": pk}


def _pending_row_lost():
    row = PendingEntry.objects.first()
    _sql(f"DELETE FROM {PendingEntry._meta.db_table} WHERE entry_id = %s", [row.pk])
    return {"ledger.pending": row.pk}


def _review_past_the_trigger():
    # A review written with the pending-entry triggers off: the entry stays "pending".
    row = PendingEntry.objects.first()
    create, drop = pending.trigger_sql(connection.vendor)
    for statement in drop:
        _sql(statement)
    _clone(Review, Review.objects.filter(approved=True).first().pk, entry_id=row.pk)
    for statement in create:
        _sql(statement)
    return {"ledger.pending": row.pk}


def _entry_without_an_item():
    entry = Entry.objects.filter(review__approved=True).first()
    pk = _clone(Entry, entry.pk, item_code="", idempotency_key=None)
    return {"ledger.entry_cites": pk}


def _reversal_that_does_not_cancel():
    entry = Entry.objects.filter(review__approved=True, reversal_of__isnull=True).first()
    pk = _clone(
        Entry,
        entry.pk,
        reversal_of_id=entry.pk,
        points=-entry.points + 1,
        reason="测试",
        idempotency_key=None,
    )
    return {"ledger.reversal": pk}


def _credit_of_another_entry():
    credit = WalletEntry.objects.filter(kind="entry_credit").first()
    other = (
        Entry.objects.filter(household_id=credit.household_id)
        .exclude(wallet_rows__isnull=False)
        .first()
    )
    pk = _clone(WalletEntry, credit.pk, entry_id=other.pk, points=credit.points + 1)
    _sql(  # the balance moved with it: only the credit's cause is wrong
        f"UPDATE {Wallet._meta.db_table} SET balance = balance + %s WHERE household_id = %s",
        [credit.points + 1, credit.household_id],
    )
    return {"wallet.credit": pk}


def _schedule_longer_than_the_loan():
    instalment = Instalment.objects.first()
    _clone(Instalment, instalment.pk, number=99, principal=100)
    return {"loan.schedule": instalment.loan_id}


def _reversal_of_a_repayment_that_does_not_cancel():
    repayment = Repayment.objects.filter(reverses__isnull=True).first()
    pk = _clone(
        Repayment,
        repayment.pk,
        reverses_id=repayment.pk,
        amount=-1,
        principal_part=-1,
        interest_part=0,
        bank_reference="",
    )
    return {"loan.repayment_reversal": pk}


CORRUPTIONS = [
    _wallet_balance,
    _stock_on_hand,
    _half_applied_redemption,
    _issue_beyond_the_lines,
    _line_not_in_the_total,
    _void_without_its_reversal,
    _pending_row_lost,
    _review_past_the_trigger,
    _entry_without_an_item,
    _reversal_that_does_not_cancel,
    _credit_of_another_entry,
    _schedule_longer_than_the_loan,
    _reversal_of_a_repayment_that_does_not_cancel,
]


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__.strip("_"))
def test_each_corruption_is_named_with_its_row(world, corrupt):
    with transaction.atomic():
        expected = corrupt()
        output, error = _run()
        transaction.set_rollback(True)
    assert error is not None and "不一致" in error
    failed = _failed(output)
    for name, pk in expected.items():
        assert name in failed, output
        ids = failed[name].split("discrepancies;", 1)[1]
        assert str(pk) in ids.replace(",", " ").split(), failed[name]
    assert set(failed) == set(expected), output
    assert _run()[1] is None  # rolled back: the demo reconciles again


def test_a_district_filter_sees_only_its_own_rows(world):
    demo_district = Region.objects.exclude(code="130804000000").get(level=Level.DISTRICT)
    with transaction.atomic():
        expected = {**_wallet_balance(), **_stock_on_hand()}
        _, elsewhere = _run("--district", "130804000000")
        output, here = _run("--district", demo_district.code)
        transaction.set_rollback(True)
    assert elsewhere is None
    assert here is not None and set(_failed(output)) == set(expected)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own checks")
def test_a_dangling_foreign_key_is_named_on_sqlite(world):
    with transaction.atomic():
        # Foreign keys are checked at commit (Django declares them deferred): this row
        # cites a redemption that does not exist until the savepoint is rolled back.
        row = WalletEntry.objects.filter(kind="entry_credit").first()
        pk = _clone(WalletEntry, row.pk, entry_id=999_999_999)
        output, error = _run("--only", "sqlite")
        transaction.set_rollback(True)
    assert error is not None
    assert f"rewards_walletentry#{pk}→ledger_entry" in _failed(output)["sqlite.foreign_key_check"]
