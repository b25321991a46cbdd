"""The pending entries' table is kept by the database (ledger/pending.py): a row with
every entry, whoever writes it, gone with the entry's review; `rebuild` repairs it
after a load that bypassed the triggers."""

from django.db import connection
from django.utils import timezone

from sanxin.ledger import pending
from sanxin.ledger.models import Entry, PendingEntry, Review
from tests.ledger.test_views import _approve, _record


def test_a_recorded_entry_is_pending_until_reviewed(world, scheme):
    entry = _record(world)
    row = PendingEntry.objects.get()
    assert (row.entry_id, row.household_id, row.district_id) == (
        entry.pk,
        world.household.pk,
        world.district.pk,
    )
    _approve(world, entry)
    assert not PendingEntry.objects.exists()


def test_bulk_and_raw_inserts_are_pending_too(world, scheme):
    entry = _record(world)
    fields = {
        f.attname: getattr(entry, f.attname)
        for f in Entry._meta.concrete_fields
        if f.attname not in ("id", "idempotency_key")
    }
    more = Entry.objects.bulk_create([Entry(**fields), Entry(**fields)])
    assert set(PendingEntry.objects.values_list("entry_id", flat=True)) == {
        entry.pk,
        *(e.pk for e in more),
    }
    reviewer = world.users["committee_head"]
    Review.objects.bulk_create(
        Review(entry=e, district_id=e.district_id, approved=True, reviewer=reviewer,
               reviewed_at=timezone.now())
        for e in more
    )  # fmt: skip
    assert list(PendingEntry.objects.values_list("entry_id", flat=True)) == [entry.pk]


def test_rebuild_adds_the_missing_and_drops_the_decided(world, scheme):
    waiting, decided = _record(world), _record(world, item="env.tidy")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {pending.TABLE}")
        cursor.execute(
            f"INSERT INTO {pending.TABLE} (entry_id, household_id, district_id) "
            "VALUES (%s, %s, %s)",
            [decided.pk, decided.household_id, decided.district_id],
        )
    # as a load with the triggers off would leave it: the decided entry's row stays
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_review (entry_id, district_id, approved, reason, reviewer_id, "
            "reviewed_at) VALUES (%s, %s, %s, '', %s, %s)",
            [decided.pk, decided.district_id, True, world.users["committee_head"].pk,
             timezone.now()],
        )  # fmt: skip
        cursor.execute(
            f"INSERT INTO {pending.TABLE} (entry_id, household_id, district_id) "
            "VALUES (%s, %s, %s)",
            [decided.pk, decided.household_id, decided.district_id],
        )
        pending.rebuild(cursor)
    assert list(PendingEntry.objects.values_list("entry_id", flat=True)) == [waiting.pk]


def test_the_queue_lists_what_the_table_holds(world, scheme, login):
    """The queue reads the table: an entry whose row a load left out is missing from
    it until `rebuild`."""
    entry = _record(world)
    client = login(world.users["committee_member"])
    assert f'value="{entry.pk}"' in client.get("/points/review/").content.decode()
    PendingEntry.objects.all().delete()
    assert f'value="{entry.pk}"' not in client.get("/points/review/").content.decode()
    with connection.cursor() as cursor:
        pending.rebuild(cursor)
    assert f'value="{entry.pk}"' in client.get("/points/review/").content.decode()
