"""The daily jobs run district by district (docs/scaling.md): expiry and its reminders,
and anonymising people who left the register, each look only at the district named."""

from __future__ import annotations

from datetime import date

from sanxin.audit.models import AuditEvent
from sanxin.households.models import Household, Person
from sanxin.households.services import household_change
from sanxin.privacy.services import departed_anonymise
from sanxin.rewards.services.wallets import wallet_expire, wallet_notify_expiring
from tests.rewards.conftest import at, give_points

LAST_DAY = date(2026, 6, 30)


def test_expiry_and_its_reminder_touch_only_the_district_named(world, graded, clock):
    clock(at(date(2026, 3, 1)))
    give_points(graded, 40, expires_on=LAST_DAY)
    other = world.other_district
    assert wallet_notify_expiring(today=date(2026, 6, 1), district=other) == 0
    assert wallet_notify_expiring(today=date(2026, 6, 1), district=world.district) == 1
    after = date(2026, 7, 1)
    assert wallet_expire(today=after, everyone=True, district=other).households == 0
    assert wallet_expire(today=after, everyone=True, district=world.district).households == 1
    row = AuditEvent.objects.get(action="wallet.expire")
    assert (row.region_path, row.district_id) == (world.district.path, world.district.pk)


def test_anonymising_runs_district_by_district(world):
    household = world.household_other_district
    household_change(
        actor=world.users["other_district_admin"], household=household, status="moved_out"
    )
    Household.objects.filter(pk=household.pk).update(left_on=date(2020, 1, 1))
    today = date(2030, 6, 1)
    assert departed_anonymise(today=today, years=3, district=world.district) == 0
    members = Person.objects.filter(household=household).count()
    assert departed_anonymise(today=today, years=3, district=world.other_district) == members
    assert AuditEvent.objects.get(action="privacy.anonymise").district_id == world.other_district.pk
