"""What moves wallets besides the counter: credits from the ledger and their take-backs
(`wallet_sync`), the grade allowance when a cycle becomes final (`allowances_credit`),
expiry (`wallet_expire`) and its notice (`wallet_notify_expiring`).

Credits: every approved entry (not a reversal) with positive points of a component
the district's policy in force on the day of approval names (base and vanguard by
default) is credited once (`WalletEntry` unique per entry and kind), earned that day
and spendable until the policy's expiry date. A deduction lowers the grade, not the
wallet. An approved reversal of a credited entry takes the credit back as far as the
balance allows; what was already spent stays spent and is recorded as the row's
`shortfall` (the balance never goes below zero).

Every write here locks the wallets it touches (in id order) before it reads what to
write, so two syncs, a sync and a redemption, or two expiry runs never write the same
row twice or expire the same points twice (and the unique constraints stand behind)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sanxin.audit.services import audit
from sanxin.households.models import Household
from sanxin.ledger.models import Entry
from sanxin.notifications.choices import Kind
from sanxin.notifications.services import Message, notify_each
from sanxin.ratings.models import Cycle, GradeRecord
from sanxin.ratings.standing import grades_in_force
from sanxin.regions.models import Region
from sanxin.rewards.choices import WalletKind
from sanxin.rewards.models import ExpiryNotice, Wallet, WalletEntry
from sanxin.rewards.selectors import (
    LOT_KINDS,
    ZERO,
    Policies,
    allowance_points,
    district_id_of,
    due_expiry,
    expiring_between,
    policy_in_force,
)
from sanxin.rewards.services.balances import (
    _wallet_credit_many,
    _wallet_post,
    day_text,
    points_text,
    wallets_ensure,
)

logger = logging.getLogger(__name__)

CHUNK = 500
# `wallet_expire` looks at households whose lots ended within this many days, or
# that had a void lately (a void can give back points of a lot that has ended), so
# a few days without the daily run lose nothing; `--all` looks at every household.
RECHECK_DAYS = 31


def lock_wallets(household_ids: Iterable[int]) -> list[int]:
    """Create the missing wallets and lock these households' wallets until the
    transaction ends, in id order (no deadlocks). Returns the ids."""
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        locked = Wallet.objects.select_for_update().filter(household_id__in=chunk).order_by("pk")
        if len(locked.values_list("pk", flat=True)) < len(chunk):
            wallets_ensure(chunk)  # a first credit: create the missing ones, then lock all
            list(locked.values_list("pk", flat=True))
    return ids


# --- credits from the ledger ------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    credited: int  # entries credited
    taken_back: int  # reversals whose credit was taken back
    points: Decimal  # net points moved


def _credit_candidates(household_ids, entry_ids):
    query = Entry.objects.filter(
        review__approved=True, reversal_of__isnull=True, points__gt=0
    ).exclude(wallet_rows__kind=WalletKind.ENTRY_CREDIT)
    if household_ids is not None:
        query = query.filter(household_id__in=household_ids)
    if entry_ids is not None:
        query = query.filter(pk__in=entry_ids)
    return query


def _takeback_candidates(household_ids, entry_ids):
    query = Entry.objects.filter(
        review__approved=True,
        reversal_of__isnull=False,
        reversal_of__wallet_rows__kind=WalletKind.ENTRY_CREDIT,
    ).exclude(wallet_rows__kind=WalletKind.ENTRY_TAKEBACK)
    if household_ids is not None:
        query = query.filter(household_id__in=household_ids)
    if entry_ids is not None:
        query = query.filter(pk__in=entry_ids)
    return query


@transaction.atomic
def wallet_sync(
    *,
    household_ids: Iterable[int] | None = None,
    entry_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> SyncResult:
    """Credit every approved entry of the policy's components that has no wallet row
    yet, and take back the credit of every approved reversal of a credited entry that
    has none yet — among `household_ids` / `entry_ids` (None: all). Set-based (a
    fixed number of queries per chunk of credits; one UPDATE and INSERT per
    take-back, which are few) and idempotent: a second run writes nothing. Called by
    the `entries_approved` receiver and by set-based writers (the demo)."""
    now = now or timezone.now()
    household_ids = None if household_ids is None else set(household_ids)
    entry_ids = None if entry_ids is None else set(entry_ids)
    touched = set(
        _credit_candidates(household_ids, entry_ids).values_list("household_id", flat=True)
    ) | set(_takeback_candidates(household_ids, entry_ids).values_list("household_id", flat=True))
    if not touched:
        return SyncResult(0, 0, ZERO)
    lock_wallets(touched)
    # Read again under the locks: a concurrent sync may have written some meanwhile.
    credits = list(
        _credit_candidates(touched, entry_ids).values_list(
            "pk", "household_id", "points", "component", "review__reviewed_at"
        )
    )
    district = dict(Household.objects.filter(pk__in=touched).values_list("pk", "district_id"))
    policies = Policies(district.values())
    rows = []
    for entry_id, household_id, points, component, reviewed_at in credits:
        earned_on = timezone.localdate(reviewed_at)
        policy = policies.on(district[household_id], earned_on)
        if component not in policy.components:
            continue
        rows.append(
            WalletEntry(
                household_id=household_id,
                district_id=district[household_id],
                kind=WalletKind.ENTRY_CREDIT,
                points=points,
                entry_id=entry_id,
                policy_id=policy.pk,
                earned_on=earned_on,
                expires_on=policy.expires_on_for(earned_on),
                occurred_at=now,
            )
        )
    _wallet_credit_many(rows)
    moved = sum((r.points for r in rows), ZERO)
    taken = _take_back(touched, entry_ids, now)
    moved -= taken[1]
    if rows or taken[0]:
        logger.info(
            "wallet sync: %d entries credited, %d reversals taken back, %d households",
            len(rows),
            taken[0],
            len(touched),
        )
    return SyncResult(len(rows), taken[0], moved)


def _take_back(household_ids: set[int], entry_ids, now: datetime) -> tuple[int, Decimal]:
    reversals = list(
        _takeback_candidates(household_ids, entry_ids)
        .select_related("household")
        .order_by("household_id", "pk")
    )
    if not reversals:
        return 0, ZERO
    credit_of = {
        r.entry_id: r
        for r in WalletEntry.objects.filter(
            kind=WalletKind.ENTRY_CREDIT, entry_id__in=[e.reversal_of_id for e in reversals]
        )
    }
    balances = dict(
        Wallet.objects.filter(household_id__in={e.household_id for e in reversals}).values_list(
            "household_id", "balance"
        )
    )
    total = ZERO
    for reversal in reversals:
        credit = credit_of[reversal.reversal_of_id]
        take = min(credit.points, balances[reversal.household_id])
        balances[reversal.household_id] -= take
        total += take
        _wallet_post(
            household=reversal.household,
            kind=WalletKind.ENTRY_TAKEBACK,
            points=-take,
            occurred_at=now,
            entry=reversal,
            policy_id=credit.policy_id,
            earned_on=credit.earned_on,
            expires_on=credit.expires_on,
            shortfall=credit.points - take,
            note=f"冲正第{reversal.reversal_of_id}号积分记录",
        )
    return len(reversals), total


# --- the grade allowance ------------------------------------------------------------


def allowances_credit(*, cycle: Cycle, actor, today: date, now: datetime) -> int:
    """Credit the policy's per-grade allowance to every household of a cycle that has
    just become final, by its grade in force (a household capped by a veto gets its
    capped grade's), once per household and cycle. Set-based. Called by the
    `cycle_final` receiver inside the cycle's transaction. Returns how many."""
    district_id = district_id_of(cycle.village)
    policy = policy_in_force(district_id, today)
    points = allowance_points(policy)
    if not points:
        return 0
    households = set(
        GradeRecord.objects.filter(district_id=district_id, cycle=cycle).values_list(
            "household_id", flat=True
        )
    )
    done = set(
        WalletEntry.objects.filter(
            district_id=district_id,
            kind=WalletKind.ALLOWANCE,
            cycle=cycle,
            household_id__in=households,
        ).values_list("household_id", flat=True)
    )
    grades = grades_in_force(households - done)
    due = {h: points[r.grade] for h, r in grades.items() if r.grade in points}
    if not due:
        return 0
    lock_wallets(due)
    # Under the locks: a concurrent run may have credited some meanwhile.
    done = set(
        WalletEntry.objects.filter(
            kind=WalletKind.ALLOWANCE, cycle=cycle, household_id__in=due
        ).values_list("household_id", flat=True)
    )
    expires_on = policy.expires_on_for(today)
    rows = [
        WalletEntry(
            household_id=h,
            district_id=district_id,
            kind=WalletKind.ALLOWANCE,
            points=p,
            cycle=cycle,
            policy_id=policy.pk,
            earned_on=today,
            expires_on=expires_on,
            occurred_at=now,
            actor=actor,
            note=f"{cycle.period_label}{grades[h].grade}等级奖励",
        )
        for h, p in sorted(due.items())
        if h not in done
    ]
    _wallet_credit_many(rows)
    audit(
        actor=actor,
        action="wallet.allowance",
        obj=cycle,
        region_path=cycle.village.path,
        at=now,
        after={
            "households": len(rows),
            "points": str(sum((r.points for r in rows), ZERO)),
            "policy": policy.pk,
        },
    )
    logger.info("grade allowance: cycle %d, %d households credited", cycle.pk, len(rows))
    return len(rows)


# --- expiry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiryResult:
    households: int
    points: Decimal


def _expire_locked(household_ids: Iterable[int], today: date, now: datetime) -> ExpiryResult:
    """Write the expiry rows due on `today` for households whose wallets the caller
    has locked."""
    due = due_expiry(list(household_ids), today)
    if not due:
        return ExpiryResult(0, ZERO)
    households = Household.objects.in_bulk(list(due))
    for h, d in sorted(due.items()):
        _wallet_post(
            household=households[h],
            kind=WalletKind.EXPIRY,
            points=-d.points,
            occurred_at=now,
            expires_on=d.lot_date,
            note=f"{day_text(d.lot_date)}到期未使用的积分",
        )
    return ExpiryResult(len(due), sum((d.points for d in due.values()), ZERO))


def _expire_household(household_id: int, today: date, now: datetime) -> ExpiryResult:
    """For a service that has locked this household's wallet (the counter): expire
    what is due first, so a point past its last day is never spent, even before the
    daily run."""
    return _expire_locked([household_id], today, now)


def _in_district(rows: QuerySet[WalletEntry], district_id: int | None) -> QuerySet[WalletEntry]:
    return rows if district_id is None else rows.filter(district_id=district_id)


def _expiry_candidates(today: date, everyone: bool, district_id: int | None) -> list[int]:
    lots = _in_district(
        WalletEntry.objects.filter(kind__in=LOT_KINDS, expires_on__lt=today), district_id
    )
    if not everyone:
        since = today - timedelta(days=RECHECK_DAYS)
        recent_voids = _in_district(
            WalletEntry.objects.filter(kind=WalletKind.VOID, occurred_at__date__gte=since),
            district_id,
        ).values("household_id")
        lots = lots.filter(Q(expires_on__gte=since) | Q(household_id__in=recent_voids))
    return sorted(set(lots.values_list("household_id", flat=True)))


def wallet_expire(
    *,
    today: date,
    household_ids: Iterable[int] | None = None,
    everyone: bool = False,
    district: Region | None = None,
) -> ExpiryResult:
    """Expire, as of `today`, what remains of the points whose last day is before
    `today` (oldest expiry first; `selectors.due_expiry`): one expiry row per
    household, nothing deleted. Looks at `household_ids`, else at households with a
    lot that ended within RECHECK_DAYS or a recent void (`everyone`: all). Run daily
    by `sanxin expire-points`, district by district (`district`: only its
    households; docs/scaling.md), each chunk of households in its own transaction;
    idempotent (a second run the same day writes nothing)."""
    now = timezone.now()
    ids = sorted(set(household_ids)) if household_ids is not None else None
    if ids is None:
        ids = _expiry_candidates(today, everyone, district.pk if district else None)
    households, points = 0, ZERO
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            chunk = lock_wallets(ids[start : start + CHUNK])
            result = _expire_locked(chunk, today, now)
        households += result.households
        points += result.points
    if households:
        with transaction.atomic():
            audit(
                actor=None,
                action="wallet.expire",
                object_type="rewards.walletentry",
                object_repr=f"{district.name} {today}" if district else f"{today}",
                region_path=district.path if district else "",
                at=now,
                after={"households": households, "points": str(points), "today": str(today)},
            )
    logger.info(
        "points expiry %s: %d households looked at, %d expired, %s points",
        today,
        len(ids),
        households,
        points,
    )
    return ExpiryResult(households, points)


def wallet_notify_expiring(*, today: date, district: Region | None = None) -> int:
    """Tell each household, once per expiry date, that points of its wallet end on
    that date, when the date is no further than its district's policy says
    (`notify_days_before`, 30 by default) — the points that will be left then if it
    spends nothing more. An `ExpiryNotice` row remembers it. `district`: only its
    households (`sanxin expire-points` runs district by district). Returns how many."""
    now = timezone.now()
    horizon = today + timedelta(days=366)
    households = set(
        _in_district(
            WalletEntry.objects.filter(
                kind__in=LOT_KINDS, expires_on__gte=today, expires_on__lte=horizon
            ),
            district.pk if district else None,
        ).values_list("household_id", flat=True)
    )
    if not households:
        return 0
    of_household = dict(
        Household.objects.filter(pk__in=households).values_list("pk", "district_id")
    )
    policies = Policies(of_household.values())
    days = {d: policies.on(d, today).notify_days_before for d in set(of_household.values())}
    expiring = expiring_between(households, today, today + timedelta(days=max(days.values())))
    due = {
        (h, on): points
        for (h, on), points in expiring.items()
        if (on - today).days <= days[of_household[h]]
    }
    with transaction.atomic():
        told = set(
            ExpiryNotice.objects.filter(household_id__in={h for h, _ in due}).values_list(
                "household_id", "expires_on"
            )
        )
        new = sorted((key, p) for key, p in due.items() if key not in told)
        ExpiryNotice.objects.bulk_create(
            [
                ExpiryNotice(household_id=h, expires_on=on, points=p, notified_at=now)
                for (h, on), p in new
            ],
            ignore_conflicts=True,
        )
        notify_each(
            (
                Message(
                    household_id=h,
                    district_id=of_household[h],
                    kind=Kind.POINTS_EXPIRING,
                    title=f"您家有 {points_text(p)} 分积分将于{day_text(on)}过期",
                    body=(
                        f"积分钱包里有 {points_text(p)} 分积分可以用到{day_text(on)}，"
                        "过期后将自动清零。请在此之前到积分超市兑换。"
                    ),
                )
                for (h, on), p in new
            ),
            at=now,
        )
    logger.info("points expiry notices %s: %d households told", today, len(new))
    return len(new)
