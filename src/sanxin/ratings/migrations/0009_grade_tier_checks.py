"""The database refuses a tier or a grade that `rules.choices` does not define, in
every grade column of the ratings (Rating, Adjustment, Appeal, AppealDecision,
GradeRecord).

SQLite rebuilds a table to add a check constraint, which drops its append-only
triggers, so they are put back after the constraints (and again when migrating
backwards, after the constraints are removed)."""

from django.db import migrations, models

from sanxin.lib.append_only import PutBackAppendOnly

TABLES = ('ratings_rating', 'ratings_adjustment', 'ratings_appeal', 'ratings_appealdecision', 'ratings_graderecord')




class Migration(migrations.Migration):
    dependencies = [
        ('ratings', '0008_appeal_photos'),
    ]

    operations = [
        PutBackAppendOnly(*TABLES),
        migrations.AlterField(
            model_name='adjustment',
            name='from_grade',
            field=models.CharField(choices=[('unrated', '未评级'), ('A', 'A'), ('2A', '2A'), ('3A', '3A'), ('4A', '4A'), ('5A', '5A')], max_length=10, verbose_name='原等级'),
        ),
        migrations.AlterField(
            model_name='adjustment',
            name='to_grade',
            field=models.CharField(choices=[('unrated', '未评级'), ('A', 'A'), ('2A', '2A'), ('3A', '3A'), ('4A', '4A'), ('5A', '5A')], max_length=10, verbose_name='调整为'),
        ),
        migrations.AlterField(
            model_name='appeal',
            name='grade_at_filing',
            field=models.CharField(choices=[('unrated', '未评级'), ('A', 'A'), ('2A', '2A'), ('3A', '3A'), ('4A', '4A'), ('5A', '5A')], max_length=10, verbose_name='提出时的等级'),
        ),
        migrations.AlterField(
            model_name='appealdecision',
            name='to_grade',
            field=models.CharField(blank=True, choices=[('unrated', '未评级'), ('A', 'A'), ('2A', '2A'), ('3A', '3A'), ('4A', '4A'), ('5A', '5A')], max_length=10, verbose_name='处理后等级'),
        ),
        migrations.AlterField(
            model_name='graderecord',
            name='grade',
            field=models.CharField(choices=[('unrated', '未评级'), ('A', 'A'), ('2A', '2A'), ('3A', '3A'), ('4A', '4A'), ('5A', '5A')], max_length=10, verbose_name='等级'),
        ),
        migrations.AlterField(
            model_name='rating',
            name='computed_grade',
            field=models.CharField(choices=[('unrated', '未评级'), ('A', 'A'), ('2A', '2A'), ('3A', '3A'), ('4A', '4A'), ('5A', '5A')], max_length=10, verbose_name='按积分等级'),
        ),
        migrations.AlterField(
            model_name='rating',
            name='grade',
            field=models.CharField(choices=[('unrated', '未评级'), ('A', 'A'), ('2A', '2A'), ('3A', '3A'), ('4A', '4A'), ('5A', '5A')], max_length=10, verbose_name='等级'),
        ),
        migrations.AlterField(
            model_name='rating',
            name='tier',
            field=models.CharField(choices=[('masses', '群众'), ('party_member', '党员'), ('party_cadre', '党员干部')], max_length=14, verbose_name='身份'),
        ),
        migrations.AddConstraint(
            model_name='adjustment',
            constraint=models.CheckConstraint(condition=models.Q(('from_grade__in', ['unrated', 'A', '2A', '3A', '4A', '5A'])), name='adjustment_from_grade_valid'),
        ),
        migrations.AddConstraint(
            model_name='adjustment',
            constraint=models.CheckConstraint(condition=models.Q(('to_grade__in', ['unrated', 'A', '2A', '3A', '4A', '5A'])), name='adjustment_to_grade_valid'),
        ),
        migrations.AddConstraint(
            model_name='appeal',
            constraint=models.CheckConstraint(condition=models.Q(('grade_at_filing__in', ['unrated', 'A', '2A', '3A', '4A', '5A'])), name='appeal_grade_at_filing_valid'),
        ),
        migrations.AddConstraint(
            model_name='appealdecision',
            constraint=models.CheckConstraint(condition=models.Q(('to_grade__in', ['unrated', 'A', '2A', '3A', '4A', '5A', ''])), name='appealdecision_to_grade_valid'),
        ),
        migrations.AddConstraint(
            model_name='graderecord',
            constraint=models.CheckConstraint(condition=models.Q(('grade__in', ['unrated', 'A', '2A', '3A', '4A', '5A'])), name='graderecord_grade_valid'),
        ),
        migrations.AddConstraint(
            model_name='rating',
            constraint=models.CheckConstraint(condition=models.Q(('tier__in', ['masses', 'party_member', 'party_cadre'])), name='rating_tier_valid'),
        ),
        migrations.AddConstraint(
            model_name='rating',
            constraint=models.CheckConstraint(condition=models.Q(('computed_grade__in', ['unrated', 'A', '2A', '3A', '4A', '5A'])), name='rating_computed_grade_valid'),
        ),
        migrations.AddConstraint(
            model_name='rating',
            constraint=models.CheckConstraint(condition=models.Q(('grade__in', ['unrated', 'A', '2A', '3A', '4A', '5A'])), name='rating_grade_valid'),
        ),
        PutBackAppendOnly(*TABLES),
    ]
