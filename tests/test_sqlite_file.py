"""The SQLite database holds the registry: its file, and the -wal/-shm files beside
it, are readable by their owner only, and so is the var/ directory the project makes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import os, stat, django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE t (x integer)")
    cursor.execute("INSERT INTO t VALUES (1)")
    name = connection.settings_dict["NAME"]
    for suffix in ("", "-wal", "-shm"):
        print(suffix or "db", oct(stat.S_IMODE(os.stat(str(name) + suffix).st_mode)))
"""


def _run(var_dir: Path, **env) -> dict[str, str]:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sanxin.settings",
        "SANXIN_VAR_DIR": str(var_dir),
        "SANXIN_DEBUG": "1",
        **env,
    }
    environment.pop("SANXIN_DATABASE_URL", None)
    environment.update(env)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        umask=0o022,
    ).stdout
    return dict(line.split() for line in out.splitlines())


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_database_files_and_var_dir_are_owner_only(tmp_path):
    var_dir = tmp_path / "var"
    modes = _run(var_dir)
    assert modes == {"db": "0o600", "-wal": "0o600", "-shm": "0o600"}
    assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_an_existing_world_readable_database_is_tightened(tmp_path):
    db = tmp_path / "data" / "old.sqlite3"
    db.parent.mkdir()
    db.touch(mode=0o644)
    db.chmod(0o644)
    modes = _run(tmp_path / "var", SANXIN_DATABASE_URL=f"sqlite:///{db}")
    assert modes["db"] == "0o600" and modes["-wal"] == "0o600"
