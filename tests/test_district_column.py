"""The district column of the large tables (docs/scaling.md): every row names the
district its household (or region) lies in. After the whole demo build, one query
per table counts the rows whose district is not the first region of their
household's path; every count is zero and no table is empty."""

from __future__ import annotations

import pytest
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat

from sanxin.audit.models import AuditEvent
from sanxin.audit.services import audit
from sanxin.credit.models import CreditAssessment
from sanxin.households.models import Household
from sanxin.ledger.models import Entry, PendingEntry, Review
from sanxin.notifications.models import Notification
from sanxin.notifications.services import notify
from sanxin.ratings.models import GradeRecord, Rating
from sanxin.rewards.models import WalletEntry
from sanxin.web import demo

HOUSEHOLD_PATH = "household__villager_group__path"

# Each table with the district column, and the lookup of the region path its rows
# hang on (their household's villager group, or the audit row's own path).
TABLES = {
    Household: "villager_group__path",
    Entry: HOUSEHOLD_PATH,
    Review: "entry__" + HOUSEHOLD_PATH,
    PendingEntry: HOUSEHOLD_PATH,
    CreditAssessment: HOUSEHOLD_PATH,
    Rating: HOUSEHOLD_PATH,
    GradeRecord: HOUSEHOLD_PATH,
    WalletEntry: HOUSEHOLD_PATH,
    Notification: HOUSEHOLD_PATH,
    AuditEvent: "region_path",
}


def _district_prefix() -> Concat:
    return Concat(Value("/"), Cast("district_id", CharField()), Value("/"))


def mismatches() -> dict[str, int]:
    """For each table, how many rows name another district than the one their region
    path starts with (an audit row about no region must name none). One query each."""
    found = {}
    for model, path in TABLES.items():
        rows = model.objects.all()
        if model is AuditEvent:
            wrong = (Q(region_path="") & Q(district__isnull=False)) | (
                ~Q(region_path="")
                & (Q(district__isnull=True) | ~Q(region_path__startswith=_district_prefix()))
            )
        else:
            wrong = ~Q(**{f"{path}__startswith": _district_prefix()})
        found[model._meta.db_table] = rows.filter(wrong).count()
    return found


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_after_the_demo_every_row_names_its_households_district(db):
    demo.build(households=24)
    assert mismatches() == {model._meta.db_table: 0 for model in TABLES}
    empty = [model.__name__ for model in TABLES if not model.objects.exists()]
    assert empty == []


def test_a_wrong_district_is_found(world):
    """The check is not vacuous: a household put in the other district is counted."""
    Household.objects.filter(pk=world.household.pk).update(district=world.other_district)
    assert mismatches()["households_household"] == 1


def test_rows_of_two_districts_each_name_their_own(world):
    home, other = world.household, world.household_other_district
    assert (home.district_id, other.district_id) == (world.district.pk, world.other_district.pk)
    # notify() without a district looks each household's up.
    assert notify(households=[home.pk, other.pk], kind="entry_recorded", title="t") == 2
    assert dict(Notification.objects.values_list("household_id", "district_id")) == {
        home.pk: world.district.pk,
        other.pk: world.other_district.pk,
    }
    row = audit(actor=None, action="test.other", region_path=other.villager_group.path)
    assert row.district_id == world.other_district.pk
    assert audit(actor=None, action="test.none").district_id is None
    assert mismatches() == {model._meta.db_table: 0 for model in TABLES}
