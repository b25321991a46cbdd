"""People who left the register are anonymised after the retention period; the rows
stay and the ledger still adds up."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum

from sanxin.households.models import Consent, Household, Person
from sanxin.households.services import household_change
from sanxin.ledger.models import Entry
from sanxin.privacy import services
from sanxin.privacy.models import Anonymisation
from tests.factories import approved_entry

pytestmark = pytest.mark.django_db


def _leave(world, household, on: date):
    household_change(actor=world.users["committee_head"], household=household, status="moved_out")
    Household.objects.filter(pk=household.pk).update(left_on=on)


def test_leaving_dates_the_household_and_coming_back_clears_it(world):
    household_change(
        actor=world.users["committee_head"], household=world.household, status="dissolved"
    )
    world.household.refresh_from_db()
    assert world.household.left_on is not None
    household_change(
        actor=world.users["committee_head"], household=world.household, status="active"
    )
    world.household.refresh_from_db()
    assert world.household.left_on is None


def test_people_are_anonymised_after_the_period_and_the_ledger_adds_up(world, scheme):
    approved_entry(world, occurred_on=date.today() - timedelta(days=3))

    total_before = Entry.objects.aggregate(s=Sum("points"))["s"]
    today = date(2030, 6, 1)
    _leave(world, world.household, today - timedelta(days=3 * 366))
    _leave(world, world.household_a1_2, today - timedelta(days=100))  # too recent
    assert (
        services.departed_anonymise(today=today, years=3)
        == Person.objects.filter(household=world.household).count()
    )
    for person in Person.objects.filter(household=world.household):
        assert person.name == "已匿名" and person.id_number_encrypted == "" and person.phone == ""
    assert Person.objects.filter(household=world.household_a1_2).exclude(name="已匿名").exists()
    assert Entry.objects.aggregate(s=Sum("points"))["s"] == total_before
    assert Entry.objects.filter(household=world.household).count() >= 1
    # once only
    assert services.departed_anonymise(today=today, years=3) == 0
    assert Anonymisation.objects.count() == Person.objects.filter(household=world.household).count()


def test_the_command_runs(world):
    call_command("anonymise_departed")


def test_consent_is_a_history(world):
    services.consent_record(
        actor=world.users["villager"], household=world.household, purpose="photos", given=True
    )
    services.consent_record(
        actor=world.users["villager"], household=world.household, purpose="photos", given=False
    )
    assert services.consent_in_force(world.household) == {"photos": False}
    assert Consent.objects.count() == 2
