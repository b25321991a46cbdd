"""A person's tier for stricter standards: 群众 < 党员 < 党员干部 (the order is
`rules.choices.Tier`'s)."""

from __future__ import annotations

from collections.abc import Iterable

from sanxin.households.choices import CadrePost
from sanxin.households.models import Person
from sanxin.rules.choices import Tier, tier_rank

# Posts that make a party member a party cadre (村"两委"干部). A group leader alone does not.
CADRE_POSTS = {
    CadrePost.PARTY_SECRETARY,
    CadrePost.COMMITTEE_DIRECTOR,
    CadrePost.TWO_COMMITTEES_MEMBER,
    CadrePost.OTHER_CADRE,
}


def person_tier(person: Person) -> str:
    if not person.is_party_member:
        return Tier.MASSES
    return Tier.PARTY_CADRE if person.cadre_post in CADRE_POSTS else Tier.PARTY_MEMBER


def household_tier_of(members: Iterable[Person]) -> str:
    """The strictest tier among the active members."""
    tiers = [person_tier(p) for p in members if p.active] or [Tier.MASSES]
    return str(max(tiers, key=tier_rank))
