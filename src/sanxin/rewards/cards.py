"""Household QR cards (门牌码): the signed token their QR code carries.

A card's QR code holds the URL `/shop/c/<token>/`. The token is the card's random
value signed with the site's secret (`django.core.signing`, as the certificates'
verification links are), so a token cannot be guessed, made up or altered: the
signature is checked before any query. A card opens something only while it is the
household's current card; a revoked or replaced card's token leads to the
"card revoked" page, like any bad token.

The random value is short (8 random bytes, 11 characters) so that the whole URL
fits a QR code of version 6 or lower (41 × 41 modules), which still scans well
printed 38 mm wide on a card.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from django.core import signing
from django.utils import timezone

from sanxin.accounts.scope import Perm, Scope
from sanxin.households.models import Household
from sanxin.ratings.notice import mask_name
from sanxin.ratings.standing import grade_in_force
from sanxin.rewards.models import HouseholdCard, Shop
from sanxin.rules.scheme import GRADE_LABELS

SALT = "sanxin.rewards.card"
VALUE_BYTES = 8  # 64 random bits; the database keeps the values unique


def new_card_value() -> str:
    """A fresh random card value (URL-safe, 11 characters)."""
    return secrets.token_urlsafe(VALUE_BYTES)


def token_for_value(value: str) -> str:
    """The signed token printed in a card's QR code."""
    return signing.Signer(salt=SALT).sign(value)


def value_from_token(token: str) -> str | None:
    """The card value a token carries, or None when the token was tampered with."""
    try:
        return signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None


# --- cards in the database --------------------------------------------------------------


def token_for(card: HouseholdCard) -> str:
    return token_for_value(card.token)


def card_from_token(token: str) -> HouseholdCard | None:
    """The live card a token names, with its household, village and town; None for a
    tampered token, an unknown card, or a card revoked or replaced since."""
    value = value_from_token(token)
    if value is None:
        return None
    return (
        HouseholdCard.objects.select_related("household__village__parent")
        .filter(token=value, revoked_at__isnull=True)
        .first()
    )


def clerk_serves(scope: Scope, household: Household) -> bool:
    """Whether the user redeems at an open shop serving the household's village."""
    if not scope.has(Perm.SHOP_REDEEM):
        return False
    shops = Shop.objects.filter(active=True, villages=household.village_id)
    return scope.filter(shops, Perm.SHOP_REDEEM).exists()


@dataclass(frozen=True)
class PublicCard:
    """Only what the public page of a scanned card shows: no model object, no 户号,
    no balance, no reason of a grade change."""

    head_masked: str
    village: str
    grade_label: str  # empty before the household's first final cycle
    effective_from: date | None
    valid_until: date | None
    expired: bool


def public_view(card: HouseholdCard, today: date | None = None) -> PublicCard:
    """The masked head name, the village (with its town) and the grade in force with
    its validity. One query (the grade records)."""
    today = today or timezone.localdate()
    household = card.household
    village = household.village
    record = grade_in_force(household)
    return PublicCard(
        head_masked=mask_name(household.head_name),
        village=f"{village.parent.name} {village.name}" if village.parent_id else village.name,
        grade_label=GRADE_LABELS.get(record.grade, record.grade) if record else "",
        effective_from=record.effective_from if record else None,
        valid_until=record.valid_until if record else None,
        expired=record is not None and today > record.valid_until,
    )
