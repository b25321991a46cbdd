"""Wallets follow the ledger: every approving path credits an approved entry of the
policy's components once, a reversal takes its credit back (never below zero), the
grade allowance arrives when a cycle becomes final; the policy decides which."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.db.models.functions import Round
from django.utils import timezone

from sanxin.audit.models import AuditEvent
from sanxin.ledger import services as ledger
from sanxin.ledger.models import Entry, Review
from sanxin.ledger.services import EntryRequest
from sanxin.ratings.models import Cycle
from sanxin.ratings.signals import cycle_final
from sanxin.rewards.choices import WalletKind
from sanxin.rewards.models import Wallet, WalletEntry
from sanxin.rewards.selectors import policy_in_force
from sanxin.rewards.services.balances import _wallet_post
from sanxin.rewards.services.policy import policy_publish
from sanxin.rewards.services.wallets import allowances_credit, wallet_sync
from tests.rewards.conftest import give_grade, give_points

ON = date(2026, 3, 1)


def _balance(household) -> Decimal:
    wallet = Wallet.objects.filter(household=household).first()
    return wallet.balance if wallet else Decimal(0)


def _rows_total(household) -> Decimal:
    total = WalletEntry.objects.filter(household=household).aggregate(s=Round(Sum("points"), 2))[
        "s"
    ]
    return total or Decimal(0)


def _record(world, item, household=None, *, recorder="committee_member", person=None):
    return ledger.entry_record(
        actor=world.users[recorder],
        request=EntryRequest(
            household=household or world.household,
            item_code=item,
            occurred_on=ON,
            evidence_text="村委会记录",
            person=person,
        ),
        today=ON,
    )


def test_an_approved_entry_is_credited_once_and_a_rejected_one_not(world, scheme):
    reviewer = world.users["committee_deputy"]
    land = _record(world, "affairs.land")
    dumping = _record(world, "env.dumping")  # a deduction: the grade, not the wallet
    refused = _record(world, "public.donation")
    ledger.entry_review(actor=reviewer, entry=land, approve=True)
    ledger.entry_review(actor=reviewer, entry=dumping, approve=True)
    ledger.entry_review(actor=reviewer, entry=refused, approve=False, reason="无证据")
    h = world.household
    assert _balance(h) == Decimal(10) == _rows_total(h)
    row = WalletEntry.objects.get(household=h)
    today = timezone.localdate()
    assert (row.kind, row.entry, row.earned_on) == (WalletKind.ENTRY_CREDIT, land, today)
    assert row.expires_on == date(today.year + 1, 12, 31)  # the end of the following year
    assert wallet_sync().credited == 0  # idempotent
    assert _balance(h) == Decimal(10)


def test_the_bulk_review_credits_every_approved_entry(world, scheme):
    entries = [_record(world, "affairs.land"), _record(world, "public.donation")]
    entries.append(_record(world, "affairs.land", world.household_a1_2))
    ledger.entries_review_bulk(actor=world.users["committee_deputy"], entries=entries, approve=True)
    assert _balance(world.household) == Decimal(11)
    assert _balance(world.household_a1_2) == Decimal(10)


def test_a_reversal_takes_the_credit_back_as_far_as_the_balance_allows(world, scheme):
    h = world.household
    deputy, member = world.users["committee_deputy"], world.users["committee_member"]
    land = _record(world, "affairs.land")
    ledger.entry_review(actor=deputy, entry=land, approve=True)
    give_points(h, 5)
    # 12 of the 15 points are spent (an expiry stands in for a redemption here).
    _wallet_post(
        household=h,
        kind=WalletKind.EXPIRY,
        points=Decimal(-12),
        occurred_at=timezone.now(),
        expires_on=date(2025, 12, 31),
    )
    reversal = ledger.entry_reverse(actor=member, entry=land, reason="登记错户")
    assert _balance(h) == Decimal(3)  # a pending reversal takes nothing
    ledger.entry_review(actor=deputy, entry=reversal, approve=True)
    take = WalletEntry.objects.get(kind=WalletKind.ENTRY_TAKEBACK)
    assert (take.points, take.shortfall, take.entry) == (Decimal(-3), Decimal(7), reversal)
    assert _balance(h) == Decimal(0) == _rows_total(h)
    assert wallet_sync().taken_back == 0


def test_a_reversal_on_appeal_takes_the_credit_back(world, scheme):
    land = _record(world, "affairs.land")
    ledger.entry_review(actor=world.users["committee_deputy"], entry=land, approve=True)
    ledger.entry_reverse_on_appeal(
        actor=world.users["committee_head"], entry=land, appeal_id=1, reason="异议属实"
    )
    assert _balance(world.household) == Decimal(0)
    assert WalletEntry.objects.filter(kind=WalletKind.ENTRY_TAKEBACK).count() == 1


def test_the_policy_names_the_components_that_credit(world, scheme):
    policy_publish(
        actor=world.users["district_admin"],
        district=world.district,
        effective_from=timezone.localdate(),
        components=["vanguard"],
    )
    land = _record(world, "affairs.land")
    ledger.entry_review(actor=world.users["committee_deputy"], entry=land, approve=True)
    assert _balance(world.household) == Decimal(0)


def test_entries_written_in_bulk_are_credited_by_a_sync(world, scheme):
    """As the demo's ledger year writes them: Entry and Review rows in bulk, no signal."""
    land = _record(world, "affairs.land")
    Review.objects.bulk_create(
        [
            Review(
                entry=land,
                district_id=land.district_id,
                approved=True,
                reviewer=world.users["committee_deputy"],
                reviewed_at=timezone.now() - timedelta(days=400),
            )
        ]
    )
    assert _balance(world.household) == Decimal(0)
    result = wallet_sync()
    assert (result.credited, result.points) == (1, Decimal(10))
    row = WalletEntry.objects.get(entry=land)
    assert row.earned_on == timezone.localdate() - timedelta(days=400)
    assert Entry.objects.count() == 1


