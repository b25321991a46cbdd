from datetime import date

from tests.access_cases import COMMITTEE, SEES_POINTS, Case
from tests.access_cases.effects import audited, succeeded

DECIDERS = COMMITTEE | {"credit_officer"}


def _scheme(w):
    from sanxin.rules.services import scheme_install_default

    scheme_install_default(district=w.district)


def _event(w):
    from sanxin.ratings.services.vetoes import veto_record

    _scheme(w)
    if not w.household.veto_events.exists():
        veto_record(
            actor=w.users["committee_head"],
            household=w.household,
            rule_code="wd.c.detention",
            starts_on=date(2025, 3, 1),
            evidence_text="公安机关行政处罚决定书",
        )


def _revoked(w, username):
    from sanxin.ledger.models import VetoEvent

    succeeded(w, username)
    original = VetoEvent.objects.get(household=w.household, revokes=None)
    revocation = original.revoked_by
    assert (revocation.evidence_text, revocation.recorded_by) == ("误报", w.users[username])
    audited(w, username, "veto.revoke", object_id=str(original.pk))


CASES = [
    Case(
        "points:vetoes",
        lambda w: f"/points/households/{w.household.pk}/vetoes/",
        SEES_POINTS,
        setup=_scheme,
    ),
    Case(
        "points:veto_revoke",
        lambda w: f"/points/vetoes/{w.household.veto_events.first().pk}/revoke/",
        DECIDERS,
        method="post",
        data=lambda w: {"reason": "误报"},
        setup=_event,
        effect=_revoked,
    ),
]
