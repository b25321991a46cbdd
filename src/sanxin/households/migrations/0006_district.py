"""The district column (docs/scaling.md): added nullable, filled by one set-based
UPDATE per table, then made NOT NULL where every row has a district."""

from django.db import migrations, models

from sanxin.lib.district_column import DISTRICT_OF_PATH, district_of_household, district_operations


class Migration(migrations.Migration):
    dependencies = [
        ('households', '0005_consent'),
        ('regions', '0001_initial'),
    ]

    operations = [
        *district_operations(
            'household',
            'households_household',
            'UPDATE households_household SET district_id = ('
            + DISTRICT_OF_PATH.format(
                path='(SELECT g.path FROM regions_region g'
                ' WHERE g.id = households_household.villager_group_id)'
            )
            + ')',
            append_only=False,
        ),
        # The district joins the unique constraint (docs/scaling.md).
        migrations.RemoveConstraint(model_name='household', name='household_unique_number_in_village'),
        migrations.AddConstraint(
            model_name='household',
            constraint=models.UniqueConstraint(fields=('village', 'number', 'district'), name='household_unique_number_in_village'),
        ),
    ]
