"""The district column (docs/scaling.md): added nullable, filled by one set-based
UPDATE per table, then made NOT NULL where every row has a district."""

from django.db import migrations

from sanxin.lib.district_column import DISTRICT_OF_PATH, district_of_household, district_operations


class Migration(migrations.Migration):
    dependencies = [
        ('credit', '0001_initial'),
        ('households', '0005_district'),
    ]

    operations = [
        *district_operations(
            'creditassessment',
            'ledger_creditassessment',
            district_of_household('ledger_creditassessment'),
            append_only=True,
        ),
    ]
