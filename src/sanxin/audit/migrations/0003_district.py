"""The district column (docs/scaling.md): added nullable, filled by one set-based
UPDATE per table, then made NOT NULL where every row has a district."""

from django.db import migrations

from sanxin.lib.district_column import DISTRICT_OF_PATH, district_of_household, district_operations


class Migration(migrations.Migration):
    dependencies = [
        ('audit', '0002_prune_window'),
        ('regions', '0001_initial'),
        # the table is oversight's until its 0003 hands it over (SeparateDatabaseAndState)
        ('oversight', '0003_auditevent_moved_to_audit'),
    ]

    operations = [
        # Empty where the row is about no region (region_path ''): stays nullable.
        *district_operations(
            'auditevent',
            'oversight_auditevent',
            'UPDATE oversight_auditevent SET district_id = ('
            + DISTRICT_OF_PATH.format(path='oversight_auditevent.region_path')
            + ") WHERE region_path <> ''",
            append_only=True,
            null=True,
        ),
    ]
