"""PostgreSQL only: a larger statistics sample for `ledger_entry.household_id`.

With the default sample (30,000 rows) ANALYZE estimated 59,000 distinct households
among the 30 million entries of a million households (docs/benchmarks.md, "A
prefecture on PostgreSQL"), i.e. some 500 entries a household instead of 30; reading
2,000 households' entries then looked as costly as scanning the table, and the
grading's reads planned accordingly. A sample of 300,000 rows (target 1,000)
estimated 516,000. Nothing to do on SQLite, whose planner does not sample.
"""

from django.db import migrations

TARGET = 1000


def _set(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"ALTER TABLE ledger_entry ALTER COLUMN household_id SET STATISTICS {target}"
        )

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0009_pendingentry")]

    operations = [migrations.RunPython(_set(TARGET), _set(-1), elidable=False)]
