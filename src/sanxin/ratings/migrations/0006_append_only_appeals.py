from django.db import migrations

from sanxin.lib.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("ratings", "0005_appeals_grades_certificates")]
    operations = [
        AppendOnly("ratings_appeal"),
        AppendOnly("ratings_appealdecision"),
        AppendOnly("ratings_graderecord"),
        AppendOnly("ratings_certificate"),
    ]
