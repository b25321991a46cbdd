"""Editing the registry by hand, with the same rules as the import."""

from datetime import date

from sanxin.audit.models import AuditEvent
from sanxin.households.models import Household, Move, Person
from tests.factories import valid_id


def test_edit_household_details_is_audited(world, login):
    client = login(world.users["committee_head"])
    response = client.post(
        f"/households/{world.household.pk}/edit/",
        {
            "villager_group": world.group_a1_2.pk,
            "address": "新地址",
            "phone": "0314-1234567",
            "status": "active",
        },
    )
    assert response.status_code == 302
    world.household.refresh_from_db()
    assert (world.household.villager_group, world.household.phone) == (
        world.group_a1_2,
        "0314-1234567",
    )
    event = AuditEvent.objects.filter(action="household.update").latest("id")
    assert (
        event.before["villager_group"] == "第一村民小组"
        and event.after["villager_group"] == "第二村民小组"
    )


def test_bad_phone_and_foreign_group_are_refused(world, login):
    client = login(world.users["committee_head"])
    response = client.post(
        f"/households/{world.household.pk}/edit/",
        {
            "villager_group": world.group_a2_1.pk,
            "address": "",
            "phone": "12345",
            "status": "active",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200 and "电话格式不对" in text and "选择一个有效的选项" in text
    world.household.refresh_from_db()
    assert world.household.villager_group == world.group_a1_1


def test_register_new_household_with_its_head(world, login):
    client = login(world.users["committee_head"])
    number = valid_id(77, birth=date(1985, 8, 8))
    response = client.post(
        "/households/new/",
        {
            "village": world.village_a1.pk,
            "number": "050",
            "villager_group": world.group_a1_2.pk,
            "head_name": "新户主",
            "head_id_number": number.lower(),
            "address": "",
            "phone": "",
            "status": "active",
        },
    )
    assert response.status_code == 302
    household = Household.objects.get(village=world.village_a1, number="050")
    assert household.head_name == "新户主" and household.member_count == 1
    again = client.post(
        "/households/new/",
        {
            "village": world.village_a1.pk,
            "number": "050",
            "villager_group": world.group_a1_2.pk,
            "head_name": "x",
            "head_id_number": number,
            "status": "active",
        },
    )
    assert "户号 050 在本村已存在" in again.content.decode()


def test_second_head_and_duplicate_id_are_explained(world, login):
    client = login(world.users["committee_head"])
    existing = Person.objects.get(household=world.household_a1_2, is_head=True).reveal_id_number()
    response = client.post(
        f"/households/{world.household.pk}/people/new/",
        {"name": "甲", "id_number": existing, "relation": "户主", "political_status": "masses"},
    )
    text = response.content.decode()
    assert "已登记在" in text and existing not in text
    response = client.post(
        f"/households/{world.household.pk}/people/new/",
        {"name": "乙", "id_number": valid_id(66), "relation": "户主", "political_status": "masses"},
    )
    assert "本户已有户主 王大山" in response.content.decode()
    assert Person.objects.filter(household=world.household).count() == 3


def test_move_keeps_the_persons_history(world, login):
    client = login(world.users["committee_head"])
    child = Person.objects.filter(household=world.household, is_head=False).first()
    response = client.post(
        f"/households/people/{child.pk}/move/",
        {"to_number": "002", "relation": "女婿", "moved_on": "2025-05-01", "reason": "结婚"},
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.household == world.household_a1_2 and child.relation == "女婿"
    move = Move.objects.get(person=child)
    assert (move.from_household, move.to_household) == (world.household, world.household_a1_2)
    world.household.refresh_from_db()
    world.household_a1_2.refresh_from_db()
    assert (world.household.member_count, world.household_a1_2.member_count) == (2, 2)


def test_head_cannot_be_demoted_leaving_no_head(world, login):
    client = login(world.users["committee_head"])
    head = Person.objects.get(household=world.household, is_head=True)
    response = client.post(
        f"/households/people/{head.pk}/edit/",
        {
            "name": head.name,
            "relation": "父亲",
            "phone": "",
            "political_status": "masses",
            "cadre_post": "",
        },
    )
    assert "本户不能没有户主" in response.content.decode()
