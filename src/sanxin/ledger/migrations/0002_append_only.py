from django.db import migrations

from sanxin.lib.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [
        AppendOnly("ledger_entry"),
        AppendOnly("ledger_review"),
        AppendOnly("ledger_entryphoto"),
        AppendOnly("ledger_creditassessment"),
    ]
