"""`sanxin rotate-data-key`: encrypt under key A, rotate to "B,A", run the command,
then with only B every number decrypts and every look-up still finds its person, and
every authenticator app's codes are still accepted."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from cryptography.fernet import InvalidToken
from django.core.management import call_command
from django.test import override_settings

from sanxin.accounts import otp
from sanxin.audit.models import AuditEvent
from sanxin.households import selectors
from sanxin.households import services as hh
from sanxin.households.models import Household, PendingImport, Person
from sanxin.households.pending_upload import content, store
from sanxin.lib import crypto, idcard
from tests.accounts.test_two_factor import code_for, enrol
from tests.factories import child, make_household, make_tree, make_user, valid_id


def _village():
    district = make_tree()
    village = child(child(district, "双塔山镇", kind="镇"), "大贵口村", kind="村")
    return village, child(village, "第一村民小组")


def _found(query: str) -> list[str]:
    everyone = Household.objects.all()
    return [h.head_name for h in selectors.household_search(everyone, query, by_id_in=everyone)]


def test_rotation_rewrites_everything_under_the_new_key(db, settings):
    settings.DATA_KEYS = ["key-A-" + "a" * 40]
    village, group = _village()
    for i in range(7):
        make_household(village, group, f"{i:03d}", head=f"王{i}", head_seq=10 * i + 1, members=1)
    user = make_user("clerk")
    pending = store(user=user, village=village, filename="花名册.xlsx", content=b"roster bytes")
    numbers = {p.pk: p.reveal_id_number() for p in Person.objects.all()}

    settings.DATA_KEYS = ["key-B-" + "b" * 40, "key-A-" + "a" * 40]
    # Before the command, look-ups already work (the old hashes are tried too), and a
    # person added now is stored under B and found as well.
    assert _found(numbers[Person.objects.get(name="王3").pk]) == ["王3"]
    new = hh._person_create(
        actor=None,
        household=Household.objects.get(number="003"),
        data=hh.PersonData(
            name="新人",
            id_number=idcard.parse(valid_id(999, birth=date(1990, 3, 3))),
            relation="女",
        ),
    )
    numbers[new.pk] = new.reveal_id_number()
    assert hh.person_lookup(numbers[new.pk]) == new
    assert hh.person_lookup(numbers[Person.objects.get(name="王5").pk]).name == "王5"

    out = StringIO()
    call_command("rotate_data_key", batch_size=3, stdout=out)
    assert f"人员 {len(numbers)} / {len(numbers)}" in out.getvalue()
    assert AuditEvent.objects.filter(action="data_key.rotate").count() == 1

    settings.DATA_KEYS = ["key-B-" + "b" * 40]
    for person in Person.objects.all():
        value = numbers[person.pk]
        assert person.reveal_id_number() == value
        assert person.id_number_hash == crypto.blind_index(value)
        assert hh.person_lookup(value) == person
        assert person.household.head_name in _found(value)
        assert person.household.head_name in _found(value[-4:])
        assert person.id_number_masked == idcard.mask(value)
    assert content(PendingImport.objects.get(pk=pending.pk)) == b"roster bytes"

    # Running it again changes nothing a user could notice.
    call_command("rotate_data_key", stdout=StringIO())
    assert all(numbers[p.pk] == p.reveal_id_number() for p in Person.objects.all())


@override_settings(SANXIN_REQUIRE_2FA=True)
def test_rotation_keeps_authenticator_codes_working_and_drops_the_old_key(
    world, client, login, settings
):
    key_a, key_b = settings.DATA_KEYS[0], "key-B-" + "b" * 40  # A: the world's people too
    settings.DATA_KEYS = [key_a]
    head = world.users["committee_head"]
    login(head)
    enrol(client)
    device = otp.confirmed_totp(head)
    secret = device.bin_key
    before = device.key_encrypted

    settings.DATA_KEYS = [key_b, key_a]
    in_flight = otp.confirmed_totp(head)  # a verification that started before the run
    out = StringIO()
    call_command("rotate_data_key", stdout=out)
    assert "手机验证器密钥 1 个" in out.getvalue()
    assert AuditEvent.objects.get(action="data_key.rotate").after["authenticators"] == 1
    in_flight.throttle_increment()  # saves the device it loaded (the old token) ...
    in_flight.throttle_reset()

    settings.DATA_KEYS = [key_b]  # ... and the old key is gone
    device = otp.confirmed_totp(head)
    assert device.key_encrypted != before and device.bin_key == secret
    client.post("/accounts/logout/")
    login(head)
    response = client.post("/accounts/2fa/verify/", {"code": code_for(device, ahead=1)})
    assert response["Location"] == "/"
    assert client.get("/households/").status_code == 200
    with pytest.raises(InvalidToken):  # the old key alone no longer opens it
        settings.DATA_KEYS = [key_a]
        crypto.decrypt(device.key_encrypted)
