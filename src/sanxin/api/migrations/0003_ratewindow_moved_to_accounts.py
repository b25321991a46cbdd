"""The rate limits' model now lives in the accounts app (accounts 0009 took it over
in the migration state), so the web's pages can count with it too; the table
api_ratewindow and its rows stay as they are."""

from django.db import migrations


def _content_type_follows(apps, schema_editor):
    """Permissions point at the content type: rename it."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="accounts", model="ratewindow").exists():
        ContentType.objects.filter(app_label="api", model="ratewindow").update(
            app_label="accounts"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_rate_windows"),
        ("accounts", "0009_ratewindow"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RateWindow")],
            database_operations=[],
        ),
        migrations.RunPython(_content_type_follows, migrations.RunPython.noop),
    ]
