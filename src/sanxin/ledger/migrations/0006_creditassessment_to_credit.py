# CreditAssessment moved to the credit app (credit migration 0001), table and all:
# the ledger forgets the model, the database keeps the table.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("credit", "0001_initial"),
        ("ledger", "0005_submission"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='CreditAssessment',
                ),
            ],
            database_operations=[],
        ),
    ]
