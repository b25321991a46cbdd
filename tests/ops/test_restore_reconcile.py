"""`sanxin restore` reconciles what it restored (the restore itself is
tests/ops/test_backup.py's; here it is replaced by a stand-in, and the command
reconciles the test database as it would the restored one)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sanxin.rewards.models import Wallet
from sanxin.rewards.services.balances import wallets_ensure
from sanxin.web.management.commands import restore

MANIFEST = {"created_at": "2026-12-01T02:00:00Z", "sanxin_version": "test", "media": None}


@pytest.fixture
def restored(monkeypatch, tmp_path):
    monkeypatch.setattr(restore, "backup_restore", lambda path, db: MANIFEST)
    # The command closes the connections before a real restore; the stand-in needs the
    # test's own connection (on PostgreSQL, closing it would end the test's transaction).
    monkeypatch.setattr(restore.connections, "close_all", lambda: None)
    return tmp_path / "sanxin-sanxin-20261201T020000Z.sqlite3.gz"


def test_a_restore_reconciles_the_restored_ledgers(world, restored):
    wallets_ensure([world.household.pk])
    out = StringIO()
    call_command("restore", str(restored), stdout=out)
    assert "✓ wallet.balance" in out.getvalue()
    assert "对账通过" in out.getvalue()


def test_a_restore_whose_ledgers_disagree_ends_with_an_error(world, restored):
    wallets_ensure([world.household.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Wallet._meta.db_table} SET balance = 7 WHERE household_id = %s",
            [world.household.pk],
        )
    out = StringIO()
    with pytest.raises(CommandError, match="恢复已完成，但对账发现不一致"):
        call_command("restore", str(restored), stdout=out)
    assert "✗ wallet.balance" in out.getvalue() and str(world.household.pk) in out.getvalue()


def test_reconciling_can_be_left_for_later(world, restored):
    out = StringIO()
    call_command("restore", str(restored), "--no-reconcile", stdout=out)
    assert "没有对账" in out.getvalue() and "✓" not in out.getvalue()


def test_an_older_backup_is_migrated_before_it_is_reconciled(world, restored, monkeypatch):
    # A backup of an older version: its schema lacks this version's migrations, which
    # the reconciliation's queries expect.
    monkeypatch.setattr(
        restore.MigrationExecutor, "migration_plan", lambda self, targets: [("pending", False)]
    )
    out = StringIO()
    call_command("restore", str(restored), stdout=out)
    assert "请先运行 sanxin migrate，再运行 sanxin reconcile" in out.getvalue()
    assert "✓" not in out.getvalue()
