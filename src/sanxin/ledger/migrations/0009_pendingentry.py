"""The pending entries' table, the review queue's index (ledger/pending.py): created,
filled from the entries without a review, then kept by two triggers."""

import django.db.models.deletion
from django.db import migrations, models

from sanxin.ledger import pending


def triggers_and_fill(apps, schema_editor):
    create, _drop = pending.trigger_sql(schema_editor.connection.vendor)
    for sql in [*pending.REBUILD, *create]:
        schema_editor.execute(sql, params=None)


def drop_triggers(apps, schema_editor):
    _create, drop = pending.trigger_sql(schema_editor.connection.vendor)
    for sql in drop:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0006_district'),
        ('ledger', '0008_district'),
        ('regions', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='PendingEntry',
            fields=[
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='pending', serialize=False, to='ledger.entry')),
                ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region', verbose_name='区')),
                ('household', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='households.household')),
            ],
            options={
                'verbose_name': '待审核记录',
                'verbose_name_plural': '待审核记录',
            },
        ),
        migrations.RunPython(triggers_and_fill, drop_triggers),
    ]
