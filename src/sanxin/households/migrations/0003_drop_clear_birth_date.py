"""The birth date is no longer stored in clear (see 0002): it lives only inside the
encrypted ID number; members are ordered by it in Python."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("households", "0002_id_privacy")]

    operations = [
        migrations.AlterModelOptions(
            name="person",
            options={
                "ordering": ["household_id", "-is_head", "id"],
                "verbose_name": "人员",
                "verbose_name_plural": "人员",
            },
        ),
        migrations.RemoveField(model_name="person", name="birth_date"),
    ]
