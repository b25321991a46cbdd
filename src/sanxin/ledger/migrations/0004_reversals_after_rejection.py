"""A rejected reversal no longer blocks a second one: `Entry.reversal_of` becomes a
foreign key (the rule "at most one pending or approved reversal" lives in
`entry_reverse`). SQLite rebuilds the table for this, which drops its append-only
triggers, so they are put back."""

import django.db.models.deletion
from django.db import migrations, models

from sanxin.lib.append_only import PutBackAppendOnly




class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0003_vetoevent"),
    ]

    operations = [
        PutBackAppendOnly("ledger_entry"),
        migrations.AlterField(
            model_name="entry",
            name="reversal_of",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="reversals",
                to="ledger.entry", verbose_name="冲正的原记录",
            ),
        ),
        PutBackAppendOnly("ledger_entry"),
    ]
