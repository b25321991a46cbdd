"""The demo ledger as planned in memory: one `Draft` per entry and one
`HouseholdLedger` per household, shared by the ledger year and its credit half."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sanxin.households.models import Household, Person
from sanxin.rules.scheme import Item
from sanxin.web.demo.people import age


@dataclass(eq=False)
class Draft:
    """One entry of the demo ledger, planned."""

    household: Household
    item: Item
    occurred_on: date
    quantity: int = 1
    person: Person | None = None
    evidence: str = ""
    recorder: str = ""
    recorded_at: datetime | None = None
    source: str = "manual"
    batch_key: str = ""
    tier: str = ""
    points: Decimal = Decimal(0)
    decision: str = "approve"  # approve | reject | pending
    reviewer: str = ""
    reviewed_at: datetime | None = None
    reject_reason: str = ""
    reversal_of: Draft | None = None
    reversed_by: Draft | None = None
    reversal_reason: str = ""
    dropped: bool = False  # the service would refuse it (over the cap): left out
    disputed: bool = False  # approved as recorded; appealed in the cycle's notice

    @property
    def key(self) -> tuple[int, str, int | None]:
        person = (
            self.person.pk
            if (self.person is not None and self.item.applies_to == "person")
            else None
        )
        return (self.household.pk, self.item.code, person)


@dataclass
class HouseholdLedger:
    household: Household
    members: list[Person]
    target: str
    veto_item: str = ""  # the item of a VETO target
    disputed: Draft | None = None  # the deduction a villager disputes in the cycle's notice
    drafts: list[Draft] = field(default_factory=list)

    @property
    def adults(self) -> list[Person]:
        return [p for p in self.members if 18 <= age(p) <= 75] or self.members
