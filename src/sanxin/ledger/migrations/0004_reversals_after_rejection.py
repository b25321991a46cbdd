"""A rejected reversal no longer blocks a second one: `Entry.reversal_of` becomes a
foreign key (the rule "at most one pending or approved reversal" lives in
`entry_reverse`). SQLite rebuilds the table for this, which drops its append-only
triggers, so they are put back."""

import django.db.models.deletion
from django.db import migrations, models

from sanxin.lib.append_only import trigger_sql


def put_back_triggers(apps, schema_editor):
    create, drop = trigger_sql(schema_editor.connection.vendor, "ledger_entry")
    for sql in drop + create:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0003_vetoevent"),
    ]

    operations = [
        migrations.AlterField(
            model_name="entry",
            name="reversal_of",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="reversals",
                to="ledger.entry", verbose_name="冲正的原记录",
            ),
        ),
        migrations.RunPython(put_back_triggers, put_back_triggers),
    ]
