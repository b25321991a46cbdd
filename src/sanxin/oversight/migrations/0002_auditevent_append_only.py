from django.db import migrations

from sanxin.lib.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial")]
    operations = [AppendOnly("oversight_auditevent")]
