"""Household pages: search, pagination, masking, and a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanxin.households.models import Person
from tests.factories import make_household


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_and_detail_query_counts_do_not_grow_with_data(world, login):
    client = login(world.users["committee_head"])
    list_small = _queries(client, "/households/")
    search_small = _queries(client, "/households/?q=王")
    detail_small = _queries(client, f"/households/{world.household.pk}/")
    for i in range(40):
        make_household(
            world.village_a1,
            world.group_a1_1,
            f"1{i:02d}",
            head=f"王{i}",
            head_seq=600 + 3 * i,
            members=2,
        )
    big = make_household(
        world.village_a1, world.group_a1_2, "999", head="周大", head_seq=800, members=5
    )
    assert _queries(client, "/households/") == list_small
    assert _queries(client, "/households/?q=王") == search_small
    assert _queries(client, f"/households/{big.pk}/") == detail_small


def test_search_by_name_number_and_id_digits(world, login):
    client = login(world.users["committee_head"])
    head = Person.objects.get(household=world.household, is_head=True)
    last4 = head.reveal_id_number()[-4:]
    for query in ["王大山", "001", last4, head.reveal_id_number(), head.reveal_id_number().lower()]:
        text = client.get("/households/", {"q": query}).content.decode()
        assert "王大山" in text, query
        assert "李二河" not in text, query


def test_id_search_is_only_for_roles_that_may_see_full_numbers(world, login):
    """Otherwise trying the 100 endings of a masked number (or each candidate number)
    would rebuild it: for everyone else, digits match household numbers only."""
    head = Person.objects.get(household=world.household, is_head=True)
    full = head.reveal_id_number()
    for username in ["committee_member", "subteam_member", "shop_clerk"]:
        client = login(world.users[username])
        assert "王大山" in client.get("/households/", {"q": "王大山"}).content.decode()
        for query in [full[-4:], full]:
            assert "王大山" not in client.get("/households/", {"q": query}).content.decode()


def test_pagination(world, login):
    for i in range(35):
        make_household(
            world.village_a1, world.group_a1_1, f"2{i:02d}", head=f"刘{i}", head_seq=700 + i
        )
    client = login(world.users["committee_head"])
    first = client.get("/households/").content.decode()
    assert "第 1 / 2 页" in first
    assert "第 2 / 2 页" in client.get("/households/?page=2").content.decode()


def test_detail_masks_ids_and_offers_reveal_only_to_allowed_roles(world, login):
    head = Person.objects.get(household=world.household, is_head=True)
    for username, can_reveal in [
        ("committee_head", True),
        ("committee_deputy", True),  # registers people, so may reveal (docs/access.md)
        ("villager", False),
        ("credit_officer", True),
    ]:
        text = (
            login(world.users[username]).get(f"/households/{world.household.pk}/").content.decode()
        )
        assert head.id_number_masked in text
        assert head.reveal_id_number() not in text
        assert ("显示完整号码" in text) is can_reveal, username
