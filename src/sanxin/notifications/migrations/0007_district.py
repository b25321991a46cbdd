"""The district column (docs/scaling.md): added nullable, filled by one set-based
UPDATE per table, then made NOT NULL where every row has a district."""

from django.db import migrations

from sanxin.lib.district_column import DISTRICT_OF_PATH, district_of_household, district_operations


class Migration(migrations.Migration):
    dependencies = [
        ('notifications', '0006_alter_notification_kind'),
        ('households', '0006_district'),
    ]

    operations = [
        *district_operations(
            'notification',
            'notifications_notification',
            district_of_household('notifications_notification'),
            append_only=True,
        ),
    ]
