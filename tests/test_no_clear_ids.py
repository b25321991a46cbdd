"""No full identity number is stored in clear text anywhere in the database."""

import re

from django.db import connection

from sanxin.households.models import Person
from sanxin.lib import idcard

FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")


def _all_text_in_database() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_database_holds_no_clear_identity_numbers(world, login):
    # Exercise a reveal too: it must not leave the number behind in the audit log.
    login(world.users["committee_head"]).post(
        f"/households/people/{Person.objects.filter(household=world.household).first().pk}/reveal-id/"
    )
    full_numbers = {p.reveal_id_number() for p in Person.objects.all()}
    text = _all_text_in_database()
    assert full_numbers
    assert not any(n in text for n in full_numbers)
    # Anything shaped like a valid ID number (keyed hashes are hex and may hold digit runs).
    assert not [m for m in FULL_ID.findall(text) if idcard.is_valid(m)]


def test_database_holds_no_birth_dates_or_more_than_two_clear_id_characters(world, login):
    """The birth date is part of the number: it is kept only inside the ciphertext, and
    masked numbers show the region code and the last two characters, nothing more."""
    head = Person.objects.filter(household=world.household, is_head=True).first()
    login(world.users["committee_head"]).post(f"/households/people/{head.pk}/reveal-id/")
    text = _all_text_in_database()
    for person in Person.objects.all():
        born = person.birth_date
        for spelling in (f"{born:%Y%m%d}", born.isoformat(), f"{born:%Y/%m/%d}"):
            assert spelling not in text, spelling
        value = person.reveal_id_number()
        assert person.id_number_masked == value[:6] + "*" * 10 + value[-2:]
    for tail in re.findall(r"\*{4,}([0-9X]+)", text):
        assert len(tail) <= 2, tail
