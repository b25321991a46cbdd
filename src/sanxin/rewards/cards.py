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

from django.core import signing

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
