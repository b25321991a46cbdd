import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


FREEZE_SQL = {
    "sqlite": (
        [
            """CREATE TRIGGER rules_schemeversion_frozen BEFORE UPDATE OF document, code, version, effective_from, district_id, village_id
               ON rules_schemeversion WHEN OLD.in_use_since IS NOT NULL
               BEGIN SELECT RAISE(ABORT, 'scheme version is in use and frozen'); END""",
            """CREATE TRIGGER rules_schemeversion_no_delete BEFORE DELETE ON rules_schemeversion
               WHEN OLD.in_use_since IS NOT NULL
               BEGIN SELECT RAISE(ABORT, 'scheme version is in use and frozen'); END""",
        ],
        ["DROP TRIGGER IF EXISTS rules_schemeversion_frozen", "DROP TRIGGER IF EXISTS rules_schemeversion_no_delete"],
    ),
    "postgresql": (
        [
            """CREATE OR REPLACE FUNCTION rules_schemeversion_frozen() RETURNS trigger AS $$
               BEGIN
                 IF OLD.in_use_since IS NOT NULL AND (TG_OP = 'DELETE'
                    OR NEW.document::text <> OLD.document::text OR NEW.code <> OLD.code OR NEW.version <> OLD.version
                    OR NEW.effective_from <> OLD.effective_from OR NEW.district_id <> OLD.district_id
                    OR NEW.village_id IS DISTINCT FROM OLD.village_id) THEN
                   RAISE EXCEPTION 'scheme version is in use and frozen';
                 END IF;
                 IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                 RETURN NEW;
               END; $$ LANGUAGE plpgsql""",
            """CREATE TRIGGER rules_schemeversion_frozen BEFORE UPDATE OR DELETE ON rules_schemeversion
               FOR EACH ROW EXECUTE FUNCTION rules_schemeversion_frozen()""",
        ],
        ["DROP TRIGGER IF EXISTS rules_schemeversion_frozen ON rules_schemeversion"],
    ),
}


def freeze_forwards(apps, schema_editor):
    for sql in FREEZE_SQL[schema_editor.connection.vendor][0]:
        schema_editor.execute(sql)


def freeze_backwards(apps, schema_editor):
    for sql in FREEZE_SQL[schema_editor.connection.vendor][1]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("regions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SchemeVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=40, verbose_name="方案代码")),
                ("version", models.CharField(max_length=40, verbose_name="版本")),
                ("name", models.CharField(max_length=100, verbose_name="名称")),
                ("effective_from", models.DateField(verbose_name="生效日期")),
                ("document", models.JSONField(verbose_name="方案内容")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("in_use_since", models.DateTimeField(blank=True, null=True, verbose_name="启用时间")),
                ("based_on", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="village_versions", to="rules.schemeversion", verbose_name="所依据的区级版本")),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("district", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="regions.region", verbose_name="发布区")),
                ("village", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="regions.region", verbose_name="村（村级版本）")),
            ],
            options={
                "verbose_name": "评分方案版本",
                "verbose_name_plural": "评分方案版本",
                "ordering": ["district_id", "village_id", "-effective_from", "-id"],
                "constraints": [
                    models.UniqueConstraint(condition=models.Q(("village__isnull", True)), fields=("district", "code", "version"), name="scheme_unique_district_version"),
                    models.UniqueConstraint(condition=models.Q(("village__isnull", False)), fields=("village", "code", "version"), name="scheme_unique_village_version"),
                ],
            },
        ),
        migrations.RunPython(freeze_forwards, freeze_backwards),
    ]
