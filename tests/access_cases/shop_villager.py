"""The points supermarket's household QR cards (门牌码) and the villager's side.

The villager's pages (`/shop/mine/<household>/…`) open for the household's own
accounts only: anyone else who sees the household gets 403, everyone else 404.

Cards: the scan page is public (a clerk of a shop serving the village is sent to
the counter, everyone else sees the public verification); printing a group's sheet,
issuing a new card and revoking one belong to the shop clerk and those who manage
shops (committee head, town and district admins) over the household."""

from __future__ import annotations

from django.utils import timezone

from tests.access_cases import ALL_USERS, Case
from tests.access_cases.effects import audited, succeeded

# Who manages the cards of village A1's households: Perm.SHOP_REDEEM or SHOP_MANAGE over it.
CARD_KEEPERS = {"shop_clerk", "committee_head", "town_admin", "district_admin"}
# Who holds one of those permissions somewhere (the list of their own groups).
CARD_KEEPERS_ANYWHERE = CARD_KEEPERS | {
    "other_district_admin",
    "other_town_admin",
    "neighbour_committee_head",
}


def _card(w):
    from sanxin.rewards.models import HouseholdCard

    if getattr(w, "card", None) is None:
        w.card = HouseholdCard.objects.create(
            household=w.household, token="access-case-card", issued_at=timezone.now()
        )
    return w.card


def _scan(w) -> str:
    from sanxin.rewards.cards import token_for

    return f"/shop/c/{token_for(_card(w))}/"


def _sheet_printed(w, username):
    from sanxin.rewards.models import HouseholdCard
    from tests.job_files import job_of

    job = job_of(w.response)  # a background job, run at once in tests
    assert job.started_by == w.users[username] and job.file_type == "application/pdf"
    assert HouseholdCard.objects.filter(household=w.household, revoked_at=None).count() == 1
    audited(w, username, "card.print_sheet", object_id=str(w.group_a1_1.pk))


def _card_issued(w, username):
    from sanxin.rewards.models import HouseholdCard

    succeeded(w, username)
    card = HouseholdCard.objects.get(household=w.household, revoked_at=None)
    assert card.issued_by == w.users[username]
    audited(w, username, "card.issue", object_id=str(card.pk))


def _card_revoked(w, username):
    from sanxin.rewards.models import HouseholdCard

    succeeded(w, username)
    card = HouseholdCard.objects.get(pk=w.card.pk)
    assert card.revoked_at is not None and card.revoked_by == w.users[username]
    audited(w, username, "card.revoke", object_id=str(card.pk))


# The villager's pages: the household's own accounts only (the world's villager).
MINE = {"villager"}

CASES = [
    Case("rewards:mine", lambda w: f"/shop/mine/{w.household.pk}/", MINE),
    Case("rewards:mine_history", lambda w: f"/shop/mine/{w.household.pk}/history/", MINE),
    Case("rewards:mine_catalogue", lambda w: f"/shop/mine/{w.household.pk}/catalogue/", MINE),
    Case("rewards:mine_receipts", lambda w: f"/shop/mine/{w.household.pk}/receipts/", MINE),
    Case("rewards:card_scan", _scan, set(ALL_USERS), public=True, setup=_card),
    Case("rewards:card_groups", lambda w: "/shop/cards/", CARD_KEEPERS_ANYWHERE),
    Case("rewards:card_group", lambda w: f"/shop/cards/group/{w.group_a1_1.pk}/", CARD_KEEPERS),
    Case(
        "rewards:card_sheet",
        lambda w: f"/shop/cards/group/{w.group_a1_1.pk}/sheet/",
        CARD_KEEPERS,
        method="post",
        effect=_sheet_printed,
    ),
    Case(
        "rewards:card_issue",
        lambda w: f"/shop/cards/household/{w.household.pk}/issue/",
        CARD_KEEPERS,
        method="post",
        effect=_card_issued,
    ),
    Case(
        "rewards:card_revoke",
        lambda w: f"/shop/cards/household/{w.household.pk}/revoke/",
        CARD_KEEPERS,
        method="post",
        setup=_card,
        data=lambda w: {"reason": "卡丢了"},
        effect=_card_revoked,
    ),
]
