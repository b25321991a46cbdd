"""Authenticator secrets are encrypted at rest (accounts.EncryptedTOTPDevice): the
database holds no clear secret, the secret shown at enrolment is the one codes are
checked against, a code is accepted once only, and the authenticators enrolled
before the upgrade move over (migration accounts.0008) and keep working.
Rotating the data key: tests/households/test_rotate_data_key.py."""

from __future__ import annotations

import base64
import importlib
import re
import time

import pytest
from django.apps import apps
from django.db import connection
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanxin.accounts import otp
from sanxin.accounts.models import EncryptedTOTPDevice
from tests.accounts.test_two_factor import ENROL, VERIFY, code_for, enrol
from tests.test_no_clear_ids import _all_text_in_database

on = override_settings(SANXIN_REQUIRE_2FA=True)
migration = importlib.import_module("sanxin.accounts.migrations.0008_totp_secrets_encrypted")


def _code(secret: bytes, *, ahead: int = 0) -> str:
    return f"{TOTP(secret, drift=ahead).token():06d}"


def _shown_secret(client) -> bytes:
    """The key the enrolment page shows for typing into the app (base32, in groups)."""
    page = client.get(ENROL).content.decode()
    shown = re.search(r'id="otp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    return base64.b32decode(shown + "=" * (-len(shown) % 8))


@on
def test_the_database_holds_no_clear_secret(world, client, login):
    head = world.users["committee_head"]
    login(head)
    secret = _shown_secret(client)
    assert client.post(ENROL, {"code": _code(secret)}).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT key_encrypted FROM {EncryptedTOTPDevice._meta.db_table} WHERE user_id = %s",
            [head.pk],
        )
        (stored,) = cursor.fetchone()
    assert stored.startswith("gAAAA")  # a Fernet token
    assert not re.search(r"[0-9a-fA-F]{32}", stored)
    everything = _all_text_in_database()
    hex_secret = secret.hex()
    b32_secret = base64.b32encode(secret).decode().rstrip("=")
    for spelling in (hex_secret, hex_secret.upper(), b32_secret, b32_secret.lower()):
        assert spelling not in everything
    assert not TOTPDevice.objects.exists()


@on
def test_a_code_from_the_secret_shown_at_enrolment_verifies(world, client, login):
    head = world.users["committee_head"]
    login(head)
    secret = _shown_secret(client)
    device = otp.totp_pending(head)
    assert device.bin_key == secret
    assert f"secret={base64.b32encode(secret).decode()}" in device.config_url  # the QR code
    response = client.post(ENROL, {"code": _code(secret)})
    assert "绑定成功" in response.content.decode()
    client.post("/accounts/logout/")
    login(head)
    response = client.post(VERIFY, {"code": _code(secret, ahead=1), "next": "/households/"})
    assert response["Location"] == "/households/"
    assert client.get("/households/").status_code == 200


@on
def test_a_code_already_used_is_refused(world, client, login):
    head = world.users["committee_head"]
    login(head)
    enrol(client)
    device = otp.confirmed_totp(head)
    used_at_enrolment = code_for(device)
    client.post("/accounts/logout/")
    login(head)
    response = client.post(VERIFY, {"code": used_at_enrolment})
    assert response.status_code == 400
    assert "验证码不对" in response.content.decode()
    device.refresh_from_db()
    device.throttling_failure_timestamp = None
    device.save()
    later = code_for(device, ahead=1)
    assert client.post(VERIFY, {"code": later})["Location"] == "/"
    client.post("/accounts/logout/")
    login(head)
    device.refresh_from_db()
    device.throttling_failure_timestamp = None
    device.save()
    response = client.post(VERIFY, {"code": later})  # the same code, a second time
    assert response.status_code == 400
    assert client.get("/")["Location"].startswith(VERIFY)


def _clear_device(user, secret: bytes, **fields) -> TOTPDevice:
    """An authenticator as django-otp stored it before the upgrade (the key in clear)."""
    return TOTPDevice.objects.create(user=user, name="手机验证器", key=secret.hex(), **fields)


@on
def test_the_upgrade_moves_existing_authenticators_without_a_new_enrolment(world, client, login):
    head, admin = world.users["committee_head"], world.users["town_admin"]
    secret, pending_secret = bytes(range(20)), bytes(range(20, 40))
    step_now = int(time.time()) // 30
    old = _clear_device(head, secret, confirmed=True, last_t=step_now, drift=0)
    _clear_device(admin, pending_secret, confirmed=False)

    migration.forward(apps, None)

    assert not TOTPDevice.objects.exists()
    moved = otp.confirmed_totp(head)
    assert moved.bin_key == secret and moved.last_t == step_now
    assert moved.created_at == old.created_at and moved.name == "手机验证器"
    assert otp.confirmed_totp(admin) is None
    assert otp.totp_pending(admin).bin_key == pending_secret  # still to be confirmed
    everything = _all_text_in_database()
    assert secret.hex() not in everything and pending_secret.hex() not in everything
    # The code of the step already used before the upgrade stays used; the next works.
    login(head)
    assert client.post(VERIFY, {"code": _code(secret)}).status_code == 400
    otp.confirmed_totp(head).throttle_reset()
    assert client.post(VERIFY, {"code": _code(secret, ahead=1)})["Location"] == "/"


def test_going_back_puts_the_secrets_into_django_otp_again(world):
    head = world.users["committee_head"]
    secret = bytes(range(20))
    _clear_device(head, secret, confirmed=True, drift=1)
    migration.forward(apps, None)
    migration.backward(apps, None)
    assert not EncryptedTOTPDevice.objects.exists()
    device = TOTPDevice.objects.get(user=head)
    assert device.bin_key == secret and device.confirmed and device.drift == 1


@pytest.mark.parametrize("save", ["verify_token", "throttle_increment", "save"])
def test_saving_a_device_never_writes_its_secret(world, save):
    """Each verification saves the device; the secret column is written once only,
    so a verification overlapping a key rotation cannot put the old token back."""
    device = EncryptedTOTPDevice.objects.create(user=world.users["committee_head"])
    stale = EncryptedTOTPDevice.objects.get(pk=device.pk)
    EncryptedTOTPDevice.objects.filter(pk=device.pk).update(key_encrypted="rewritten")
    if save == "verify_token":
        assert stale.verify_token(code_for(stale)) is True
    else:
        getattr(stale, save)()
    assert EncryptedTOTPDevice.objects.get(pk=device.pk).key_encrypted == "rewritten"
