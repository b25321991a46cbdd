"""Erasing the whole database before a fresh demo (`demo-data --reset`)."""

from __future__ import annotations

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from sanxin.lib import append_only
from sanxin.rules.services import scheme_versions_unfreeze_for_erase


def reset_database(using: str = DEFAULT_DB_ALIAS) -> None:
    """Erase ALL data in the database, the append-only audit log included.

    In one transaction: drop the append-only triggers, flush every table, put the
    triggers back. Works on SQLite and PostgreSQL (both have transactional DDL).
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Deferred foreign-key checks pending in this transaction block TRUNCATE.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        tables = append_only.drop_triggers(using)
        # Scheme versions in use are frozen (no DELETE); unfreeze them to erase them.
        scheme_versions_unfreeze_for_erase(using)
        call_command("flush", interactive=False, database=using, verbosity=0)
        append_only.create_triggers(tables, using)
