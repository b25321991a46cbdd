import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from sanxin import settings as sanxin_settings

STRONG_SECRET = "k7Qe-9vXr2LmNp4TzW8yHs1Bd6Fg3Jc0Ua5Vo_EiRt7Ky2Mx9Pq4Lw8Zn1Sb6Dh"
STRONG_DATA_KEY = "Gf3kL9qPz2Xw7Rt5Vn8Bm1Jc4Hd6Sy0Ua_Ei"


def _run_check(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("SANXIN_")}
    return subprocess.run(
        [sys.executable, "-m", "sanxin", "check"],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("value", ["maybe", "2", "oui"])
def test_env_bool_refuses_nonsense(monkeypatch, value):
    monkeypatch.setenv("SANXIN_X", value)
    with pytest.raises(ImproperlyConfigured, match="SANXIN_X"):
        sanxin_settings.env_bool("SANXIN_X", False)


def test_env_int_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("SANXIN_N", "five")
    with pytest.raises(ImproperlyConfigured, match="SANXIN_N"):
        sanxin_settings.env_int("SANXIN_N", 1)


def test_secrets_are_required_when_debug_is_off(tmp_path):
    result = _run_check(
        SANXIN_DEBUG="0", SANXIN_VAR_DIR=str(tmp_path), SANXIN_ALLOWED_HOSTS="example.org"
    )
    assert result.returncode != 0
    assert "SANXIN_SECRET_KEY is required" in result.stderr


def test_production_settings_start_with_secrets(tmp_path):
    result = _run_check(
        SANXIN_DEBUG="0",
        SANXIN_VAR_DIR=str(tmp_path),
        SANXIN_SECRET_KEY=STRONG_SECRET,
        SANXIN_DATA_KEY=STRONG_DATA_KEY,
        SANXIN_ALLOWED_HOSTS="example.org",
        SANXIN_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr


def test_bad_database_url_is_reported(tmp_path):
    result = _run_check(SANXIN_VAR_DIR=str(tmp_path), SANXIN_DATABASE_URL="mysql://x@y/z")
    assert result.returncode != 0
    assert "SANXIN_DATABASE_URL" in result.stderr


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    code = (
        "import django; django.setup();"
        "from django.db import connection; c = connection.cursor();"
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]);"
        "print(connection.settings_dict['OPTIONS']['transaction_mode'])"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("SANXIN_")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "sanxin.settings", "SANXIN_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.stdout.split() == ["wal", "IMMEDIATE"], out.stderr


def _production(tmp_path, **env):
    return _run_check(
        SANXIN_DEBUG="0",
        SANXIN_VAR_DIR=str(tmp_path),
        SANXIN_ALLOWED_HOSTS="example.org",
        SANXIN_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    )


@pytest.mark.parametrize(
    "secret",
    ["short-secret", "x" * 60, "ab" * 30, "django-insecure-" + STRONG_SECRET],
    ids=["too-short", "one-character", "two-characters", "django-insecure"],
)
def test_a_weak_secret_key_refuses_a_production_start(tmp_path, secret):
    result = _production(tmp_path, SANXIN_SECRET_KEY=secret, SANXIN_DATA_KEY=STRONG_DATA_KEY)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SANXIN_SECRET_KEY is too weak" in result.stderr
    assert secret not in result.stderr, "the message never repeats the key"


@pytest.mark.parametrize(
    ("data_key", "which"),
    [
        ("data-key", "#1 of 1"),
        ("a" * 40, "#1 of 1"),
        (f"{STRONG_DATA_KEY},old-key", "#2 of 2"),
    ],
    ids=["too-short", "low-entropy", "weak-second-key"],
)
def test_a_weak_data_key_refuses_a_production_start(tmp_path, data_key, which):
    result = _production(tmp_path, SANXIN_SECRET_KEY=STRONG_SECRET, SANXIN_DATA_KEY=data_key)
    assert result.returncode != 0
    assert f"SANXIN_DATA_KEY key {which} is too weak" in result.stderr


def test_weak_keys_are_accepted_in_debug_mode(tmp_path):
    result = _run_check(
        SANXIN_VAR_DIR=str(tmp_path), SANXIN_SECRET_KEY="dev", SANXIN_DATA_KEY="dev"
    )
    assert result.returncode == 0, result.stderr


def test_generated_keys_pass_the_strength_check():
    import secrets

    assert (
        sanxin_settings.weak_key_problems(
            secrets.token_urlsafe(48), [secrets.token_urlsafe(48), secrets.token_urlsafe(32)]
        )
        == []
    )


def test_the_demo_answers_on_the_machines_own_network_address(monkeypatch, tmp_path):
    """`make demo HOST=0.0.0.0`: a phone on the same network opens http://192.168.x.y:8000/
    in debug mode without configuration; production allows only the configured hosts."""
    from sanxin.lib import network

    assert all(
        not a.startswith("127.") and a.count(".") == 3 for a in network.own_private_addresses()
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("SANXIN_")}
    code = (
        "import sanxin.lib.network as n; n.own_private_addresses = lambda: ['192.168.1.23'];"
        "import sanxin.settings as s; print(s.ALLOWED_HOSTS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "SANXIN_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "'192.168.1.23'" in result.stdout and "'localhost'" in result.stdout, result.stderr
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "SANXIN_VAR_DIR": str(tmp_path), "SANXIN_ALLOWED_HOSTS": "example.org"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "['example.org']", result.stderr
