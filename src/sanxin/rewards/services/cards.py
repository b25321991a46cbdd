"""Household QR cards (门牌码): issuing (a new card revokes the household's old one),
revoking, and the cards of a villager group for its printed sheet. The shop clerk and
those who manage shops (`Perm.SHOP_REDEEM` or `Perm.SHOP_MANAGE` over the household)
may do all three; each writes an audit row in the same transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.models import User
from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households.choices import HouseholdStatus
from sanxin.households.models import Household
from sanxin.regions.models import Region
from sanxin.rewards.cards import new_card_value
from sanxin.rewards.models import HouseholdCard

CARD_PERMS = (Perm.SHOP_REDEEM, Perm.SHOP_MANAGE)
REPLACED = "补发新卡"


def may_manage_cards(scope, household: Household) -> bool:
    return any(scope.covers_household(household, perm) for perm in CARD_PERMS)


def _household_label(household: Household) -> str:
    return f"{household.village.name} {household.number}号户"


@transaction.atomic
def card_issue(*, actor: User, household: Household) -> HouseholdCard:
    """A new card for the household; its live card, if any, is revoked at once (its
    QR code opens nothing from now on)."""
    if not may_manage_cards(scope_for(actor), household):
        raise PermissionDenied
    now = timezone.now()
    # One issue at a time per household: the household row is the lock.
    Household.objects.select_for_update().filter(pk=household.pk).values("pk").first()
    old = HouseholdCard.objects.filter(household=household, revoked_at__isnull=True).first()
    if old is not None:
        old.revoked_at, old.revoked_by, old.revoke_reason = now, actor, REPLACED
        old.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    card = HouseholdCard(
        household=household, token=new_card_value(), issued_by=actor, issued_at=now
    )
    card.full_clean()
    card.save()
    audit(
        actor=actor,
        action="card.issue",
        obj=card,
        object_repr=_household_label(household),
        region_path=household.villager_group.path,
        after={"replaces": old.pk if old else None},
        at=now,
    )
    return card


@transaction.atomic
def card_revoke(*, actor: User, household: Household, reason: str) -> HouseholdCard:
    """Revoke the household's live card (a lost card): its QR code opens nothing;
    the household has no card until a new one is issued."""
    if not may_manage_cards(scope_for(actor), household):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请写明作废原因")})
    card = (
        HouseholdCard.objects.select_for_update()
        .filter(household=household, revoked_at__isnull=True)
        .first()
    )
    if card is None:
        raise ValidationError(_("该户没有在用的门牌码"))
    now = timezone.now()
    card.revoked_at, card.revoked_by, card.revoke_reason = now, actor, reason
    card.full_clean()
    card.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit(
        actor=actor,
        action="card.revoke",
        obj=card,
        object_repr=_household_label(household),
        region_path=household.villager_group.path,
        after={"reason": reason},
        at=now,
    )
    return card


@transaction.atomic
def cards_for_group(*, actor: User, group: Region) -> list[HouseholdCard]:
    """The live cards of the group's registered households, in 户号 order, for its
    printed sheet: households without one get a card now. Audited as one print."""
    scope = scope_for(actor)
    if not any(scope.covers_region(group, perm) for perm in CARD_PERMS):
        raise PermissionDenied
    households = list(
        Household.objects.select_for_update()
        .filter(villager_group=group, status=HouseholdStatus.ACTIVE)
        .order_by("number", "pk")
    )
    live = {
        c.household_id: c
        for c in HouseholdCard.objects.filter(household__in=households, revoked_at__isnull=True)
    }
    now = timezone.now()
    new = HouseholdCard.objects.bulk_create(
        HouseholdCard(household=h, token=new_card_value(), issued_by=actor, issued_at=now)
        for h in households
        if h.pk not in live
    )
    live.update({c.household_id: c for c in new})
    audit(
        actor=actor,
        action="card.print_sheet",
        obj=group,
        object_repr=group.name,
        region_path=group.path,
        after={"households": len(households), "new_cards": len(new)},
        at=now,
    )
    cards = []
    for h in households:
        card = live[h.pk]
        card.household = h
        cards.append(card)
    return cards
