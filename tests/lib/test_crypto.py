from sanxin.lib import crypto


def test_encryption_round_trips_and_hides_the_value():
    token = crypto.encrypt("130803198005170011")
    assert "130803198005170011" not in token
    assert crypto.decrypt(token) == "130803198005170011"


def test_blind_index_is_stable_and_keyed(settings):
    first = crypto.blind_index("130803198005170011")
    assert first == crypto.blind_index("130803198005170011")
    assert first != crypto.blind_index("130803198005170029")
    settings.DATA_KEYS = ["another key"]
    assert crypto.blind_index("130803198005170011") != first


def test_rotation_keeps_old_tokens_readable(settings):
    settings.DATA_KEYS = ["old-key"]
    token = crypto.encrypt("secret")
    settings.DATA_KEYS = ["new-key", "old-key"]
    assert crypto.decrypt(token) == "secret"
    rotated = crypto.rotate(token)
    settings.DATA_KEYS = ["new-key"]
    assert crypto.decrypt(rotated) == "secret"


def test_new_hashes_use_the_first_key_and_look_ups_try_every_key(settings):
    settings.DATA_KEYS = ["old-key"]
    old = crypto.blind_index("130803198005170011")
    settings.DATA_KEYS = ["new-key", "old-key"]
    new = crypto.blind_index("130803198005170011")
    assert new != old
    assert crypto.blind_indexes("130803198005170011") == [new, old]
    settings.DATA_KEYS = ["new-key"]
    assert crypto.blind_indexes("130803198005170011") == [new]


def test_the_last_digits_index_has_its_own_key():
    assert crypto.blind_index("0011", crypto.LAST_DIGITS) != crypto.blind_index("0011")
    assert crypto.blind_index("0011", crypto.LAST_DIGITS) == crypto.blind_index(
        "0011", crypto.LAST_DIGITS
    )


def test_bytes_rotate_to_the_new_key(settings):
    settings.DATA_KEYS = ["old-key"]
    token = crypto.encrypt_bytes(b"upload")
    settings.DATA_KEYS = ["new-key", "old-key"]
    rotated = crypto.rotate_bytes(token)
    settings.DATA_KEYS = ["new-key"]
    assert crypto.decrypt_bytes(rotated) == b"upload"
