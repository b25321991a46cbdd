"""Migration steps that give a large table its `district` column (docs/scaling.md):
add it nullable, fill it with one set-based UPDATE, then make it NOT NULL.

The UPDATE is plain SQL that SQLite and PostgreSQL both run (a correlated subquery).
On an append-only table the triggers are lifted for that one statement and put back
at once; SQLite rebuilds a table to make a column NOT NULL, which drops its triggers,
so `district_operations` puts them back around that step too (PutBackAppendOnly)."""

from __future__ import annotations

from django.db import migrations, models

from sanxin.lib.append_only import PutBackAppendOnly, trigger_sql

# The district of a region path `{path}`: the district-level region whose path prefixes it.
DISTRICT_OF_PATH = (
    "SELECT d.id FROM regions_region d WHERE d.level = 'district' AND {path} LIKE d.path || '%'"
)


def district_of_household(table: str, column: str = "household_id") -> str:
    """The UPDATE that copies each row's household's district."""
    return (
        f"UPDATE {table} SET district_id = (SELECT h.district_id FROM households_household h "
        f"WHERE h.id = {table}.{column})"
    )


class Backfill(migrations.operations.base.Operation):
    """Run one UPDATE that fills `district_id` of `table`. On an append-only table the
    triggers are dropped for the statement and created again right after. On
    PostgreSQL the foreign-key checks run at once (SET CONSTRAINTS ALL IMMEDIATE), so
    no deferred check is left pending when the column is then made NOT NULL."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, sql: str, append_only: bool = False):
        self.table = table
        self.sql = sql
        self.append_only = append_only

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        create, drop = trigger_sql(vendor, self.table) if self.append_only else ([], [])
        for sql in drop:
            schema_editor.execute(sql, params=None)
        if vendor == "postgresql":
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE", params=None)
        schema_editor.execute(self.sql, params=None)
        if vendor == "postgresql":
            schema_editor.execute("SET CONSTRAINTS ALL DEFERRED", params=None)
        for sql in create:
            schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass  # the column goes with the AddField it follows

    def describe(self):
        return f"Fill the district of {self.table}"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table, self.sql, self.append_only], {})


def _field(null: bool) -> models.ForeignKey:
    return models.ForeignKey(
        null=null,
        blank=null,
        on_delete=models.deletion.PROTECT,
        related_name="+",
        to="regions.region",
        verbose_name="区",
    )


def district_operations(
    model_name: str, table: str, sql: str, *, append_only: bool, null: bool = False
) -> list[migrations.operations.base.Operation]:
    """Add `district` to `model_name` (table `table`), fill it with `sql`, and unless
    `null` make it NOT NULL."""
    ops: list[migrations.operations.base.Operation] = [
        migrations.AddField(model_name=model_name, name="district", field=_field(True)),
        Backfill(table, sql, append_only),
    ]
    if not null:
        alter = migrations.AlterField(model_name=model_name, name="district", field=_field(False))
        ops += (
            [PutBackAppendOnly(table), alter, PutBackAppendOnly(table)] if append_only else [alter]
        )
    return ops
