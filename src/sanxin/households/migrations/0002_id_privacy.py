"""Nothing stored in clear narrows an identity number below 1,000 candidates
(docs/access.md): the clear birth date goes (it stays inside the encrypted number),
the masked form keeps the region code and the last two characters instead of four,
and searching by the last four characters goes through a keyed index.

The data step works from the ciphertext, so it needs SANXIN_DATA_KEY (the key the
numbers were encrypted with); without it the migration stops before changing
anything. 0003 then drops the clear birth date column (a separate migration, so
the rows updated here are committed before the table is altered on PostgreSQL)."""

from cryptography.fernet import InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models

from sanxin.lib import crypto, idcard

BATCH = 500


def _people(apps):
    Person = apps.get_model("households", "Person")
    return Person, Person.objects.order_by("pk")


def _decrypt(person) -> str:
    try:
        return crypto.decrypt(person.id_number_encrypted)
    except InvalidToken:
        raise ImproperlyConfigured(
            "households.0002 needs the data key the ID numbers were encrypted with "
            f"(SANXIN_DATA_KEY); it cannot decrypt person {person.pk}."
        ) from None


def forward(apps, schema_editor):
    Person, people = _people(apps)
    batch = []
    for person in people.iterator(chunk_size=BATCH):
        value = _decrypt(person)
        person.id_number_masked = idcard.mask(value)
        person.id_last_digits_index = crypto.blind_index(
            idcard.last_digits(value), crypto.LAST_DIGITS
        )
        batch.append(person)
        if len(batch) >= BATCH:
            Person.objects.bulk_update(batch, ["id_number_masked", "id_last_digits_index"])
            batch = []
    Person.objects.bulk_update(batch, ["id_number_masked", "id_last_digits_index"])


def backward(apps, schema_editor):
    Person, people = _people(apps)
    batch = []
    for person in people.iterator(chunk_size=BATCH):
        value = idcard.IdNumber(_decrypt(person))
        person.id_number_masked = value.value[:6] + "*" * 8 + value.value[14:]
        person.birth_date = value.birth_date
        batch.append(person)
        if len(batch) >= BATCH:
            Person.objects.bulk_update(batch, ["id_number_masked", "birth_date"])
            batch = []
    Person.objects.bulk_update(batch, ["id_number_masked", "birth_date"])


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="id_last_digits_index",
            field=models.CharField(db_index=True, default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="person",
            name="birth_date",
            field=models.DateField(null=True, verbose_name="出生日期"),
        ),
        migrations.RunPython(forward, backward),
    ]
