"""The audit log's model now lives in the audit app (audit 0001 took it over in the
migration state); the table, its rows and its append-only triggers stay as they are."""

from django.db import migrations


def _content_type_follows(apps, schema_editor):
    """The admin's permissions and history point at the content type: rename it."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="audit", model="auditevent").exists():
        ContentType.objects.filter(app_label="oversight", model="auditevent").update(
            app_label="audit"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0002_auditevent_append_only"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
        migrations.RunPython(_content_type_follows, migrations.RunPython.noop),
    ]
