"""The token page (create — shown once —, list, revoke), a user manager's view of a
user's tokens, and the reference page rendered from the schema."""

from __future__ import annotations

from sanxin.api.models import ApiToken
from tests.api.conftest import ApiClient


def test_a_token_is_shown_once(world, login):
    client = login(world.users["committee_member"])
    response = client.post("/api/tokens/", {"name": "台账同步", "expires_on": ""})
    assert response.status_code == 200
    token = ApiToken.objects.get(owner=world.users["committee_member"])
    value = response.context["created"]["value"]
    assert value in response.content.decode()
    assert ApiClient(value).get("/api/v1/regions").status_code == 200
    page = client.get("/api/tokens/").content.decode()
    assert value not in page
    assert f"sx_{token.prefix}_" in page and "台账同步" in page
    assert "从未使用" not in page  # it was just used


def test_the_form_refuses_a_past_expiry(world, login):
    client = login(world.users["committee_member"])
    response = client.post("/api/tokens/", {"name": "x", "expires_on": "2000-01-01"})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()
    assert response.context["form"].errors["expires_on"]


def test_revoking_from_the_page(world, login):
    client = login(world.users["villager"])
    client.post("/api/tokens/", {"name": "家里的电脑"})
    token = ApiToken.objects.get(owner=world.users["villager"])
    response = client.post(f"/api/tokens/{token.pk}/revoke/", follow=True)
    assert "已撤销令牌" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Someone else's token does not exist for a user without the user-manager permission.
    other = login(world.users["committee_head"])
    assert other.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404


def test_a_user_manager_sees_a_users_tokens(world, login):
    login(world.users["villager"]).post("/api/tokens/", {"name": "家里的电脑"})
    client = login(world.users["town_admin"])
    page = client.get(f"/api/users/{world.users['villager'].pk}/tokens/").content.decode()
    assert "家里的电脑" in page
    outsider = login(world.users["other_town_admin"])
    assert outsider.get(f"/api/users/{world.users['villager'].pk}/tokens/").status_code == 404


def test_the_reference_page_lists_every_operation(world, login):
    from sanxin.api.v1 import api

    page = login(world.users["villager"]).get("/api/docs/").content.decode()
    for path, item in api.get_openapi_schema()["paths"].items():
        for method in item:
            assert f"{method.upper()} {path}" in page
    assert "ErrorOut" in page and "Authorization: Bearer" in page


def test_the_token_list_costs_the_same_for_many_tokens(world, login, django_assert_max_num_queries):
    from sanxin.api.services import token_issue, token_revoke

    user = world.users["town_admin"]
    client = login(user)
    client.get("/api/tokens/")  # the session and the user's first look-ups
    token, _value = token_issue(actor=user, name="一")
    token_revoke(actor=user, token=token)
    with django_assert_max_num_queries(12) as few:
        client.get("/api/tokens/")
    for i in range(15):
        token, _value = token_issue(actor=user, name=f"令牌{i}")
        token_revoke(actor=user, token=token)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/tokens/").status_code == 200
