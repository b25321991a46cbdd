"""Two-factor login (accounts/otp.py, accounts/middleware.py, accounts/views/otp.py).
The suite runs with SANXIN_REQUIRE_2FA off (debug mode); these tests turn it on."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken

from sanxin.accounts import otp
from sanxin.accounts.choices import Role
from sanxin.accounts.models import EncryptedTOTPDevice
from sanxin.audit.models import AuditEvent

PAGES = ["/", "/households/", "/accounts/settings/", "/accounts/users/"]
ENROL, VERIFY, RECOVERY = "/accounts/2fa/enrol/", "/accounts/2fa/verify/", "/accounts/2fa/recovery/"

on = override_settings(SANXIN_REQUIRE_2FA=True)


def code_for(device: EncryptedTOTPDevice, *, ahead: int = 0) -> str:
    """The authenticator's code now (ahead=1: the next 30-second step, which the device
    still accepts, for a second login within the same step)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return f"{totp.token():0{device.digits}d}"


def enrol(client) -> list[str]:
    """Enrol the logged-in user through the pages; returns the recovery codes shown."""
    client.get(ENROL)
    device = EncryptedTOTPDevice.objects.get(
        user_id=client.session["_auth_user_id"], confirmed=False
    )
    response = client.post(ENROL, {"code": code_for(device)})
    assert response.status_code == 200
    return re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", response.content.decode())


def wait_out_throttling(user) -> None:
    """As if the wait after a wrong code had passed."""
    from django_otp.plugins.otp_static.models import StaticDevice

    for model in (EncryptedTOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(throttling_failure_timestamp=None)


def test_the_required_roles_follow_the_permission_table():
    assert {
        Role.DISTRICT_ADMIN,
        Role.TOWN_ADMIN,
        Role.CREDIT_OFFICER,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
    } == otp.ROLES_REQUIRING_2FA


@on
def test_a_required_role_without_a_second_factor_reaches_only_enrolment(world, login):
    client = login(world.users["committee_head"])
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(ENROL), page
    assert client.get(ENROL).status_code == 200
    assert client.get(VERIFY)["Location"] == ENROL  # nothing to verify with yet
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


@on
def test_after_enrolling_every_page_opens_and_ten_codes_are_shown_once(world, login):
    client = login(world.users["committee_head"])
    codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200
    assert client.get(ENROL)["Location"] == VERIFY  # enrolled: no second enrolment
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & ({c.replace("-", "") for c in codes} | set(codes))
    assert AuditEvent.objects.filter(
        action="otp.enrol", actor=world.users["committee_head"]
    ).exists()


@on
def test_the_next_login_asks_for_the_code_and_a_wrong_one_is_refused(world, client, login):
    head = world.users["committee_head"]
    login(head)
    enrol(client)
    client.post("/accounts/logout/")
    login(head)
    response = client.get("/households/")
    assert response["Location"] == f"{VERIFY}?next=%2Fhouseholds%2F"
    device = otp.confirmed_totp(head)
    wrong = f"{(int(code_for(device, ahead=1)) + 1) % 10**6:06d}"
    response = client.post(VERIFY, {"code": wrong, "next": "/households/"})
    assert response.status_code == 400
    assert "验证码不对" in response.content.decode()
    assert client.get("/households/").status_code == 302
    wait_out_throttling(head)
    response = client.post(VERIFY, {"code": code_for(device, ahead=1), "next": "/households/"})
    assert response["Location"] == "/households/"
    assert client.get("/households/").status_code == 200


@on
def test_repeated_wrong_codes_lock_the_form_for_a_while(world, client, login):
    head = world.users["committee_head"]
    login(head)
    enrol(client)
    client.post("/accounts/logout/")
    login(head)
    device = otp.confirmed_totp(head)
    client.post(VERIFY, {"code": "000000"})
    response = client.post(VERIFY, {"code": code_for(device, ahead=1)})
    assert response.status_code == 400
    assert "输错次数太多" in response.content.decode()
    assert client.get("/").status_code == 302


@on
def test_a_recovery_code_works_once(world, client, login):
    head = world.users["committee_head"]
    login(head)
    codes = enrol(client)
    client.post("/accounts/logout/")
    login(head)
    response = client.post(VERIFY, {"code": codes[3].upper(), "next": "/"})
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert otp.recovery_codes_left(head) == 9
    client.post("/accounts/logout/")
    login(head)
    response = client.post(VERIFY, {"code": codes[3]})
    assert response.status_code == 400
    assert "已经用过" in response.content.decode()


@on
@pytest.mark.parametrize("name", ["villager", "subteam_member", "shop_clerk", "committee_member"])
def test_villagers_and_sub_teams_are_never_asked(world, login, name):
    client = login(world.users[name])
    assert client.get("/").status_code == 200
    assert client.get(ENROL).status_code == 403


def test_with_the_switch_off_nobody_is_asked(world, login):
    client = login(world.users["committee_head"])
    assert client.get("/").status_code == 200


@on
def test_new_recovery_codes_replace_the_old_ones(world, client, login):
    head = world.users["committee_head"]
    login(head)
    old = enrol(client)
    assert client.get(RECOVERY).status_code == 200
    response = client.post(RECOVERY)
    new = re.findall(r"<li>([a-z2-9-]{14})</li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/accounts/logout/")
    login(head)
    assert client.post(VERIFY, {"code": old[0]}).status_code == 400
    wait_out_throttling(head)
    assert client.post(VERIFY, {"code": new[0]}).status_code == 302
    assert AuditEvent.objects.filter(action="otp.recovery_regenerate").count() == 1


@on
def test_an_admin_resets_a_lost_phone_and_the_user_enrols_again(world, client, login):
    head = world.users["committee_head"]
    login(head)
    enrol(client)
    admin_client = client.__class__()
    admin_client.force_login(
        world.users["town_admin"], backend="sanxin.accounts.backends.UsernameOrPhoneBackend"
    )
    # The admin must pass its own second factor first.
    assert admin_client.get(f"/accounts/users/{head.pk}/2fa/").status_code == 302
    otp_device = EncryptedTOTPDevice.objects.create(user=world.users["town_admin"], confirmed=True)
    admin_client.post(VERIFY, {"code": code_for(otp_device)})
    page = admin_client.get(f"/accounts/users/{head.pk}/2fa/")
    assert "已绑定" in page.content.decode()
    admin_client.post(f"/accounts/users/{head.pk}/2fa/reset/")
    assert otp.confirmed_totp(head) is None and otp.recovery_codes_left(head) == 0
    event = AuditEvent.objects.get(action="otp.reset")
    assert event.actor == world.users["town_admin"] and event.object_id == str(head.pk)
    # The head's session was verified by a device that no longer exists.
    assert client.get("/")["Location"].startswith(ENROL)


@on
def test_the_password_login_leads_to_verification(world, client, settings):
    head = world.users["committee_head"]
    head.set_password("Xin-mima-2026-ok")
    head.save()
    EncryptedTOTPDevice.objects.create(user=head, confirmed=True)
    response = client.post(
        "/accounts/login/?next=/households/",
        {"username": head.username, "password": "Xin-mima-2026-ok", "next": "/households/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{VERIFY}?next=%2Fhouseholds%2F"
    assert "输入验证码" in response.content.decode()


@on
def test_an_htmx_request_is_redirected_the_htmx_way(world, login):
    client = login(world.users["credit_officer"])
    response = client.get("/households/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(ENROL)
