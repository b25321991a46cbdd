"""The district column (docs/scaling.md): added nullable, filled by one set-based
UPDATE per table, then made NOT NULL where every row has a district."""

from django.db import migrations, models

from sanxin.lib.append_only import PutBackAppendOnly
from sanxin.lib.district_column import DISTRICT_OF_PATH, district_of_household, district_operations


class Migration(migrations.Migration):
    dependencies = [
        ('rewards', '0003_no_receipt_counter'),
        ('households', '0006_district'),
    ]

    operations = [
        *district_operations(
            'walletentry',
            'rewards_walletentry',
            district_of_household('rewards_walletentry'),
            append_only=True,
        ),
        PutBackAppendOnly('rewards_walletentry'),
        # The district joins the unique constraint (docs/scaling.md).
        migrations.RemoveConstraint(model_name='walletentry', name='walletentry_allowance_once_per_cycle'),
        migrations.AddConstraint(
            model_name='walletentry',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'allowance')), fields=('household', 'cycle', 'district'), name='walletentry_allowance_once_per_cycle'),
        ),
        migrations.RemoveConstraint(model_name='walletentry', name='walletentry_entry_once_per_kind'),
        migrations.AddConstraint(
            model_name='walletentry',
            constraint=models.UniqueConstraint(condition=models.Q(('entry__isnull', False)), fields=('entry', 'kind', 'district'), name='walletentry_entry_once_per_kind'),
        ),
        migrations.RemoveConstraint(model_name='walletentry', name='walletentry_redemption_debited_once'),
        migrations.AddConstraint(
            model_name='walletentry',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'redemption')), fields=('redemption', 'district'), name='walletentry_redemption_debited_once'),
        ),
        migrations.RemoveConstraint(model_name='walletentry', name='walletentry_void_once'),
        migrations.AddConstraint(
            model_name='walletentry',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'void')), fields=('void', 'district'), name='walletentry_void_once'),
        ),
        PutBackAppendOnly('rewards_walletentry'),
    ]
