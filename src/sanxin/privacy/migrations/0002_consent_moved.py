"""The Consent model now lives in households (households 0005, same table
`privacy_consent`, rows and append-only triggers untouched): state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("households", "0005_consent"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Consent")],
        ),
    ]
