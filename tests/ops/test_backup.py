"""`sanxin backup` and `sanxin restore`: a backup restored into an empty database holds
every row of every table; a damaged backup, a backup from newer code and a non-empty
target are refused and change nothing; older backups are pruned only after the new one
is verified. The tests write real (committed) data, since pg_dump reads from another
connection, so they use transactional_db."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from sanxin.web import backup, demo
from sanxin.web.backup import BackupError, backup_create, backup_restore, backups_in

ON_PG = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _flushable(transactional_db):
    """These tests commit for real and Django empties the tables after each; the
    append-only triggers are dropped just for that flush (as in tests/e2e)."""
    from sanxin.lib.append_only import append_only_tables, create_triggers, drop_triggers
    from sanxin.rules.services import scheme_versions_unfreeze_for_erase

    create_triggers(append_only_tables())
    yield
    drop_triggers()
    scheme_versions_unfreeze_for_erase()


def _model_tables() -> set[str]:
    """Every model's table and every many-to-many table."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        tables.add(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            tables.add(field.remote_field.through._meta.db_table)
    return tables


def _rows_by_table(cursor: Any, tables: list[str], quote) -> dict[str, list[tuple]]:
    out = {}
    for table in tables:
        cursor.execute(f"SELECT * FROM {quote(table)} WHERE 1 = 0")
        order = ", ".join(str(i) for i in range(1, len(cursor.description) + 1))
        cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {order}")
        out[table] = [tuple(row) for row in cursor.fetchall()]
    return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source_snapshot() -> dict[str, list[tuple]]:
    if ON_PG:
        with backup._pg_connect(connection.settings_dict) as conn:
            return _pg_snapshot(conn)
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        return _rows_by_table(cursor, tables, _quote)


def _pg_snapshot(conn) -> dict[str, list[tuple]]:
    names = [
        name
        for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    ]
    return _rows_by_table(conn.cursor(), names, _quote)


def _sqlite_snapshot(path: Path) -> dict[str, list[tuple]]:
    # The same column conversions as Django's connection (its converters are global).
    conn = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
    try:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return _rows_by_table(conn.cursor(), names, _quote)
    finally:
        conn.close()


@pytest.fixture
def target(tmp_path):
    """An empty database to restore into: a new SQLite file, or a new PostgreSQL
    database on the test server (dropped afterwards)."""
    if not ON_PG:
        yield {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "restored.sqlite3")}
        return
    name = f"sanxin_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    yield {**connection.settings_dict, "NAME": name}
    connection.close()
    with backup._pg_connect(connection.settings_dict) as conn:
        conn.autocommit = True
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _restored_snapshot(db) -> dict[str, list[tuple]]:
    if not ON_PG:
        return _sqlite_snapshot(Path(db["NAME"]))
    with backup._pg_connect(db) as conn:
        return _pg_snapshot(conn)


