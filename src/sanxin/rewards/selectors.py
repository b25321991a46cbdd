"""Reads of the points supermarket: the policy in force, wallet lots and the points due
to expire (the FIFO rule), wallet history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Round

from sanxin.regions.models import Region
from sanxin.rewards.choices import WalletKind
from sanxin.rewards.models import RedemptionPolicy, Wallet, WalletEntry

# Rows that make up the lots points are spent from (oldest expiry first): credits and
# allowances, less the take-backs of credits (each carries its credit's expiry date).
LOT_KINDS = (WalletKind.ENTRY_CREDIT, WalletKind.ALLOWANCE, WalletKind.ENTRY_TAKEBACK)
# Rows that spend from the lots: redemptions and expiries, less voids.
SPEND_KINDS = (WalletKind.REDEMPTION, WalletKind.VOID, WalletKind.EXPIRY)
_POINTS = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")


def district_id_of(region: Region | int) -> int:
    """The district a region (or a village's id) belongs to."""
    if isinstance(region, int):
        region = Region.objects.only("path").get(pk=region)
    return region.ancestor_ids[0]


def policy_versions(district: Region | int) -> QuerySet[RedemptionPolicy]:
    """Every published version of the district's policy, the latest first."""
    district_id = getattr(district, "pk", district)
    return (
        RedemptionPolicy.objects.filter(district_id=district_id)
        .select_related("published_by")
        .prefetch_related("allowances")
        .order_by("-effective_from", "-id")
    )


def default_policy(district_id: int) -> RedemptionPolicy:
    """What applies before a district publishes a policy: the defaults (base and
    vanguard points credit the wallet, 3A and above redeem, points expire at the end
    of the year after they were earned, notice 30 days before, no grade allowance).
    Not saved (`pk` None)."""
    return RedemptionPolicy(district_id=district_id)


def policy_in_force(district: Region | int, on: date) -> RedemptionPolicy:
    """The version in force in the district on `on`: the latest `effective_from` on
    or before it (on equal dates the later published); the defaults if none."""
    district_id = district.pk if isinstance(district, Region) else district
    found = policy_versions(district_id).filter(effective_from__lte=on).first()
    return found if found is not None else default_policy(district_id)


class Policies:
    """The policy versions of many districts, loaded once, for set-based work
    (`wallet_sync` over thousands of entries): `on(district_id, day)`."""

    def __init__(self, district_ids: Iterable[int]):
        self._versions: dict[int, list[RedemptionPolicy]] = {}
        for p in RedemptionPolicy.objects.filter(district_id__in=set(district_ids)).order_by(
            "-effective_from", "-id"
        ):
            self._versions.setdefault(p.district_id, []).append(p)

    def on(self, district_id: int, day: date) -> RedemptionPolicy:
        for p in self._versions.get(district_id, []):
            if p.effective_from <= day:
                return p
        return default_policy(district_id)


def allowance_points(policy: RedemptionPolicy) -> dict[str, Decimal]:
    """{grade: points} of the policy's grade allowance (none for the defaults)."""
    if policy.pk is None:
        return {}
    return {a.grade: a.points for a in policy.allowances.all()}


def wallet_balance(household_id: int) -> Decimal:
    balance = (
        Wallet.objects.filter(household_id=household_id).values_list("balance", flat=True).first()
    )
    return balance if balance is not None else ZERO


def _sum(condition: Q):
    return Round(
        Coalesce(
            Sum("points", filter=condition, output_field=_POINTS), Value(0, output_field=_POINTS)
        ),
        2,
    )


@dataclass(frozen=True)
class Due:
    """Points of a household due to expire on a day: what is left of its lots whose
    last day (`lot_date`, the latest of them) is before that day."""

    household_id: int
    points: Decimal
    lot_date: date


def due_expiry(household_ids: Iterable[int] | QuerySet, today: date) -> dict[int, Due]:
    """{household id: Due} for the households with points to expire on `today` (one
    query). Points are spent oldest expiry first, so what remains of the lots that
    ended before `today` is: those lots (credits + allowances − take-backs) minus
    everything spent so far (redemptions − voids + earlier expiries), if positive.
    A point whose last day is D is spendable through D and due on D + 1."""
    rows = (
        WalletEntry.objects.filter(household_id__in=household_ids)
        .order_by()
        .values("household_id")
        .annotate(
            lots=_sum(Q(kind__in=LOT_KINDS, expires_on__lt=today)),
            spent=_sum(Q(kind__in=SPEND_KINDS)),
            lot_date=Max("expires_on", filter=Q(kind__in=LOT_KINDS, expires_on__lt=today)),
        )
        .filter(lot_date__isnull=False)
    )
    due: dict[int, Due] = {}
    for r in rows:
        # `spent` is the sum of negative rows (and positive voids): add it.
        left = Decimal(r["lots"]) + Decimal(r["spent"])
        if left > 0:
            due[r["household_id"]] = Due(r["household_id"], left.quantize(ZERO), r["lot_date"])
    return due


def expiring_between(
    household_ids: Iterable[int] | QuerySet, start: date, end: date
) -> dict[tuple[int, date], Decimal]:
    """{(household id, last day): points} of the points whose last day falls within
    [start, end] and that are not spent by then (FIFO as in `due_expiry`). Two queries."""
    ids = list(household_ids) if not isinstance(household_ids, QuerySet) else household_ids
    spent = dict(
        WalletEntry.objects.filter(household_id__in=ids)
        .order_by()
        .values("household_id")
        .annotate(s=_sum(Q(kind__in=SPEND_KINDS)))
        .values_list("household_id", "s")
    )
    lots = (
        WalletEntry.objects.filter(
            household_id__in=ids, kind__in=LOT_KINDS, expires_on__isnull=False
        )
        .filter(expires_on__lte=end)
        .order_by()
        .values("household_id", "expires_on")
        .annotate(s=Round(Sum("points"), 2))
        .order_by("household_id", "expires_on")
    )
    result: dict[tuple[int, date], Decimal] = {}
    before: dict[int, Decimal] = {}
    for r in lots:
        h, last_day = r["household_id"], r["expires_on"]
        assert last_day is not None  # filtered above
        spent_total = -Decimal(spent.get(h, 0))  # what was spent, as a positive amount
        earlier = before.get(h, ZERO)
        through = earlier + Decimal(r["s"])
        left = max(through - spent_total, ZERO) - max(earlier - spent_total, ZERO)
        before[h] = through
        if last_day >= start and left > 0:
            result[(h, last_day)] = left.quantize(ZERO)
    return result


def wallet_rows(household_id: int) -> QuerySet[WalletEntry]:
    """A household's wallet history, the latest first, with what each row cites."""
    return (
        WalletEntry.objects.filter(household_id=household_id)
        .select_related("entry", "redemption", "void__redemption", "cycle")
        .order_by("-occurred_at", "-id")
    )
