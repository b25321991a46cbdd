from datetime import date

from tests.access_cases import COMMITTEE, INSIDERS_OF_HOUSEHOLD, Case

DECIDERS = COMMITTEE | {"credit_officer"}


def _scheme(w):
    from sanxin.rules.services import scheme_install_default

    scheme_install_default(district=w.district)


def _event(w):
    from sanxin.ledger.vetoes import veto_record

    _scheme(w)
    if not w.household.veto_events.exists():
        veto_record(
            actor=w.users["committee_head"],
            household=w.household,
            rule_code="wd.c.detention",
            starts_on=date(2025, 3, 1),
            evidence_text="公安机关行政处罚决定书",
        )


CASES = [
    Case(
        "points:vetoes",
        lambda w: f"/points/households/{w.household.pk}/vetoes/",
        INSIDERS_OF_HOUSEHOLD,
        setup=_scheme,
    ),
    Case(
        "points:veto_revoke",
        lambda w: f"/points/vetoes/{w.household.veto_events.first().pk}/revoke/",
        DECIDERS,
        method="post",
        data=lambda w: {"reason": "误报"},
        setup=_event,
    ),
]
