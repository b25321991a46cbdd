"""The rate limits' counts move from the api app to this one without touching the
table: the model is created in the migration state only, over the table
api_ratewindow that api 0002 made; api 0003 removes it from api's state. The web's
per-user limits (reveals, exports, redemptions) count in the same table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_totp_secrets_encrypted"),
        ("api", "0002_rate_windows"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RateWindow",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("bucket", models.CharField(max_length=64)),
                        ("minute", models.BigIntegerField()),
                        ("hits", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "verbose_name": "限流计数",
                        "verbose_name_plural": "限流计数",
                        "db_table": "api_ratewindow",
                        "indexes": [models.Index(fields=["minute"], name="api_ratewindow_minute")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("bucket", "minute"), name="api_ratewindow_one"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
