"""The audit log moves from the oversight app to this one without touching the
table: the model is created in the migration state only, over the table
oversight_auditevent that oversight's migrations made (with its append-only
triggers); oversight 0003 removes it from oversight's state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("oversight", "0002_auditevent_append_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
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
                        ("at", models.DateTimeField(db_index=True, verbose_name="时间")),
                        (
                            "actor_name",
                            models.CharField(blank=True, max_length=150, verbose_name="操作人"),
                        ),
                        (
                            "action",
                            models.CharField(db_index=True, max_length=60, verbose_name="操作"),
                        ),
                        (
                            "object_type",
                            models.CharField(blank=True, max_length=60, verbose_name="对象类型"),
                        ),
                        (
                            "object_id",
                            models.CharField(blank=True, max_length=40, verbose_name="对象编号"),
                        ),
                        (
                            "object_repr",
                            models.CharField(blank=True, max_length=200, verbose_name="对象"),
                        ),
                        (
                            "region_path",
                            models.CharField(blank=True, db_index=True, max_length=255),
                        ),
                        ("before", models.JSONField(blank=True, null=True, verbose_name="变更前")),
                        ("after", models.JSONField(blank=True, null=True, verbose_name="变更后")),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="操作人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "审计日志",
                        "verbose_name_plural": "审计日志",
                        "ordering": ["-at", "-id"],
                        "db_table": "oversight_auditevent",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
