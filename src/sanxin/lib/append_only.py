"""Database-level append-only tables: triggers that refuse UPDATE and DELETE, on
SQLite and on PostgreSQL, so raw SQL and the ORM are refused alike."""

from __future__ import annotations

from django.db import migrations

# Append-only tables whose oldest rows may be removed at the end of their retention
# period: {table: (window table, time column)}. A DELETE of a row is let through only
# while the window table holds a row whose `before` is later than the row's time —
# the retention job (audit.services.audit_prune) writes that row, deletes, and removes
# it in one transaction. Every other DELETE, and every UPDATE, is refused as before.
PRUNABLE: dict[str, tuple[str, str]] = {
    "oversight_auditevent": ("audit_prunewindow", "at"),
}


def trigger_sql(vendor: str, table: str) -> tuple[list[str], list[str]]:
    window = PRUNABLE.get(table)
    if vendor == "sqlite":
        when = (
            f"WHEN NOT EXISTS (SELECT 1 FROM {window[0]} w WHERE OLD.{window[1]} < w.before)"
            if window
            else ""
        )
        create = [
            f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END""",
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {when}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END""",
        ]
        drop = [
            f"DROP TRIGGER IF EXISTS {table}_no_update",
            f"DROP TRIGGER IF EXISTS {table}_no_delete",
        ]
        return create, drop
    if vendor == "postgresql":
        function = "sanxin_refuse_change"
        functions = [
            """CREATE OR REPLACE FUNCTION sanxin_refuse_change() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END;
               $$ LANGUAGE plpgsql"""
        ]
        if window:
            function = f"sanxin_refuse_change_{table}"
            functions.append(
                f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
                BEGIN
                  IF TG_OP = 'DELETE' AND EXISTS (
                    SELECT 1 FROM {window[0]} w WHERE OLD.{window[1]} < w.before
                  ) THEN RETURN OLD; END IF;
                  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
                END; $$ LANGUAGE plpgsql"""
            )
        create = [
            *functions,
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {function}()""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION sanxin_refuse_change()""",
        ]
        drop = [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        ]
        return create, drop
    raise NotImplementedError(f"append-only triggers are not written for {vendor}")


class AppendOnly(migrations.operations.base.Operation):
    """Migration operation: make `table` append-only."""

    reversible = True

    def __init__(self, table: str):
        self.table = table

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        create, _ = trigger_sql(schema_editor.connection.vendor, self.table)
        for sql in create:
            schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        _, drop = trigger_sql(schema_editor.connection.vendor, self.table)
        for sql in drop:
            schema_editor.execute(sql, params=None)

    def describe(self):
        return f"Make {self.table} append-only"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table], {})


class PutBackAppendOnly(migrations.operations.base.Operation):
    """Migration operation: put the append-only triggers of `tables` back. SQLite
    rebuilds a table to change a field's type or add a constraint, and the rebuild
    drops the table's triggers. Put one before and one after such operations: it
    works in both directions, so the triggers are back whichever way the migration
    runs (on PostgreSQL it only replaces them)."""

    reversible = True

    def __init__(self, *tables: str):
        self.tables = tables

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for table in self.tables:
            create, drop = trigger_sql(schema_editor.connection.vendor, table)
            for sql in drop + create:
                schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self.database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Put back the append-only triggers of {', '.join(self.tables)}"

    def deconstruct(self):
        return (self.__class__.__qualname__, list(self.tables), {})


def append_only_tables(using: str = "default") -> list[str]:
    """The tables made append-only by applied migrations."""
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    tables: list[str] = []
    for key in sorted(loader.applied_migrations):
        migration = loader.graph.nodes.get(key)
        for op in getattr(migration, "operations", []):
            if isinstance(op, AppendOnly) and op.table not in tables:
                tables.append(op.table)
    return tables


def drop_triggers(using: str = "default") -> list[str]:
    """Drop the append-only triggers, for erasing a whole database (`demo-data
    --reset`, browser tests that empty every table). Returns the tables, to hand to
    `create_triggers` afterwards."""
    from django.db import connections

    connection = connections[using]
    tables = append_only_tables(using)
    with connection.cursor() as cursor:
        for table in tables:
            for sql in trigger_sql(connection.vendor, table)[1]:
                cursor.execute(sql)
    return tables


def create_triggers(tables: list[str], using: str = "default") -> None:
    """Put the append-only triggers (back) on `tables`; existing ones are replaced."""
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        for table in tables:
            create, drop = trigger_sql(connection.vendor, table)
            for sql in drop + create:
                cursor.execute(sql)
