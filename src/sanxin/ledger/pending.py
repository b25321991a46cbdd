"""The pending entries' table (`PendingEntry`), kept by the database: an entry is
pending while it has no review, and "no row in another table" is nothing an index on
the entries can hold. So a trigger adds a `ledger_pendingentry` row with every entry
and another removes it with the entry's review — on SQLite and on PostgreSQL, for
every writer alike (the services, bulk inserts, the benchmarks' raw SQL). The review
queue reads this table, so its cost follows the pending entries, not the years of
entries behind them (docs/benchmarks.md, "The review queue").

On PostgreSQL the triggers are per statement over the inserted rows (transition
tables), one set-based INSERT or DELETE however many rows a bulk insert carries. A
load that turns triggers off (`session_replication_role = replica`, bench/pgcopy.py)
runs `REBUILD` afterwards. SQLite drops a table's triggers when a migration rebuilds
it: a later migration that alters `ledger_entry` or `ledger_review` there must create
these again (tests/ledger/test_pending.py fails otherwise)."""

from __future__ import annotations

TABLE = "ledger_pendingentry"

# Make the table agree with the reviews: add the entries without a review that have
# no row, drop the rows of reviewed entries. Plain SQL both databases run; used by the
# migration that creates the table and by loads that bypass the triggers.
REBUILD = [
    f"""INSERT INTO {TABLE} (entry_id, household_id, district_id)
        SELECT e.id, e.household_id, e.district_id FROM ledger_entry e
        WHERE NOT EXISTS (SELECT 1 FROM ledger_review r WHERE r.entry_id = e.id)
          AND NOT EXISTS (SELECT 1 FROM {TABLE} p WHERE p.entry_id = e.id)""",
    f"""DELETE FROM {TABLE}
        WHERE EXISTS (SELECT 1 FROM ledger_review r WHERE r.entry_id = {TABLE}.entry_id)""",
]


def trigger_sql(vendor: str) -> tuple[list[str], list[str]]:
    """The statements that create the two triggers, and those that drop them."""
    if vendor == "sqlite":
        create = [
            f"""CREATE TRIGGER ledger_entry_pending AFTER INSERT ON ledger_entry
                BEGIN INSERT INTO {TABLE} (entry_id, household_id, district_id)
                VALUES (NEW.id, NEW.household_id, NEW.district_id); END""",
            f"""CREATE TRIGGER ledger_review_unpending AFTER INSERT ON ledger_review
                BEGIN DELETE FROM {TABLE} WHERE entry_id = NEW.entry_id; END""",
        ]
        drop = [
            "DROP TRIGGER IF EXISTS ledger_entry_pending",
            "DROP TRIGGER IF EXISTS ledger_review_unpending",
        ]
        return create, drop
    if vendor == "postgresql":
        create = [
            f"""CREATE OR REPLACE FUNCTION ledger_pending_add() RETURNS trigger AS $$
                BEGIN
                  INSERT INTO {TABLE} (entry_id, household_id, district_id)
                  SELECT id, household_id, district_id FROM added;
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql""",
            f"""CREATE OR REPLACE FUNCTION ledger_pending_remove() RETURNS trigger AS $$
                BEGIN
                  DELETE FROM {TABLE} p USING added a WHERE p.entry_id = a.entry_id;
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql""",
            """CREATE TRIGGER ledger_entry_pending AFTER INSERT ON ledger_entry
                REFERENCING NEW TABLE AS added
                FOR EACH STATEMENT EXECUTE FUNCTION ledger_pending_add()""",
            """CREATE TRIGGER ledger_review_unpending AFTER INSERT ON ledger_review
                REFERENCING NEW TABLE AS added
                FOR EACH STATEMENT EXECUTE FUNCTION ledger_pending_remove()""",
        ]
        drop = [
            "DROP TRIGGER IF EXISTS ledger_entry_pending ON ledger_entry",
            "DROP TRIGGER IF EXISTS ledger_review_unpending ON ledger_review",
            "DROP FUNCTION IF EXISTS ledger_pending_add()",
            "DROP FUNCTION IF EXISTS ledger_pending_remove()",
        ]
        return create, drop
    raise NotImplementedError(f"pending-entry triggers for {vendor}")


def rebuild(cursor) -> None:
    """Run `REBUILD` on `cursor` (after a load that bypassed the triggers)."""
    for sql in REBUILD:
        cursor.execute(sql)
