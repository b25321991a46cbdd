"""A household asks for a correction; the committee accepts (the register changes
through its services) or declines with a reason; the household is told."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sanxin.audit.models import AuditEvent
from sanxin.households.models import Person
from sanxin.notifications.models import Notification
from sanxin.privacy import services
from sanxin.privacy.models import CorrectionRequest

pytestmark = pytest.mark.django_db


def _file(world, **kw):
    head = Person.objects.get(household=world.household, is_head=True)
    args = {
        "actor": world.users["villager"],
        "household": world.household,
        "field": "phone",
        "person": head,
        "requested_value": "13912345678",
    }
    args.update(kw)
    return services.correction_file(**args)


def test_accepting_changes_the_register_through_its_service(world):
    request = _file(world)
    services.correction_answer(actor=world.users["committee_head"], request=request, accept=True)
    head = Person.objects.get(household=world.household, is_head=True)
    assert head.phone == "13912345678"
    assert AuditEvent.objects.filter(action="person.update", object_id=str(head.pk)).exists()
    request.refresh_from_db()
    assert request.status == "accepted" and request.answered_by == world.users["committee_head"]
    assert Notification.objects.filter(
        household=world.household, kind="correction_answered"
    ).exists()


def test_declining_needs_a_reason_and_changes_nothing(world):
    request = _file(world)
    with pytest.raises(ValidationError, match="理由"):
        services.correction_answer(
            actor=world.users["committee_head"], request=request, accept=False
        )
    services.correction_answer(
        actor=world.users["committee_head"], request=request, accept=False, answer="号码不是本人的"
    )
    assert Person.objects.get(household=world.household, is_head=True).phone == ""
    with pytest.raises(ValidationError, match="已经答复"):
        services.correction_answer(
            actor=world.users["committee_head"], request=request, accept=True
        )


def test_only_the_household_itself_files(world):
    with pytest.raises(PermissionDenied):
        _file(world, actor=world.users["other_villager"])
    with pytest.raises(PermissionDenied):
        _file(world, actor=world.users["committee_head"])


def test_a_member_of_another_household_is_refused(world):
    other = Person.objects.filter(household=world.household_a1_2).first()
    with pytest.raises(ValidationError):
        _file(world, person=other)


def test_a_political_status_is_corrected_from_its_chinese_name(world):
    request = _file(world, field="political_status", requested_value="中共党员")
    services.correction_answer(actor=world.users["committee_head"], request=request, accept=True)
    assert (
        Person.objects.get(household=world.household, is_head=True).political_status
        == "party_member"
    )


def test_outsiders_cannot_answer(world):
    request = _file(world)
    for user in ("neighbour_committee_head", "subteam_member", "villager", "other_town_admin"):
        with pytest.raises(PermissionDenied):
            services.correction_answer(actor=world.users[user], request=request, accept=True)


def test_the_same_form_twice_files_once(world):
    a = _file(world, idempotency_key="k1")
    b = _file(world, idempotency_key="k1")
    assert a.pk == b.pk and CorrectionRequest.objects.count() == 1


def test_the_villager_files_from_the_page_and_the_committee_answers_from_its_page(world, login):
    head = Person.objects.get(household=world.household, is_head=True)
    client = login(world.users["villager"])
    response = client.post(
        reverse("mydata:correction_new", args=[world.household.pk]),
        {"field": "name", "person": head.pk, "requested_value": "王大杉", "reason": "字写错了"},
    )
    assert response.status_code == 302
    request = CorrectionRequest.objects.get()
    client = login(world.users["committee_head"])
    assert "王大杉" in client.get(reverse("mydata:corrections")).content.decode()
    response = client.post(
        reverse("mydata:correction_answer", args=[request.pk]),
        {"decision": "accept", "value": "王大杉", "answer": ""},
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=head.pk).name == "王大杉"
