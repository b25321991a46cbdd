"""Write many new rows of one model by the database's bulk path.

PostgreSQL: one `COPY ... FROM STDIN` (psycopg 3's `cursor.copy`) for all the rows.
SQLite: multi-row INSERTs, each as large as the connection's limit on bound
parameters allows (`SQLITE_LIMIT_VARIABLE_NUMBER`: 32,766 by default since SQLite 3.32,
250,000 in Debian's build, where Django's `bulk_create` assumes 999). Any other database: `bulk_create`.

The columns are the model's concrete fields (an auto primary key left to the
database), the values those of the instances, prepared by each field as Django saves
them (`pre_save`, `get_db_prep_save`): a field added to the model flows through
without touching the writer. Primary keys are not read back, signals are not sent,
`full_clean` is the caller's business (as with `bulk_create`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import connections, models, router


def _columns(model: type[models.Model]) -> list[models.Field]:
    meta = model._meta
    return [
        f
        for f in meta.concrete_fields
        if f is not meta.auto_field and not getattr(f, "generated", False)
    ]


# Values whose prepared form depends only on the value: prepared once per field and
# insert (a chunk's rows share their cycle, run, district, version and time).
_SHARED = (int, str, bool, type(None), datetime, date)


def _prepared(fields: list[models.Field], objs: Sequence[models.Model], connection) -> list:
    """Each object's values as each field prepares them for the database. Only
    Django's own fields are memoised (a field of ours may prepare a value differently
    each time, as an encrypted one does)."""
    memo: dict[tuple[int, type, Any], Any] = {}
    plain = [type(f).__module__.startswith("django.") for f in fields]
    rows = []
    for obj in objs:
        row = []
        for i, f in enumerate(fields):
            value = f.pre_save(obj, add=True)
            kind = type(value)
            if plain[i] and kind in _SHARED:
                key = (i, kind, value)
                try:
                    row.append(memo[key])
                except KeyError:
                    prepared = memo[key] = f.get_db_prep_save(value, connection)
                    row.append(prepared)
            else:
                row.append(f.get_db_prep_save(value, connection))
        rows.append(row)
    return rows


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> int:
    """Insert `objs` (new instances of `model`); returns the number of rows."""
    if not objs:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = _columns(model)
    rows = _prepared(fields, objs, connection)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(str(f.column)) for f in fields)
    if connection.vendor == "postgresql":
        copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(copy_sql) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return len(rows)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per = max(1, limit // len(fields))
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(rows), per):
                batch = rows[start : start + per]
                params: list[Any] = [v for row in batch for v in row]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(batch))}",
                    params,
                )
        return len(rows)
    model._default_manager.using(alias).bulk_create(objs)
    return len(objs)
