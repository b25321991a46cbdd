import pytest
from django.db import DatabaseError, connection, transaction

from sanxin.audit.models import AuditEvent
from sanxin.audit.services import audit
from sanxin.households.models import Person
from sanxin.households.services import person_reveal_id


def _event():
    return audit(
        actor=None, action="test.event", object_type="test", object_repr="x", after={"a": 1}
    )


def test_audit_rows_cannot_be_updated_through_the_orm(db):
    event = _event()
    event.action = "tampered"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_audit_rows_cannot_be_deleted_through_the_orm(db):
    event = _event()
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_rows_cannot_be_changed_with_raw_sql(db):
    event = _event()
    for sql in [
        f"UPDATE oversight_auditevent SET action = 'x' WHERE id = {event.pk}",
        f"DELETE FROM oversight_auditevent WHERE id = {event.pk}",
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_changes_are_audited_with_before_and_after(world):
    created = AuditEvent.objects.filter(
        action="household.create", object_id=str(world.household.pk)
    ).get()
    assert created.after["number"] == "001"
    person_events = AuditEvent.objects.filter(action="person.create")
    assert person_events.exists()
    for e in person_events:
        assert "*" in e.after["id_number"], "the audit log keeps only the masked number"


def test_reveal_is_audited_and_refused_for_others(world):
    from django.core.exceptions import PermissionDenied

    person = Person.objects.filter(household=world.household).first()
    full = person_reveal_id(
        actor=world.users["committee_head"], person=person, ip_address="10.0.0.1"
    )
    assert len(full) == 18 and full.endswith(person.id_number_masked[-2:])
    event = AuditEvent.objects.filter(action="person.reveal_id").latest("id")
    assert event.actor == world.users["committee_head"] and event.ip_address == "10.0.0.1"
    assert full not in str(event.before) + str(event.after) + event.object_repr
    with pytest.raises(PermissionDenied):
        person_reveal_id(actor=world.users["committee_member"], person=person)
    assert AuditEvent.objects.filter(
        action="person.reveal_id.denied", actor=world.users["committee_member"]
    ).exists()


def test_audit_page_shows_only_the_admins_district(world, login):
    client = login(world.users["other_district_admin"])
    response = client.get("/oversight/audit/")
    assert response.status_code == 200
    assert "王大山" not in response.content.decode()
    client = login(world.users["district_admin"])
    assert "王大山" in client.get("/oversight/audit/").content.decode()
