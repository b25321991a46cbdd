"""Every append-only table refuses every statement that would rewrite or remove a row,
on SQLite and on PostgreSQL alike: UPDATE, DELETE, SQLite's REPLACE family (REPLACE
INTO, INSERT OR REPLACE, UPDATE OR REPLACE, which delete the conflicting row and fire
the delete triggers only with `PRAGMA recursive_triggers` on), UPSERT (INSERT ... ON
CONFLICT ... DO UPDATE), and on PostgreSQL MERGE and TRUNCATE.

The tables are enumerated from the migrations (`append_only_tables()`), so a new
append-only table is covered without touching this file. Each conflicting row is built
generically in SQL from an existing row: the same columns, the same primary key (or
the same values of a unique key under a new primary key)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings
from django.utils import timezone

from sanxin.lib.append_only import AppendOnly, append_only_tables, trigger_sql
from sanxin.web import demo
from tests.lending.rows import ROWS as LENDING_ROWS


@dataclass(frozen=True)
class Target:
    """One append-only table and the rows the statements aim at."""

    table: str
    pk: str  # primary key column
    columns: tuple[str, ...]
    row: int  # primary key of the row every statement tries to rewrite
    other: int | None  # another row's primary key, if the table has two
    new_pk: int  # a primary key no row has
    unique_keys: tuple[tuple[str, ...], ...]  # unconditional keys whose values `row` has

    def q(self, name: str) -> str:
        return connection.ops.quote_name(name)

    def cols(self, columns=None) -> str:
        return ", ".join(self.q(c) for c in (columns or self.columns))

    def others(self) -> list[str]:
        return [c for c in self.columns if c != self.pk]

    def select_same(self) -> str:
        """SELECT of `row` itself, every column."""
        return (
            f"SELECT {self.cols()} FROM {self.q(self.table)} WHERE {self.q(self.pk)} = {self.row}"
        )

    def select_new_pk(self) -> str:
        """SELECT of `row`'s values under `new_pk`: conflicts on every unique key."""
        values = ", ".join(str(self.new_pk) if c == self.pk else self.q(c) for c in self.columns)
        return f"SELECT {values} FROM {self.q(self.table)} WHERE {self.q(self.pk)} = {self.row}"

    def set_excluded(self) -> str:
        return ", ".join(f"{self.q(c)} = excluded.{self.q(c)}" for c in self.others())

    def set_self(self) -> str:
        return ", ".join(f"{self.q(c)} = {self.q(c)}" for c in self.others())


@dataclass(frozen=True)
class Rewrite:
    """A statement that would rewrite or remove `target.row`; `sql` returns the
    statements to try (none where the table has nothing to aim at)."""

    name: str
    vendors: tuple[str, ...]
    sql: Callable[[Target], list[str]]


def _upserts(t: Target) -> list[str]:
    keys = [(t.pk,), *t.unique_keys]
    return [
        f"INSERT INTO {t.q(t.table)} ({t.cols()}) "
        f"{t.select_same() if key == (t.pk,) else t.select_new_pk()} "
        f"ON CONFLICT ({t.cols(key)}) DO UPDATE SET {t.set_excluded()}"
        for key in keys
    ]


def _replace(verb: str) -> Callable[[Target], list[str]]:
    def sql(t: Target) -> list[str]:
        into = f"{verb} INTO {t.q(t.table)} ({t.cols()}) "
        return [into + t.select_same()] + ([into + t.select_new_pk()] if t.unique_keys else [])

    return sql


BOTH = ("sqlite", "postgresql")
REWRITES = [
    Rewrite(
        "UPDATE",
        BOTH,
        lambda t: [f"UPDATE {t.q(t.table)} SET {t.set_self()} WHERE {t.q(t.pk)} = {t.row}"],
    ),
    Rewrite("DELETE", BOTH, lambda t: [f"DELETE FROM {t.q(t.table)} WHERE {t.q(t.pk)} = {t.row}"]),
    Rewrite("INSERT ... ON CONFLICT DO UPDATE", BOTH, _upserts),
    Rewrite("REPLACE INTO", ("sqlite",), _replace("REPLACE")),
    Rewrite("INSERT OR REPLACE", ("sqlite",), _replace("INSERT OR REPLACE")),
    Rewrite(
        "UPDATE OR REPLACE",
        ("sqlite",),
        lambda t: [
            f"UPDATE OR REPLACE {t.q(t.table)} SET {t.set_self()} WHERE {t.q(t.pk)} = {t.row}",
            # Moving another row onto this one's primary key would delete this one.
            *(
                [
                    f"UPDATE OR REPLACE {t.q(t.table)} SET {t.q(t.pk)} = {t.row} "
                    f"WHERE {t.q(t.pk)} = {t.other}"
                ]
                if t.other is not None
                else []
            ),
        ],
    ),
    Rewrite(
        "MERGE",
        ("postgresql",),
        lambda t: [
            f"MERGE INTO {t.q(t.table)} AS t USING ({t.select_same()}) AS s "
            f"ON t.{t.q(t.pk)} = s.{t.q(t.pk)} WHEN MATCHED THEN {action}"
            for action in (
                "UPDATE SET " + ", ".join(f"{t.q(c)} = s.{t.q(c)}" for c in t.others()),
                "DELETE",
            )
        ],
    ),
    # Deferred foreign-key checks pending in the transaction would block TRUNCATE
    # before its trigger has a say; check them now.
    Rewrite(
        "TRUNCATE",
        ("postgresql",),
        lambda t: [f"SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE {t.q(t.table)} CASCADE"],
    ),
]


# --- the rows ----------------------------------------------------------------------


