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
