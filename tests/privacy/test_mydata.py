"""A villager sees and copies everything held about their household (PIPL Art. 45)."""

import json

import pytest
from django.apps import apps
from django.urls import reverse

from sanxin.households.models import Household, Person
from sanxin.households.services import person_reveal_id
from sanxin.privacy import mydata

pytestmark = pytest.mark.django_db


def _relates_to_registry(model) -> bool:
    for f in model._meta.get_fields():
        related = getattr(f, "related_model", None)
        if f.concrete and related in (Household, Person):
            return True
    return getattr(model, "SCOPE_HOUSEHOLD", None) is not None


def test_every_model_about_a_household_is_collected_or_excluded_with_a_reason():
    collected = {s.label for s in mydata.SOURCES}
    excluded = set(mydata.NOT_COLLECTED)
    assert not collected & excluded
    missing = [
        m._meta.label
        for m in apps.get_models()
        if _relates_to_registry(m) and m._meta.label not in collected | excluded
    ]
    assert missing == [], f"add these to privacy.mydata SOURCES or NOT_COLLECTED: {missing}"
    for label in collected | excluded:
        apps.get_model(label)  # no stale names


def test_the_page_shows_the_household_and_its_members_but_no_secret(world, login):
    client = login(world.users["villager"])
    html = client.get(reverse("mydata:household", args=[world.household.pk])).content.decode()
    assert "王大山" in html and "家庭成员" in html
    person = Person.objects.filter(household=world.household).first()
    assert person.id_number_masked in html
    assert person.id_number_hash not in html and person.id_number_encrypted not in html


def test_the_json_copy_holds_every_section_and_no_secret(world, login):
    person = Person.objects.filter(household=world.household).first()
    person_reveal_id(actor=world.users["district_admin"], person=person)
    client = login(world.users["villager"])
    response = client.get(reverse("mydata:json", args=[world.household.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    body = response.content.decode()
    data = json.loads(body)
    titles = [s["title"] for s in data["sections"]]
    assert "户信息" in titles and "家庭成员" in titles and "谁查看过完整身份证号" in titles
    reveals = next(s for s in data["sections"] if s["title"] == "谁查看过完整身份证号")
    assert len(reveals["rows"]) == 1
    for secret in ("id_number_hash", "id_number_encrypted", "password", "idempotency_key"):
        assert secret not in body
    assert person.id_number_hash not in body


def test_the_pdf_copy_is_a_pdf_with_the_font_embedded(world, login):
    client = login(world.users["villager"])
    response = client.get(reverse("mydata:pdf", args=[world.household.pk]))
    assert response.content.startswith(b"%PDF")
    assert b"SanxinKai" in response.content


def test_a_copy_is_audited(world, login):
    from sanxin.audit.models import AuditEvent

    client = login(world.users["villager"])
    client.get(reverse("mydata:json", args=[world.household.pk]))
    assert (
        AuditEvent.objects.filter(action="privacy.copy", object_id=str(world.household.pk)).count()
        == 1
    )


@pytest.mark.parametrize("user", ["villager", "committee_head", "district_admin", "other_villager"])
def test_another_household_is_not_found(world, login, user):
    client = login(world.users[user])
    for name in ("mydata:household", "mydata:json", "mydata:pdf"):
        assert client.get(reverse(name, args=[world.household_a2.pk])).status_code == 404


def test_untold_candidacy_is_not_shown(world):
    sections = mydata.collect(world.household)
    assert all(s.title != "后备人选" for s in sections)


def test_queries_do_not_grow_with_the_records(world, login, django_assert_max_num_queries):
    from tests.factories import make_household

    client = login(world.users["villager"])
    url = reverse("mydata:household", args=[world.household.pk])
    with django_assert_max_num_queries(70) as small:
        client.get(url)
    make_household(world.village_a1, world.group_a1_1, "050", head="周", head_seq=650, members=4)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)
