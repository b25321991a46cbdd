"""The review queue reads the pending entries' table (ledger/pending.py), not the
village's history: every statement of the page that looks for pending entries goes
through `ledger_pendingentry`, and on SQLite no plan walks the entries of the
households in reach (docs/benchmarks.md, "The review queue")."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sanxin.ledger.models import Entry, Review
from tests.ledger.test_views import _make_pending


class Statements:
    def __init__(self):
        self.seen: list[tuple[str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        self.seen.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)


def _history(world, n):
    """`n` reviewed entries of the village's household, recorded years ago."""
    first = Entry.objects.first()
    long_ago = timezone.now() - timedelta(days=3 * 365)
    fields = {
        f.attname: getattr(first, f.attname)
        for f in Entry._meta.concrete_fields
        if f.attname not in ("id", "idempotency_key")
    }
    old = Entry.objects.bulk_create(
        Entry(**{**fields, "recorded_at": long_ago, "occurred_on": long_ago.date()})
        for _ in range(n)
    )
    reviewer = world.users["committee_head"]
    Review.objects.bulk_create(
        Review(entry=e, district_id=e.district_id, approved=True, reviewer=reviewer,
               reviewed_at=long_ago)
        for e in old
    )  # fmt: skip


def _queue_statements(client, query=""):
    seen = Statements()
    with connection.execute_wrapper(seen):
        response = client.get(f"/points/review/{query}")
    assert response.status_code == 200
    return [(sql, p) for sql, p in seen.seen if '"ledger_entry"' in sql]


@pytest.mark.parametrize("query", ["", "?page=2", "?component=environment"])
def test_the_queue_reads_the_pending_entries_only(world, scheme, login, query):
    client = login(world.users["committee_member"])
    _make_pending(world, 5)
    _history(world, 40)
    statements = _queue_statements(client, query)
    # the page, its count, the versions and recorders of the pending entries
    assert len(statements) == 3, [s for s, _p in statements]
    for sql, params in statements:
        assert "ledger_pendingentry" in sql, sql
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = " | ".join(row[-1] for row in cursor.fetchall())
            assert "SCAN ledger_entry" not in plan, plan
            assert "entry_household_date" not in plan, plan
            assert "ledger_entry_household_id" not in plan, plan


def test_the_filters_offer_the_recorders_of_the_pending_entries(world, scheme, login):
    client = login(world.users["committee_member"])
    _make_pending(world, 5)
    html = client.get("/points/review/").content.decode()
    assert "committee_head" in html or world.users["committee_head"].display_name in html
    assert html.count('name="entry"') == 5