def _model_for(table: str) -> type[models.Model]:
    for model in apps.get_models():
        if model._meta.db_table == table:
            return model
    raise LookupError(f"no model has the append-only table {table}")


def _value_for(field: models.Field):
    """A plausible value for a required field without a default."""
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    if isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
        return 1
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BinaryField):
        return b"x"
    if isinstance(field, models.FileField):
        return "append-only-test/row.png"
    if isinstance(field, (models.CharField, models.TextField)):
        return "x"
    raise TypeError(f"no test value for {field.model.__name__}.{field.name} ({type(field)})")


def _add_row(model: type[models.Model]) -> models.Model:
    """One row of `model`, pointing at existing rows (made if missing). For tables the
    demo leaves empty; the triggers care about rows, not about what they mean."""
    values = {}
    for field in model._meta.concrete_fields:
        if (
            field.primary_key
            or field.null
            or field.has_default()
            or getattr(field, "auto_now_add", False)
            or getattr(field, "auto_now", False)
        ):
            continue
        if field.is_relation:
            target = field.related_model
            existing = target._base_manager.order_by("pk").first()
            if existing is None or field.one_to_one:
                existing = _add_row(target)
            values[field.attname] = existing.pk
        else:
            values[field.attname] = _value_for(field)
    (row,) = model._base_manager.bulk_create([model(**values)])
    return row


def _unique_keys(model: type[models.Model], pk_value) -> tuple[tuple[str, ...], ...]:
    """The model's unconditional unique keys (columns) whose values the row has (a
    NULL never conflicts)."""
    meta = model._meta
    keys = [(f.column,) for f in meta.concrete_fields if f.unique and not f.primary_key]
    keys += [tuple(meta.get_field(n).column for n in names) for names in meta.unique_together]
    keys += [
        tuple(meta.get_field(n).column for n in c.fields)
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None
    ]
    row = model._base_manager.filter(pk=pk_value).values(
        *[f.attname for f in meta.concrete_fields]
    )[0]
    by_column = {f.column: row[f.attname] for f in meta.concrete_fields}
    return tuple(k for k in keys if all(by_column[c] is not None for c in k))


# Tables whose constraints the generic rows cannot meet: their app's tests add two
# valid rows (a function given `_add_row` for the rows they point at).
ROWS: dict[str, Callable] = {**LENDING_ROWS}


@pytest.fixture(scope="module")
def targets(django_db_setup, django_db_blocker):
    """The demo village (12 households) plus a row in each append-only table it leaves
    empty, built once for the module inside a transaction rolled back at the end (each
    test runs in its own savepoint)."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            demo.build(households=12)
        found = {}
        for table in append_only_tables():
            model = _model_for(table)
            if model._base_manager.count() < 2 and table in ROWS:
                ROWS[table](_add_row)
            while model._base_manager.count() < 2:
                _add_row(model)
            pks = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
            found[table] = Target(
                table=table,
                pk=model._meta.pk.column,
                columns=tuple(f.column for f in model._meta.concrete_fields),
                row=pks[0],
                other=pks[-1],
                new_pk=pks[-1] + 1000,
                unique_keys=_unique_keys(model, pks[0]),
            )
        yield found
        transaction.set_rollback(True)


def _state(t: Target):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {t.q(t.table)} WHERE {t.q(t.pk)} = {t.row}")
        row = cursor.fetchall()
        cursor.execute(f"SELECT count(*) FROM {t.q(t.table)}")
        return row, cursor.fetchone()[0]


def _declared_append_only_tables() -> list[str]:
    """The tables the migrations on disk make append-only (read without a database,
    for parametrising; `test_every_append_only_table_is_covered` compares them with
    what the test database has applied)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    tables: list[str] = []
    for key in sorted(loader.disk_migrations):
        for op in loader.disk_migrations[key].operations:
            if isinstance(op, AppendOnly) and op.table not in tables:
                tables.append(op.table)
    return tables


TABLES = _declared_append_only_tables()


def test_every_append_only_table_is_covered(db):
    assert len(TABLES) >= 16 and sorted(append_only_tables()) == sorted(TABLES)


@pytest.mark.parametrize(
    "rewrite", [r for r in REWRITES if connection.vendor in r.vendors], ids=lambda r: r.name
)
@pytest.mark.parametrize("table", TABLES)
def test_every_rewrite_is_refused_and_the_row_stays(targets, db, table, rewrite):
    t = targets[table]
    before = _state(t)
    assert before[0], f"{table} has no row {t.row} to aim at"
    statements = rewrite.sql(t)
    assert statements
    for sql in statements:
        with (
            pytest.raises(DatabaseError, match="append-only") as refused,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
        assert table in str(refused.value), sql
        assert _state(t) == before, f"{sql} changed {table}"


def test_replace_fires_the_delete_trigger_only_with_recursive_triggers():
    """Why settings turn `recursive_triggers` on for every SQLite connection: without
    it REPLACE deletes the conflicting row without firing its delete trigger."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    for sql in trigger_sql("sqlite", "t")[0]:
        db.execute(sql)
    db.execute("INSERT INTO t VALUES (1, 'kept')")
    db.execute("INSERT OR REPLACE INTO t VALUES (1, 'rewritten')")
    assert db.execute("SELECT v FROM t").fetchall() == [("rewritten",)]
    db.execute("PRAGMA recursive_triggers = ON")
    with pytest.raises(sqlite3.DatabaseError, match="append-only: DELETE refused"):
        db.execute("INSERT OR REPLACE INTO t VALUES (1, 'again')")
    assert db.execute("SELECT v FROM t").fetchall() == [("rewritten",)]
    db.close()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite connection setting")
def test_every_sqlite_connection_has_recursive_triggers_on(db):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA recursive_triggers")
        assert cursor.fetchone()[0] == 1