def _photo(seed: int) -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (24, 16), (seed * 40 % 256, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def _add_photos() -> None:
    """Uploaded files the demo does not make: nomination, contribution and evidence
    photos, each a row naming a file under MEDIA_ROOT."""
    from django.core.files.base import ContentFile

    from sanxin.engagement.models import (
        Contribution,
        ContributionPhoto,
        Nomination,
        NominationPhoto,
    )
    from sanxin.ledger.models import Entry, EntryPhoto

    for i, nomination in enumerate(Nomination.objects.order_by("id")[:3]):
        NominationPhoto.objects.create(
            nomination=nomination, sha256=f"{i:064d}", image=ContentFile(_photo(i), f"n{i}.png")
        )
    contribution = Contribution.objects.order_by("id").first()
    ContributionPhoto.objects.create(
        contribution=contribution, sha256="c" * 64, image=ContentFile(_photo(7), "c.png")
    )
    EntryPhoto.objects.create(
        entry=Entry.objects.order_by("id").first(),
        sha256="e" * 64,
        image=ContentFile(_photo(9), "e.png"),
    )


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_restored_backup_holds_every_row_of_every_table(tmp_path, target, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    demo.build(households=12)
    _add_photos()
    result = backup_create(directory=tmp_path / "backups", keep=0)
    assert result.path.name.startswith("sanxin-")
    assert result.path.name.endswith(".dump" if ON_PG else ".sqlite3.gz")
    assert result.media == result.path.with_name(result.path.name + ".media.tar")
    source = _source_snapshot()
    uploaded = _files(settings.MEDIA_ROOT)
    assert len(uploaded) == result.media_files == 5 and not result.missing
    referenced = backup.referenced_media()
    assert len(referenced) == 5

    restored_media = tmp_path / "restored-media"
    backup_restore(result.path, db=target, media_root=restored_media)

    # The uploaded files: the same names, byte for byte, and every file the restored
    # database names is there.
    assert _files(restored_media) == uploaded
    assert all((restored_media / name).is_file() for name in referenced)

    restored = _restored_snapshot(target)
    assert set(restored) == set(source)
    assert _model_tables() <= set(source)
    assert "rewards_shop_villages" in source and source["rewards_shop_villages"]
    for table, rows in source.items():
        assert restored[table] == rows, table
    assert sum(len(rows) for rows in source.values()) > 1000


def _flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_corrupted_backup_is_refused_and_the_target_is_left_alone(world, tmp_path, target):
    result = backup_create(directory=tmp_path / "backups", keep=0)
    before = _restored_snapshot(target)
    _flip_one_byte(result.path)

    with pytest.raises(BackupError, match="校验和不符"):
        backup_restore(result.path, db=target)
    assert _restored_snapshot(target) == before
    if not ON_PG:
        assert not Path(f"{target['NAME']}.restore.partial").exists()


def test_restore_command_refuses_a_corrupted_backup_with_an_error_exit(world, tmp_path):
    result = backup_create(directory=tmp_path / "backups", keep=0)
    _flip_one_byte(result.path)
    with pytest.raises(CommandError, match="Checksum mismatch"):
        call_command("restore", str(result.path), stdout=StringIO())


def test_a_corrupted_media_archive_is_refused_before_anything_is_written(
    world, tmp_path, target, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "evidence").mkdir(parents=True)
    (settings.MEDIA_ROOT / "evidence" / "a.png").write_bytes(_photo(1))
    result = backup_create(directory=tmp_path / "backups", keep=0)
    assert result.media_files == 1
    _flip_one_byte(result.media)
    restored_media = tmp_path / "restored-media"
    with pytest.raises(BackupError, match="media archive"):
        backup_restore(result.path, db=target, media_root=restored_media)
    assert _restored_snapshot(target) == {} and not restored_media.exists()


def test_a_non_empty_media_directory_is_refused_before_anything_is_written(
    world, tmp_path, target, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    result = backup_create(directory=tmp_path / "backups", keep=0)
    busy = tmp_path / "busy-media"
    busy.mkdir()
    (busy / "keep.png").write_bytes(b"keep me")
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(result.path, db=target, media_root=busy)
    assert _restored_snapshot(target) == {}
    assert [p.name for p in busy.iterdir()] == ["keep.png"]


def test_a_backup_without_its_checksum_file_is_refused(world, tmp_path, target):
    result = backup_create(directory=tmp_path / "backups", keep=0)
    result.path.with_name(result.path.name + ".sha256").unlink()
    with pytest.raises(BackupError, match="missing"):
        backup_restore(result.path, db=target)


@pytest.mark.skipif(
    not ON_PG, reason="the test database itself as the target (SQLite's is in memory)"
)
def test_a_non_empty_database_is_refused(world, tmp_path):
    result = backup_create(directory=tmp_path / "backups", keep=0)
    before = _source_snapshot()
    with pytest.raises(BackupError, match="不是空的"):
        backup_restore(result.path, db=connection.settings_dict)
    assert _source_snapshot() == before


@pytest.mark.skipif(ON_PG, reason="a SQLite file as the target")
def test_a_sqlite_file_with_one_row_is_refused_and_unchanged(world, tmp_path):
    result = backup_create(directory=tmp_path / "backups", keep=0)
    path = tmp_path / "busy.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE note (text)")
    conn.execute("INSERT INTO note VALUES ('keep me')")
    conn.commit()
    conn.close()
    content = path.read_bytes()
    with pytest.raises(BackupError, match="note"):
        backup_restore(result.path, db={"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)})
    assert path.read_bytes() == content


def test_a_backup_made_by_newer_code_is_refused(world, tmp_path, target):
    result = backup_create(directory=tmp_path / "backups", keep=0)
    manifest_path = result.path.with_name(result.path.name + ".json")
    manifest = json.loads(manifest_path.read_text())
    manifest["migrations"].append(["households", "9999_from_the_future"])
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="9999_from_the_future"):
        backup_restore(result.path, db=target)
    assert _restored_snapshot(target) == {}


def test_keep_n_deletes_the_oldest_with_their_companion_files(world, tmp_path):
    directory = tmp_path / "backups"
    start = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    made = [
        backup_create(directory=directory, keep=2, now=start + timedelta(days=day)).path
        for day in range(3)
    ]
    assert backups_in(directory, backup._database_label(connection.settings_dict)) == made[1:]
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        f"{p.name}{suffix}" for p in made[1:] for suffix in ("", ".json", ".sha256", ".media.tar")
    )


def test_a_failed_backup_deletes_nothing_and_leaves_no_partial_file(world, tmp_path, monkeypatch):
    directory = tmp_path / "backups"
    first = backup_create(directory=directory, keep=1, now=datetime(2026, 3, 1, tzinfo=UTC))

    def broken(*args, **kwargs):
        raise BackupError("disk full")

    monkeypatch.setattr(backup, "_verify_file", broken)
    with pytest.raises(BackupError):
        backup_create(directory=directory, keep=1, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert sorted(p.name for p in directory.iterdir() if not p.is_dir()) == sorted(
        f"{first.path.name}{suffix}" for suffix in ("", ".json", ".sha256", ".media.tar")
    )


def test_the_backup_files_are_for_the_owner_only_and_sha256sum_can_check_them(world, tmp_path):
    result = backup_create(directory=tmp_path / "backups", keep=0)
    assert result.path.stat().st_mode & 0o077 == 0
    assert result.media is not None and result.media.stat().st_mode & 0o077 == 0
    sums = result.path.with_name(result.path.name + ".sha256")
    assert sums.read_text() == (
        f"{backup.sha256_of(result.path)}  {result.path.name}\n"
        f"{backup.sha256_of(result.media)}  {result.media.name}\n"
    )
    check = subprocess.run(
        ["sha256sum", "-c", sums.name], cwd=sums.parent, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    manifest = json.loads(result.path.with_name(result.path.name + ".json").read_text())
    assert manifest["vendor"] == connection.vendor
    assert ["households", "0001_initial"] in manifest["migrations"]
    assert manifest["sanxin_version"]


def test_backup_command_writes_and_prunes(world, tmp_path, settings):
    settings.SANXIN_BACKUP_DIR = tmp_path / "default"
    out = StringIO()
    call_command("backup", stdout=out)
    assert "Backup written" in out.getvalue()
    assert (
        len(
            backups_in(settings.SANXIN_BACKUP_DIR, backup._database_label(connection.settings_dict))
        )
        == 1
    )


def test_backup_keys_are_written_apart_and_for_the_owner_only(tmp_path, settings):
    settings.SANXIN_BACKUP_DIR = tmp_path / "backups"
    settings.DATA_KEYS = ["new-key-" + "x" * 40, "old-key-" + "y" * 40]
    err = StringIO()
    call_command("backup_keys", to=str(tmp_path / "keys"), stdout=StringIO(), stderr=err)
    (written,) = (tmp_path / "keys").iterdir()
    assert written.stat().st_mode & 0o077 == 0
    text = written.read_text()
    assert f"SANXIN_DATA_KEY=new-key-{'x' * 40},old-key-{'y' * 40}" in text
    assert f"SANXIN_SECRET_KEY={settings.SECRET_KEY}" in text
    assert "明文密钥" in err.getvalue()
    with pytest.raises(CommandError, match="不能和数据库备份放在一起"):
        call_command("backup_keys", to=str(tmp_path / "backups" / "keys"), stdout=StringIO())


def test_a_missing_pg_tool_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup, "Path", lambda p: tmp_path / "nowhere")
    with pytest.raises(BackupError, match="postgresql-client"):
        backup.pg_tool("pg_dump", 15)


def test_a_too_old_pg_tool_is_named_as_the_problem():
    failing = "echo 'pg_dump: error: aborting because of server version mismatch' >&2; exit 1"
    with pytest.raises(BackupError, match="版本比数据库服务器旧"):
        backup._run_pg(["sh", "-c", failing], {}, "pg_dump")
