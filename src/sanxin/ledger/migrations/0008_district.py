"""The district column (docs/scaling.md): added nullable, filled by one set-based
UPDATE per table, then made NOT NULL where every row has a district."""

from django.db import migrations

from sanxin.lib.district_column import DISTRICT_OF_PATH, district_of_household, district_operations


class Migration(migrations.Migration):
    dependencies = [
        ('ledger', '0007_grade_tier_checks'),
        ('households', '0006_district'),
    ]

    operations = [
        *district_operations(
            'entry', 'ledger_entry', district_of_household('ledger_entry'), append_only=True
        ),
        *district_operations(
            'review',
            'ledger_review',
            'UPDATE ledger_review SET district_id = (SELECT e.district_id FROM ledger_entry e'
            ' WHERE e.id = ledger_review.entry_id)',
            append_only=True,
        ),
    ]
