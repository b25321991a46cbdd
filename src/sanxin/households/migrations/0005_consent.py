"""Consent to publication moves down from the privacy app to the register, so that
every publishing app can read it (docs/architecture.md). The table stays
`privacy_consent` with its rows and its append-only triggers: this migration changes
Django's state only; privacy 0002 removes the model from the privacy app's state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0004_left_on"),
        ("privacy", "0001_initial"),  # the table exists
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Consent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "purpose",
                            models.CharField(
                                choices=[
                                    ("photos", "在村务公开栏和荣誉榜展示本户的照片"),
                                    ("name_on_board", "在村务公开栏的建议和出资出力名单中显示姓名"),
                                    ("honour_name", "在光荣榜（村务公开栏、A4 海报）上显示获奖人全名"),
                                ],
                                max_length=20,
                                verbose_name="用途",
                            ),
                        ),
                        ("given", models.BooleanField(verbose_name="同意")),
                        ("recorded_at", models.DateTimeField(verbose_name="登记时间")),
                        (
                            "on_paper",
                            models.BooleanField(
                                default=False, verbose_name="书面同意（评信团代为登记）"
                            ),
                        ),
                        (
                            "household",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="households.household",
                                verbose_name="户",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="登记人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "公开同意",
                        "verbose_name_plural": "公开同意",
                        "ordering": ["household_id", "purpose", "-recorded_at", "-id"],
                        "db_table": "privacy_consent",
                    },
                ),
            ],
        ),
    ]
