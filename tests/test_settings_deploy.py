"""Production settings: with the documented settings (sanxin.env.example, the keys as
files) `sanxin check --deploy` prints no warning at all."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.test_settings import STRONG_DATA_KEY, STRONG_SECRET

ROOT = Path(__file__).resolve().parents[1]


def documented_settings() -> dict[str, str]:
    """The variables sanxin.env.example sets (comments and blank lines left out)."""
    settings = {}
    for line in (ROOT / "sanxin.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            settings[name.strip()] = value.strip()
    return settings


def _check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    (keys / "secret_key").write_text(STRONG_SECRET + "\n")
    (keys / "data_key").write_text(STRONG_DATA_KEY + "\n")
    base = {k: v for k, v in os.environ.items() if not k.startswith("SANXIN_")}
    # The browser tests allow async-unsafe ORM calls in this process; a deployment never does.
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-m", "sanxin", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            **base,
            "SANXIN_VAR_DIR": str(tmp_path / "var"),
            "SANXIN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "SANXIN_SECRET_KEY_FILE": str(keys / "secret_key"),
            "SANXIN_DATA_KEY_FILE": str(keys / "data_key"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_production_settings_pass_check_deploy_without_a_warning(tmp_path):
    settings = documented_settings()
    assert settings["SANXIN_DEBUG"] == "0" and settings["SANXIN_BEHIND_PROXY"] == "1"
    result = _check_deploy(tmp_path, **settings)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "System check identified no issues" in output
    assert "WARNING" not in output


def test_without_the_proxy_and_hsts_settings_check_deploy_says_what_is_missing(tmp_path):
    result = _check_deploy(tmp_path, SANXIN_DEBUG="0", SANXIN_ALLOWED_HOSTS="sanxin.example.org")
    assert result.returncode != 0
    for warning in ("security.W005", "security.W008", "security.W021"):
        assert warning in result.stderr


def test_an_unreadable_key_file_is_reported_by_name(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith("SANXIN_")}
    # The browser tests allow async-unsafe ORM calls in this process; a deployment never does.
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-m", "sanxin", "check"],
        env={
            **base,
            "SANXIN_DEBUG": "0",
            "SANXIN_VAR_DIR": str(tmp_path),
            "SANXIN_ALLOWED_HOSTS": "sanxin.example.org",
            "SANXIN_SECRET_KEY_FILE": str(tmp_path / "missing"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SANXIN_SECRET_KEY_FILE cannot be read" in result.stderr


def test_every_serving_variable_is_documented():
    """The variables of settings.py's production block and of `sanxin serve` are all
    explained in docs/deploy.md."""
    src = ROOT / "src" / "sanxin"
    block = (src / "settings.py").read_text().split("# Production serving (issue 15)")[1]
    serve = (src / "web" / "management" / "commands" / "serve.py").read_text()
    names = set(re.findall(r"SANXIN_[A-Z_]+", block + serve))
    assert {"SANXIN_BIND", "SANXIN_BEHIND_PROXY", "SANXIN_METRICS_TOKEN"} <= names
    doc = (ROOT / "docs" / "deploy.md").read_text()
    assert sorted(n for n in names if n not in doc) == []
