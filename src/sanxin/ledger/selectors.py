"""Reads from the ledger. A household's facts for the engine (entries, credit,
vetoes together) are assembled above the ledger and credit, in ratings/facts.py."""

from __future__ import annotations

from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery

from sanxin.accounts.scope import Perm, Scope
from sanxin.ledger.models import Entry, EntryPhoto, PendingEntry
from sanxin.rules import engine


def review_queue(scope: Scope) -> QuerySet[Entry]:
    """The pending entries the user may review, unordered. Found through the pending
    entries' table (ledger/pending.py) in the user's districts and region paths, so
    the query reads the pending entries only, never the reviewed history. (The
    missing review is not tested again here: PostgreSQL then plans an anti-join over
    every entry and review, the very scan the table avoids. The triggers keep the
    table exact.)"""
    waiting = scope.filter(
        PendingEntry.objects.filter(district_id__in=scope.district_ids(Perm.REVIEW_POINTS)),
        Perm.REVIEW_POINTS,
    )
    return Entry.objects.filter(pk__in=waiting.values("entry_id"))


def photo_count() -> Subquery:
    """An entry's number of evidence photos, as a per-row subquery: unlike a
    Count() over the join it adds no GROUP BY, and a page's count leaves it out."""
    count = Func(F("pk"), function="COUNT", output_field=IntegerField())
    return Subquery(EntryPhoto.objects.filter(entry=OuterRef("pk")).order_by().values(n=count))


def veto_facts(events) -> tuple[engine.VetoFact, ...]:
    """Engine facts from a household's events: revoked ones and revocations drop out."""
    events = list(events)
    revoked = {e.revokes_id for e in events if e.revokes_id}
    return tuple(
        engine.VetoFact(
            id=f"veto-{e.pk}",
            name=e.name,
            cap_grade=e.cap_grade,
            starts_on=e.starts_on,
            ends_on=e.ends_on,
            kind=e.kind,
            code=e.rule_code,
        )
        for e in events
        if e.revokes_id is None and e.pk not in revoked
    )
