"""A household is told, in plain words, when an entry is recorded for it and when the
committee approves or rejects it (with the reason): one at a time, in batches, in
bulk review and through imports, written in bulk."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanxin.ledger import services
from sanxin.ledger.services import EntryRequest
from sanxin.notifications.choices import Kind
from sanxin.notifications.models import Notification

TODAY = date(2025, 11, 1)


def _record(world, household=None, item="env.tidy", user="subteam_member"):
    return services.entry_record(
        actor=world.users[user],
        request=EntryRequest(
            household=household or world.household, item_code=item, occurred_on=date(2025, 6, 1)
        ),
        today=TODAY,
    )


def _titles(household, kind):
    return list(
        Notification.objects.filter(household=household, kind=kind).values_list("title", flat=True)
    )


def test_recording_approving_and_rejecting_tell_the_household(world, scheme):
    entry = _record(world)
    name = entry.item_name
    assert _titles(world.household, Kind.ENTRY_RECORDED) == [
        f"为您家记录了一条积分：{name} +2 分，待评信团审核"
    ]
    note = Notification.objects.get(household=world.household, kind=Kind.ENTRY_RECORDED)
    assert note.url == f"/points/households/{world.household.pk}/"
    services.entry_review(actor=world.users["committee_member"], entry=entry, approve=True)
    assert _titles(world.household, Kind.ENTRY_APPROVED) == [
        f"您家的积分记录已通过审核：{name} +2 分"
    ]
    second = _record(world)
    services.entry_review(
        actor=world.users["committee_member"], entry=second, approve=False, reason="照片看不清"
    )
    assert _titles(world.household, Kind.ENTRY_REJECTED) == [
        f"您家的积分记录未通过审核：{name} +2 分，理由：照片看不清"
    ]
    # No other household hears about it.
    assert not Notification.objects.exclude(household=world.household).exists()


def test_batch_and_bulk_review_notify_every_household_in_bulk(world, scheme):
    households = [world.household, world.household_a1_2]
    result = services.entries_record_batch(
        actor=world.users["committee_head"],
        households=households,
        item_code="env.tidy",
        occurred_on=date(2025, 6, 1),
        today=TODAY,
    )
    for h in households:
        assert len(_titles(h, Kind.ENTRY_RECORDED)) == 1
    services.entries_review_bulk(
        actor=world.users["committee_member"],
        entries=result.entries,
        approve=False,
        reason="不符合条件",
    )
    for h in households:
        (title,) = _titles(h, Kind.ENTRY_REJECTED)
        assert title.endswith("理由：不符合条件")


def test_bulk_review_writes_its_notifications_in_one_insert(world, scheme):
    """No query per household for the notifications of a bulk review: one insert."""
    entries = [_record(world, household=world.household_a1_2, user="committee_head")]
    entries += [_record(world, user="committee_head") for _ in range(5)]
    with CaptureQueriesContext(connection) as ctx:
        services.entries_review_bulk(
            actor=world.users["committee_member"], entries=entries, approve=True
        )
    touching = [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT")
    assert Notification.objects.filter(kind=Kind.ENTRY_APPROVED).count() == 6
