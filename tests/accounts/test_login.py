import pytest
from axes.models import AccessAttempt

from tests.factories import PASSWORD


def _post_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_with_username(world, client):
    response = _post_login(client, "committee_head", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"


def test_login_with_phone_number(world, client):
    response = _post_login(client, "13800000001", PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == world.users["villager"].pk


def test_wrong_password_gives_a_chinese_error(world, client):
    response = _post_login(client, "committee_head", "wrong-password")
    assert response.status_code == 200
    assert "用户名（或手机号）或密码不正确" in response.content.decode()


def test_lockout_after_repeated_failures(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "committee_head", "wrong-password")
    response = _post_login(client, "committee_head", PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert AccessAttempt.objects.filter(username="committee_head").exists()
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(db, settings):
    from sanxin import settings as configured
    from sanxin.accounts.models import User

    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS
    user = User.objects.create_user("hash_check", password="Sanxin-test-2026")
    assert user.password.startswith("argon2$")


def test_logout_needs_post(world, login):
    client = login(world.users["committee_head"])
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("username", ["district_admin", "town_admin", "committee_head"])
def test_only_superusers_reach_the_django_admin(world, login, username):
    user = world.users[username]
    user.is_staff = True
    user.save()
    response = login(user).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_superuser_reaches_the_django_admin(db, client):
    from sanxin.accounts.models import User

    admin = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(admin, backend="sanxin.accounts.backends.UsernameOrPhoneBackend")
    assert client.get("/admin/").status_code == 200


def test_failures_count_per_account_whichever_identifier_was_typed(world, client, settings):
    """3 failures by username and 2 by phone number lock the account for both."""
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(3):
        _post_login(client, "villager", "wrong-password")
    for _ in range(2):
        _post_login(client, "13800000001", "wrong-password")
    for identifier in ("villager", "13800000001", " villager "):
        response = _post_login(client, identifier, PASSWORD)
        assert response.status_code == 429, identifier
        assert "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"villager"}


def test_unknown_identifiers_are_locked_out_too(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "nobody-here", "wrong-password")
    assert _post_login(client, "nobody-here", "whatever").status_code == 429
    # The lock on a name that is no account leaves real accounts alone.
    assert _post_login(client, "committee_head", PASSWORD).status_code == 302
