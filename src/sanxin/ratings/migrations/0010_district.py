"""The district column (docs/scaling.md): added nullable, filled by one set-based
UPDATE per table, then made NOT NULL where every row has a district."""

from django.db import migrations, models

from sanxin.lib.append_only import PutBackAppendOnly
from sanxin.lib.district_column import DISTRICT_OF_PATH, district_of_household, district_operations


class Migration(migrations.Migration):
    dependencies = [
        ('ratings', '0009_grade_tier_checks'),
        ('households', '0006_district'),
    ]

    operations = [
        *district_operations(
            'rating', 'ratings_rating', district_of_household('ratings_rating'), append_only=True
        ),
        *district_operations(
            'graderecord',
            'ratings_graderecord',
            district_of_household('ratings_graderecord'),
            append_only=True,
        ),
        PutBackAppendOnly('ratings_rating'),
        # The district joins the unique constraint (docs/scaling.md).
        migrations.RemoveConstraint(model_name='rating', name='rating_unique_household_in_run'),
        migrations.AddConstraint(
            model_name='rating',
            constraint=models.UniqueConstraint(fields=('cycle', 'run', 'household', 'district'), name='rating_unique_household_in_run'),
        ),
        PutBackAppendOnly('ratings_rating'),
    ]
