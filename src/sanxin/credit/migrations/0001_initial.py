# CreditAssessment moved here from the ledger. Its table stays `ledger_creditassessment`
# (Meta.db_table), with its data and the append-only triggers ledger migration 0002
# installed on it: this migration changes Django's state only, and renames the
# model's content type so the admin's history and permissions follow it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _relabel(apps, from_label, to_label):
    content_types = apps.get_model("contenttypes", "ContentType").objects
    if not content_types.filter(app_label=to_label, model="creditassessment").exists():
        content_types.filter(app_label=from_label, model="creditassessment").update(
            app_label=to_label
        )


def forwards(apps, schema_editor):
    _relabel(apps, "ledger", "credit")


def backwards(apps, schema_editor):
    _relabel(apps, "credit", "ledger")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("households", "0003_drop_clear_birth_date"),
        ("ledger", "0005_submission"),
        ("rules", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CreditAssessment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('period', models.CharField(max_length=20, verbose_name='评定期')),
                        ('assessed_on', models.DateField(verbose_name='入户评定日期')),
                        ('answers', models.JSONField(verbose_name='指标明细')),
                        ('area_scores', models.JSONField(verbose_name='各方面得分')),
                        ('total', models.DecimalField(decimal_places=2, max_digits=6, verbose_name='总分')),
                        ('note', models.CharField(blank=True, max_length=300, verbose_name='备注')),
                        ('created_at', models.DateTimeField(verbose_name='录入时间')),
                        ('assessed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='评定人')),
                        ('household', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credit_assessments', to='households.household', verbose_name='农户')),
                        ('scheme_version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rules.schemeversion', verbose_name='方案版本')),
                        ('supersedes', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='credit.creditassessment', verbose_name='更正的原评定')),
                    ],
                    options={
                        'verbose_name': '“双基”信用评定',
                        'verbose_name_plural': '“双基”信用评定',
                        'db_table': 'ledger_creditassessment',
                        'ordering': ['-assessed_on', '-id'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('supersedes__isnull', True)), fields=('household', 'period'), name='credit_one_original_per_period')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
