"""Issue 8, item 15: every rules service checks the actor's permission and scope —
district scheme versions by a district admin of that district, a village's own
items by a committee head of that village. Refused actors write nothing."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from sanxin.rules import services
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import scheme_to_json
from sanxin.rules.scheme_reader import scheme_from_dict


def _document(scheme, version: str) -> dict:
    document = copy.deepcopy(scheme.document)
    document["version"] = version
    return document


@pytest.mark.parametrize(
    "user", ["other_district_admin", "town_admin", "committee_head", "department_viewer"]
)
def test_only_the_districts_admin_publishes_its_versions(world, scheme, user):
    actor = world.users[user]
    later = timezone.localdate() + timedelta(days=30)
    count = SchemeVersion.objects.count()
    with pytest.raises(PermissionDenied):
        services.scheme_version_publish(
            actor=actor, district=world.district, document=_document(scheme, "x1")
        )
    with pytest.raises(PermissionDenied):
        services.scheme_version_import(
            actor=actor,
            district=world.district,
            content=scheme_to_json(scheme_from_dict(_document(scheme, "x2"))),
        )
    with pytest.raises(PermissionDenied):
        services.scheme_version_derive(
            actor=actor,
            base=scheme,
            scheme=scheme_from_dict(_document(scheme, "x3")),
            effective_from=later,
        )
    with pytest.raises(PermissionDenied):
        services.scheme_install_default(actor=actor, district=world.district)
    assert SchemeVersion.objects.count() == count
    admin = world.users["district_admin"]
    services.scheme_version_derive(
        actor=admin,
        base=scheme,
        scheme=scheme_from_dict(_document(scheme, "x3")),
        effective_from=later,
    )
    assert SchemeVersion.objects.count() == count + 1


@pytest.mark.parametrize(
    "user", ["neighbour_committee_head", "committee_deputy", "town_admin", "district_admin"]
)
def test_only_the_villages_committee_head_adopts_its_items(world, scheme, user):
    count = SchemeVersion.objects.count()
    with pytest.raises(PermissionDenied):
        services.village_version_adopt(
            actor=world.users[user],
            village=world.village_a1,
            base=scheme,
            own_items=[],
            version="2025.1-村",
            effective_from=date(2025, 1, 1),
        )
    assert SchemeVersion.objects.count() == count
    services.village_version_adopt(
        actor=world.users["committee_head"],
        village=world.village_a1,
        base=scheme,
        own_items=[],
        version="2025.1-村",
        effective_from=date(2025, 1, 1),
    )
    assert SchemeVersion.objects.count() == count + 1
