"""The database refuses a tier or a grade that `rules.choices` does not define:
Entry.tier and VetoEvent.cap_grade.

SQLite rebuilds a table to add a check constraint, which drops its append-only
triggers, so they are put back after the constraints (and again when migrating
backwards, after the constraints are removed)."""

from django.db import migrations, models

from sanxin.lib.append_only import PutBackAppendOnly

TABLES = ('ledger_entry', 'ledger_vetoevent')




class Migration(migrations.Migration):
    dependencies = [
        ('ledger', '0006_creditassessment_to_credit'),
    ]

    operations = [
        PutBackAppendOnly(*TABLES),
        migrations.AlterField(
            model_name='vetoevent',
            name='cap_grade',
            field=models.CharField(choices=[('unrated', '未评级'), ('A', 'A'), ('2A', '2A'), ('3A', '3A'), ('4A', '4A'), ('5A', '5A')], max_length=10, verbose_name='最高等级'),
        ),
        migrations.AddConstraint(
            model_name='entry',
            constraint=models.CheckConstraint(condition=models.Q(('tier__in', ['masses', 'party_member', 'party_cadre'])), name='entry_tier_valid'),
        ),
        migrations.AddConstraint(
            model_name='vetoevent',
            constraint=models.CheckConstraint(condition=models.Q(('cap_grade__in', ['unrated', 'A', '2A', '3A', '4A', '5A'])), name='vetoevent_cap_grade_valid'),
        ),
        PutBackAppendOnly(*TABLES),
    ]