# --- the grade allowance ----------------------------------------------------------------


@pytest.fixture
def allowance_policy(world):
    return policy_publish(
        actor=world.users["district_admin"],
        district=world.district,
        effective_from=timezone.localdate(),
        allowances={"3A": Decimal(20), "4A": Decimal(30), "5A": Decimal(50)},
    )


def test_a_final_cycle_credits_each_household_its_grade_allowance_once(world, allowance_policy):
    today, now = timezone.localdate(), timezone.now()
    give_grade(world.household, "4A", on=today, period=str(today.year))
    give_grade(world.household_a1_2, "2A", on=today, period=str(today.year))
    cycle = Cycle.objects.get(village=world.village_a1, period=str(today.year))
    cycle_final.send(sender=Cycle, cycle=cycle, actor=None, today=today, now=now)
    assert _balance(world.household) == Decimal(30)
    assert _balance(world.household_a1_2) == Decimal(0)  # no allowance for 2A
    assert allowances_credit(cycle=cycle, actor=None, today=today, now=now) == 0
    assert _balance(world.household) == Decimal(30)
    assert AuditEvent.objects.filter(action="wallet.allowance").count() == 1


def test_a_capped_household_gets_its_capped_grades_allowance(world, allowance_policy):
    today, now = timezone.localdate(), timezone.now()
    give_grade(world.household, "5A", on=today, period=str(today.year))
    give_grade(world.household, "3A", on=today, period=str(today.year), source="dynamic")
    cycle = Cycle.objects.get(village=world.village_a1, period=str(today.year))
    allowances_credit(cycle=cycle, actor=None, today=today, now=now)
    assert _balance(world.household) == Decimal(20)


# --- the policy -------------------------------------------------------------------------


def test_only_the_district_admin_publishes_and_not_into_the_past(world):
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        policy_publish(
            actor=world.users["town_admin"], district=world.district, effective_from=today
        )
    with pytest.raises(PermissionDenied):
        policy_publish(
            actor=world.users["district_admin"],
            district=world.other_district,
            effective_from=today,
        )
    with pytest.raises(ValidationError) as refused:
        policy_publish(
            actor=world.users["district_admin"],
            district=world.district,
            effective_from=today - timedelta(days=1),
            components=["nonsense"],
            allowances={"4A": Decimal("-5")},
        )
    assert set(refused.value.message_dict) == {"effective_from", "components", "allowances"}


def test_the_version_in_force_is_the_latest_effective_one(world):
    today = timezone.localdate()
    assert policy_in_force(world.district, today).pk is None  # the defaults
    assert policy_in_force(world.district, today).min_grade == "3A"
    admin = world.users["district_admin"]
    now_policy = policy_publish(actor=admin, district=world.district, effective_from=today)
    later = policy_publish(
        actor=admin,
        district=world.district,
        effective_from=today + timedelta(days=10),
        min_grade="4A",
    )
    assert policy_in_force(world.district, today) == now_policy
    assert policy_in_force(world.district, today + timedelta(days=10)) == later
    assert AuditEvent.objects.filter(action="shop_policy.publish").count() == 2
