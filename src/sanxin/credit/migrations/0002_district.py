"""The district column (docs/scaling.md): added nullable, filled by one set-based
UPDATE per table, then made NOT NULL where every row has a district."""

from django.db import migrations, models

from sanxin.lib.append_only import PutBackAppendOnly
from sanxin.lib.district_column import DISTRICT_OF_PATH, district_of_household, district_operations


class Migration(migrations.Migration):
    dependencies = [
        ('credit', '0001_initial'),
        ('households', '0006_district'),
    ]

    operations = [
        *district_operations(
            'creditassessment',
            'ledger_creditassessment',
            district_of_household('ledger_creditassessment'),
            append_only=True,
        ),
        PutBackAppendOnly('ledger_creditassessment'),
        # The district joins the unique constraint (docs/scaling.md).
        migrations.RemoveConstraint(model_name='creditassessment', name='credit_one_original_per_period'),
        migrations.AddConstraint(
            model_name='creditassessment',
            constraint=models.UniqueConstraint(condition=models.Q(('supersedes__isnull', True)), fields=('household', 'period', 'district'), name='credit_one_original_per_period'),
        ),
        PutBackAppendOnly('ledger_creditassessment'),
    ]
