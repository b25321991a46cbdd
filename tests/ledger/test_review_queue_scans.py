"""The review queue finds the pending entries by probing every entry in reach for a
missing review, its costly step at scale (docs/benchmarks.md, "Pages under load"):
the page does it three times (the page, its count, the versions and recorders of the
pending entries together), not once per filter list."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.ledger.test_views import _make_pending


def test_the_queue_looks_for_pending_entries_three_times(world, scheme, login):
    client = login(world.users["committee_member"])
    _make_pending(world, 5)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/points/review/")
    assert response.status_code == 200
    scans = [
        q["sql"]
        for q in ctx.captured_queries
        if "ledger_review" in q["sql"] and "IS NULL" in q["sql"]
    ]
    assert len(scans) == 3, scans
    html = response.content.decode()
    # the filters still offer the recorders of the pending entries
    assert "committee_head" in html or world.users["committee_head"].display_name in html
