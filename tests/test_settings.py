import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from sanxin import settings as sanxin_settings


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
        SANXIN_SECRET_KEY="x" * 60,
        SANXIN_DATA_KEY="data-key",
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
