"""Who may use the API's money endpoints (sanxin/api/routers/lending.py, rewards.py,
ledger.py): loans and credit lines for the credit union over the household and the
household itself; a wallet for the household and the clerk of a shop serving it (its
history for the household only); redemptions for the household and the clerk of the
shop; recording repayments for the credit officer, entries for the recorders over the
household. API cases (`api=True`): each user calls with a token of their own."""

from __future__ import annotations

from django.utils import timezone

from tests.access_cases import Case
from tests.access_cases.effects import audited

# Perm.LENDING_VIEW: the credit officers (lists of their region) and the villagers
# (their own household's); the main household's records: its officer and itself.
LENDING_READERS = {"credit_officer", "other_credit_officer", "villager", "other_villager"}
HOUSEHOLD_LENDING = {"credit_officer", "villager"}
# The counter's households and the household's own accounts.
WALLET = {"shop_clerk", "villager"}
REDEMPTION_READERS = {"shop_clerk", "villager", "other_villager"}
# Perm.RECORD_POINTS over the main household (village A1, group 1).
RECORDERS = {"committee_head", "committee_deputy", "committee_member", "subteam_member"}
KEY = {"Idempotency-Key": "matrix-key"}


def _loans(w):
    from tests.api.money_world import loans

    loans(w)


def _shops(w):
    from tests.api.money_world import shops

    shops(w)


def _scheme(w):
    from sanxin.rules.services import scheme_install_default

    scheme_install_default(district=w.district)


def _repaid(w, username):
    from sanxin.lending.models import Repayment

    repayment = Repayment.objects.get(loan=w.loan, bank_reference="LS-MATRIX")
    assert repayment.recorded_by == w.users[username]
    assert w.response.json()["repayment"]["id"] == repayment.pk
    audited(w, username, "repayment.record", object_id=str(repayment.pk))


def _entry_recorded(w, username):
    from sanxin.ledger.models import Entry, Review

    entry = Entry.objects.get(household=w.household, item_code="env.tidy")
    assert entry.recorded_by == w.users[username]
    assert not Review.objects.filter(entry=entry).exists()  # pending the committee's review
    assert w.response.json()["status"] == "pending"
    audited(w, username, "entry.record", object_id=str(entry.pk))


def _today() -> str:
    return timezone.localdate().isoformat()


CASES = [
    # --- lending ------------------------------------------------------------------------
    Case(
        "api_v1:lending_lines_list",
        lambda w: "/api/v1/lending/lines",
        LENDING_READERS,
        setup=_loans,
        api=True,
    ),
    Case(
        "api_v1:lending_line_detail",
        lambda w: f"/api/v1/lending/lines/{w.line.pk}",
        HOUSEHOLD_LENDING,
        setup=_loans,
        api=True,
    ),
    Case(
        "api_v1:lending_loans_list",
        lambda w: "/api/v1/lending/loans",
        LENDING_READERS,
        setup=_loans,
        api=True,
    ),
    Case(
        "api_v1:lending_loan_detail",
        lambda w: f"/api/v1/lending/loans/{w.loan.pk}",
        HOUSEHOLD_LENDING,
        setup=_loans,
        api=True,
    ),
    Case(
        "api_v1:lending_repayment_create",
        lambda w: f"/api/v1/lending/loans/{w.loan.pk}/repayments",
        {"credit_officer"},
        method="post",
        setup=_loans,
        data=lambda w: {"paid_on": _today(), "amount": "300", "bank_reference": "LS-MATRIX"},
        headers=KEY,
        ok_statuses=(201,),
        effect=_repaid,
        api=True,
    ),
    # --- shop ---------------------------------------------------------------------------
    Case(
        "api_v1:shop_wallet",
        lambda w: f"/api/v1/shop/households/{w.household.pk}/wallet",
        WALLET,
        setup=_shops,
        api=True,
    ),
    Case(
        "api_v1:shop_wallet_history",
        lambda w: f"/api/v1/shop/households/{w.household.pk}/wallet/history",
        {"villager"},
        setup=_shops,
        api=True,
    ),
    Case(
        "api_v1:shop_redemptions_list",
        lambda w: "/api/v1/shop/redemptions",
        REDEMPTION_READERS,
        setup=_shops,
        api=True,
    ),
    Case(
        "api_v1:shop_redemption_detail",
        lambda w: f"/api/v1/shop/redemptions/{w.redemption.pk}",
        WALLET,
        setup=_shops,
        api=True,
    ),
    # --- recording entries ----------------------------------------------------------------
    Case(
        "api_v1:ledger_entry_create",
        lambda w: f"/api/v1/ledger/households/{w.household.pk}/entries",
        RECORDERS,
        method="post",
        setup=_scheme,
        data=lambda w: {"item_code": "env.tidy", "occurred_on": _today()},
        headers=KEY,
        ok_statuses=(201,),
        effect=_entry_recorded,
        api=True,
    ),
]
