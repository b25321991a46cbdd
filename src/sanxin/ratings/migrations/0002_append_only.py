from django.db import migrations

from sanxin.lib.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_initial")]
    operations = [AppendOnly("ratings_rating")]
