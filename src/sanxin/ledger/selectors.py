"""Reads from the ledger. A household's facts for the engine (entries, credit,
vetoes together) are assembled above the ledger and credit, in ratings/facts.py."""

from __future__ import annotations

from sanxin.rules import engine


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
