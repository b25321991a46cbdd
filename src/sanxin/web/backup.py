"""Backups of the database and the uploaded files, and their restore (`sanxin backup`,
`sanxin restore`).

A backup is one database file, `sanxin-<database>-<UTC timestamp>.<ext>`, with three
files beside it: `<file>.media.tar` (every file under MEDIA_ROOT: evidence, product,
nomination, suggestion, contribution and appeal photos), `<file>.sha256` (the
`sha256sum` lines of both, so `sha256sum -c` checks them by hand) and `<file>.json` (the
manifest: file names, SHA-256s, database vendor, the migrations applied, the media
archive's file count, when it was made, the Sanxin version).

Consistency of the two: the names the database's file fields hold are read first, the
database snapshot is taken next, the media directory is archived last. A file is
written before the row naming it is committed and photos are never rewritten, so
every file a row of the snapshot names is already on disk when the archive is made;
the archive is then checked against the names read first, and a name whose file is
missing from the media directory itself is reported (and listed in the manifest).

- SQLite: the online backup API copies a consistent snapshot into a temporary file while
  the site keeps running; it is checked (`PRAGMA integrity_check`) and compressed (zstd
  where the standard library has it, otherwise gzip).
- PostgreSQL: `pg_dump --format=custom` (compressed by pg_dump itself).

Nothing is ever written under a final name until it is complete: files are written to
`<name>.partial` and renamed. Older backups are deleted (keeping the newest N) only after
the new one has been read back and verified.

A restore checks the checksum first, refuses a backup made by newer code (a migration
this code does not know), and only writes into an empty database: no table may hold a
row (on PostgreSQL no table may exist: pg_restore creates them).

The keys are not in the database; `keys_write` writes them to a file of their own,
to be kept apart from the backups (docs/backup.md).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import importlib
import importlib.metadata
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import connections, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
NAME_PATTERN = re.compile(
    r"^sanxin-(?P<db>[A-Za-z0-9_.-]+?)-(?P<ts>\d{8}T\d{6}Z)\.(?P<ext>sqlite3\.gz|sqlite3\.zst|dump)$"
)


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, in Chinese
    then English, and nothing was changed."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    size: int
    deleted: list[Path]
    media: Path | None = None
    media_files: int = 0
    missing: tuple[str, ...] = ()  # files the database names that the media directory lacks


MEDIA_SUFFIX = ".media.tar"


# --- compression --------------------------------------------------------------------


def _zstd_module() -> Any | None:
    """The standard library's zstd (Python 3.14+), or None."""
    try:
        return importlib.import_module("compression.zstd")
    except ImportError:
        return None


def _sqlite_extension() -> str:
    return "sqlite3.zst" if _zstd_module() is not None else "sqlite3.gz"


def _open_compressed(path: Path, mode: str) -> IO[bytes]:
    if path.name.endswith(".zst") or path.name.endswith(".zst.partial"):
        zstd = _zstd_module()
        if zstd is None:
            raise BackupError(
                "这个备份用 zstd 压缩，而本机的 Python 不支持 zstd（需要 Python 3.14 或更新）。"
                " / This backup is zstd-compressed and this Python has no zstd (3.14+ needed)."
            )
        return zstd.open(path, mode)  # type: ignore[no-any-return]
    return gzip.open(path, mode)  # type: ignore[return-value]


# --- small helpers ------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _sanxin_version() -> str:
    try:
        return importlib.metadata.version("sanxin")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _vendor(db: Mapping[str, Any]) -> str:
    engine = db["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return "sqlite"
    if engine == "django.db.backends.postgresql":
        return "postgresql"
    raise BackupError(f"不支持的数据库 / Unsupported database engine: {engine}")


def _database_label(db: Mapping[str, Any]) -> str:
    """The <db> part of a backup's name: the SQLite file's stem or the PG database."""
    name = str(db["NAME"])
    if _vendor(db) == "sqlite":
        name = Path(name).name.split(".")[0] if "memory" not in name else "memory"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "db"


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(partial, path)


def applied_migrations(alias: str = "default") -> list[list[str]]:
    """[app, name] of every migration applied to the database, sorted."""
    recorder = MigrationRecorder(connections[alias])
    return sorted([app, name] for app, name in recorder.applied_migrations())


def unknown_migrations(migrations: list[list[str]]) -> list[str]:
    """The migrations in `migrations` that this code does not have: the backup was
    made by a newer Sanxin."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    known = set(loader.disk_migrations)
    return [f"{app}.{name}" for app, name in migrations if (app, name) not in known]


# --- PostgreSQL tools ---------------------------------------------------------------


def _pg_env(db: Mapping[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(key):
            env[var] = str(options[key])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _major(version_num: int) -> int:
    return version_num // 10000


def pg_tool(tool: str, server_major: int | None = None) -> Path:
    """The pg_dump/pg_restore to use: the one of the server's major version under
    /usr/lib/postgresql/<major>/bin when present, else the one on PATH, else the newest
    under /usr/lib/postgresql. A clear error when there is none."""
    candidates: dict[int, Path] = {}
    for path in Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"):
        with contextlib.suppress(ValueError):
            candidates[int(path.parent.parent.name)] = path
    if server_major is not None and server_major in candidates:
        return candidates[server_major]
    on_path = shutil.which(tool)
    if on_path:
        return Path(on_path)
    if candidates:
        return candidates[max(candidates)]
    raise BackupError(
        f"找不到 {tool}：请安装 PostgreSQL 客户端（例如 apt-get install postgresql-client），"
        f"版本不低于数据库服务器。 / {tool} not found: install the PostgreSQL client tools "
        "(e.g. apt-get install postgresql-client), at least the server's version."
    )


def _server_major(alias: str) -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return _major(connection.pg_version)  # type: ignore[attr-defined]


def _run_pg(command: list[str], env: dict[str, str], tool: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return
    detail = (result.stderr or result.stdout).strip()
    if "version mismatch" in detail or "unsupported version" in detail:
        raise BackupError(
            f"{tool} 的版本比数据库服务器旧，不能使用：请安装与服务器相同或更新版本的 PostgreSQL 客户端。"
            f" / {tool} is older than the server: install the client tools of the server's "
            f"version or newer.\n{detail}"
        )
    raise BackupError(f"{tool} 失败 / {tool} failed (exit {result.returncode}):\n{detail}")


# --- backup -------------------------------------------------------------------------


def _sqlite_snapshot(alias: str, into: Path) -> None:
    """A consistent copy of the SQLite database through the online backup API,
    checked with PRAGMA integrity_check."""
    connection = connections[alias]
    connection.ensure_connection()
    source = connection.connection
    target = sqlite3.connect(into)
    try:
        source.backup(target)
        # One self-contained file: no -wal beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        (verdict,) = target.execute("PRAGMA integrity_check").fetchone()
    finally:
        target.close()
    if verdict != "ok":
        raise BackupError(
            f"数据库副本未通过完整性检查 / The copy failed integrity_check: {verdict}"
        )


def _verify_file(path: Path, vendor: str, expected_sha256: str, alias: str) -> None:
    """Read a just-written backup back: the checksum, then the whole content."""
    if sha256_of(path) != expected_sha256:
        raise BackupError(f"写入的备份读回后校验和不符 / Checksum mismatch reading back {path}")
    if vendor == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sanxin-verify-") as scratch:
            copy = Path(scratch) / "check.sqlite3"
            _decompress(path, copy)
            _sqlite_check(copy)
    else:
        tool = pg_tool("pg_restore", _server_major(alias))
        _run_pg([str(tool), "--list", str(path)], dict(os.environ), "pg_restore")


def _decompress(source: Path, target: Path) -> None:
    with _open_compressed(source, "rb") as stream, target.open("wb") as out:
        shutil.copyfileobj(stream, out, CHUNK)
        out.flush()
        os.fsync(out.fileno())


def _sqlite_check(path: Path) -> None:
    try:
        check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (verdict,) = check.execute("PRAGMA integrity_check").fetchone()
        finally:
            check.close()
    except sqlite3.DatabaseError as exc:
        verdict = str(exc)
    if verdict != "ok":
        raise BackupError(
            f"备份中的数据库已损坏 / The database in the backup is damaged: {verdict}"
        )


def backups_in(directory: Path, label: str) -> list[Path]:
    """The backups of database `label` in `directory`, oldest first."""
    found = []
    for path in directory.iterdir() if directory.is_dir() else []:
        match = NAME_PATTERN.match(path.name)
        if match and match["db"] == label and path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: NAME_PATTERN.match(p.name)["ts"])  # type: ignore[index]


def _companions(path: Path) -> list[Path]:
    return [
        path,
        path.with_name(path.name + MEDIA_SUFFIX),
        path.with_name(path.name + ".sha256"),
        path.with_name(path.name + ".json"),
    ]


# --- media --------------------------------------------------------------------------


def referenced_media(alias: str = "default") -> set[str]:
    """Every file name a file field of any model holds in database `alias`."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and field.concrete:
                names.update(
                    n
                    for n in model._default_manager.using(alias)
                    .exclude(**{field.attname: ""})
                    .values_list(field.attname, flat=True)
                    .iterator()
                    if n
                )
    return names


def _media_archive(media_root: Path, into: Path) -> set[str]:
    """Write every regular file under `media_root` into the tar `into` (paths relative
    to it, sorted, no owner names); the names archived. Photos are already compressed."""
    archived: set[str] = set()
    with tarfile.open(into, "w", format=tarfile.PAX_FORMAT) as tar:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    name = path.relative_to(media_root).as_posix()
                    info = tar.gettarinfo(str(path), arcname=name)
                    info.uname = info.gname = ""
                    info.uid = info.gid = 0
                    with path.open("rb") as stream:
                        tar.addfile(info, stream)
                    archived.add(name)
    with into.open("rb") as stream:
        os.fsync(stream.fileno())
    return archived


def _media_names(archive: Path) -> set[str]:
    """The file names in a media archive, refusing any that would land outside the
    media directory (absolute, `..`, links, devices)."""
    names: set[str] = set()
    try:
        with tarfile.open(archive, "r") as tar:
            for member in tar.getmembers():
                name = member.name
                if (
                    not member.isfile()
                    or name.startswith("/")
                    or ".." in Path(name).parts
                    or not name
                ):
                    raise BackupError(
                        f"照片归档里有不安全的条目 {name!r}，拒绝恢复，未做任何改动。"
                        f" / The media archive holds an unsafe entry {name!r}; refused, "
                        "nothing was changed."
                    )
                names.add(name)
    except tarfile.TarError as exc:
        raise BackupError(f"照片归档已损坏 / The media archive is damaged: {exc}") from None
    return names


def _restore_media(archive: Path, media_root: Path) -> int:
    """Unpack the archive into `media_root`, which must be empty or absent: into a
    scratch directory beside it first, then renamed into place."""
    if media_root.is_dir() and any(media_root.iterdir()):
        raise BackupError(
            f"照片目录 {media_root} 不是空的，拒绝恢复，未做任何改动。"
            f" / The media directory {media_root} is not empty; refused, nothing was changed."
        )
    names = _media_names(archive)
    media_root.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".media-restore-", dir=media_root.parent))
    try:
        with tarfile.open(archive, "r") as tar:
            tar.extractall(scratch, filter="data")
        if media_root.exists():
            media_root.rmdir()
        os.replace(scratch, media_root)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return len(names)


def backup_create(
    *,
    directory: Path | None = None,
    keep: int | None = None,
    alias: str = "default",
    now: datetime | None = None,
) -> BackupResult:
    """Write a verified backup of database `alias` into `directory` (default
    settings.SANXIN_BACKUP_DIR) and keep the newest `keep` (default
    settings.SANXIN_BACKUP_KEEP; 0 keeps all)."""
    directory = Path(directory or settings.SANXIN_BACKUP_DIR)
    keep = settings.SANXIN_BACKUP_KEEP if keep is None else keep
    if keep < 0:
        raise BackupError("--keep 不能为负数 / --keep cannot be negative")
    db = connections[alias].settings_dict
    vendor = _vendor(db)
    label = _database_label(db)
    created = (now or datetime.now(UTC)).astimezone(UTC)
    extension = _sqlite_extension() if vendor == "sqlite" else "dump"
    name = f"sanxin-{label}-{created.strftime(TIMESTAMP_FORMAT)}.{extension}"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = directory / name
    if final.exists():
        raise BackupError(f"同名备份已存在 / A backup of that name already exists: {final}")
    partial = final.with_name(final.name + ".partial")
    migrations = applied_migrations(alias)
    media_root = Path(settings.MEDIA_ROOT)
    referenced = referenced_media(alias)  # before the snapshot: see the module's docstring
    try:
        if vendor == "sqlite":
            with tempfile.TemporaryDirectory(prefix="sanxin-backup-", dir=directory) as scratch:
                snapshot = Path(scratch) / "snapshot.sqlite3"
                _sqlite_snapshot(alias, snapshot)
                with snapshot.open("rb") as raw, _open_compressed(partial, "wb") as packed:
                    shutil.copyfileobj(raw, packed, CHUNK)
        else:
            tool = pg_tool("pg_dump", _server_major(alias))
            _run_pg(
                [str(tool), "--format=custom", "--no-password", f"--file={partial}"],
                _pg_env(db),
                "pg_dump",
            )
        with partial.open("rb") as stream:
            os.fsync(stream.fileno())
        partial.chmod(0o600)
        digest = sha256_of(partial)
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    media = final.with_name(name + MEDIA_SUFFIX)
    media_partial = media.with_name(media.name + ".partial")
    try:
        _verify_file(final, vendor, digest, alias)
        archived = _media_archive(media_root, media_partial)
        media_partial.chmod(0o600)
        media_digest = sha256_of(media_partial)
        if _media_names(media_partial) != archived:
            raise BackupError("照片归档读回后不一致 / The media archive does not read back")
        os.replace(media_partial, media)
    except BaseException:
        for file in (final, media, media_partial):
            file.unlink(missing_ok=True)
        raise
    missing = sorted(n for n in referenced - archived if not (media_root / n).is_file())
    late = sorted(n for n in referenced - archived if (media_root / n).is_file())
    if late:  # cannot happen while files are written before their rows; say so if it does
        for file in (final, media):
            file.unlink(missing_ok=True)
        raise BackupError(
            f"照片归档缺少数据库引用的文件 {late[:3]}，请重试。"
            f" / The media archive lacks files the database names ({late[:3]}); retry."
        )
    for n in missing:
        logger.warning("the database names a file missing from the media directory: %s", n)
    manifest = {
        "file": name,
        "sha256": digest,
        "vendor": vendor,
        "database": label,
        "migrations": migrations,
        "media": {
            "file": media.name,
            "sha256": media_digest,
            "files": len(archived),
            "missing": missing,
        },
        "created_at": created.isoformat(),
        "sanxin_version": _sanxin_version(),
    }
    _write_atomically(
        final.with_name(name + ".json"),
        (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode(),
    )
    _write_atomically(
        final.with_name(name + ".sha256"),
        f"{digest}  {name}\n{media_digest}  {media.name}\n".encode(),
    )
    size = final.stat().st_size
    logger.info("backup written: %s (%s, %d bytes, sha256 %s)", final, vendor, size, digest)
    deleted: list[Path] = []
    if keep:
        for old in backups_in(directory, label)[:-keep]:
            for file in _companions(old):
                file.unlink(missing_ok=True)
            deleted.append(old)
            logger.info("old backup deleted (keeping %d): %s", keep, old)
    return BackupResult(
        path=final,
        sha256=digest,
        size=size,
        deleted=deleted,
        media=media,
        media_files=len(archived),
        missing=tuple(missing),
    )


# --- restore ------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of backup `path`, once its checksum has been verified against both
    the manifest and the .sha256 file."""
    if not path.is_file():
        raise BackupError(f"找不到备份文件 / No such backup file: {path}")
    manifest_path = path.with_name(path.name + ".json")
    sum_path = path.with_name(path.name + ".sha256")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        lines = sum_path.read_text(encoding="utf-8").split("\n")
        recorded = lines[0].split()[0]
        sums = dict(reversed(line.split(None, 1)) for line in lines if line.strip())
    except FileNotFoundError as exc:
        raise BackupError(
            f"备份旁缺少说明文件 {Path(exc.filename).name}，无法校验，未做任何改动。"
            f" / The backup's companion file {Path(exc.filename).name} is missing; "
            "it cannot be verified; nothing was changed."
        ) from None
    except (ValueError, IndexError):
        raise BackupError(
            "备份的说明文件无法读取，未做任何改动。 / The backup's manifest or checksum file "
            "cannot be read; nothing was changed."
        ) from None
    actual = sha256_of(path)
    if not (actual == recorded == manifest.get("sha256")):
        raise BackupError(
            "校验和不符：备份文件已损坏或被改动，拒绝恢复，未做任何改动。"
            f" / Checksum mismatch: the backup is damaged or altered; refused, nothing was "
            f"changed. (file {actual}, recorded {recorded})"
        )
    media = manifest.get("media")
    if media:
        archive = path.with_name(media["file"])
        if not archive.is_file():
            raise BackupError(
                f"备份旁缺少照片归档 {archive.name}，无法恢复照片，未做任何改动。"
                f" / The backup's media archive {archive.name} is missing; nothing was changed."
            )
        actual = sha256_of(archive)
        if not (actual == media.get("sha256") == sums.get(archive.name)):
            raise BackupError(
                "照片归档的校验和不符：已损坏或被改动，拒绝恢复，未做任何改动。"
                " / Checksum mismatch in the media archive: damaged or altered; refused, "
                f"nothing was changed. (file {actual}, recorded {media.get('sha256')})"
            )
    return manifest  # type: ignore[no-any-return]


def _sqlite_rows_anywhere(path: Path) -> list[str]:
    """The tables of the SQLite database at `path` that hold rows."""
    if not path.exists() or path.stat().st_size == 0:
        return []
    check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in check.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return [
            table
            for table in tables
            if check.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is not None
        ]
    finally:
        check.close()


def _pg_connect(db: Mapping[str, Any]) -> Any:
    import psycopg

    options = db.get("OPTIONS") or {}
    return psycopg.connect(
        dbname=db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        **{k: v for k, v in options.items() if k in {"sslmode", "sslrootcert"}},
    )


def _pg_tables(db: Mapping[str, Any]) -> tuple[list[str], int]:
    """The tables of the PostgreSQL database (outside the system schemas) and its
    server version number."""
    with _pg_connect(db) as conn:
        tables = [
            f"{schema}.{name}"
            for schema, name in conn.execute(
                "SELECT schemaname, tablename FROM pg_tables"
                " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            )
        ]
        return tables, conn.info.server_version


def backup_restore(
    path: Path, *, db: Mapping[str, Any], media_root: Path | None = None
) -> dict[str, Any]:
    """Restore backup `path` into the (empty) database described by `db` (a Django
    DATABASES entry) and its media archive into `media_root` (default MEDIA_ROOT; it
    must be empty or absent). Both checksums are verified and both targets checked
    before anything is written. Returns the manifest (a backup made before media were
    included has no "media" key: only the database is restored)."""
    path = Path(path)
    manifest = read_manifest(path)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    media = manifest.get("media")
    if media:
        _media_names(path.with_name(media["file"]))
        if media_root.is_dir() and any(media_root.iterdir()):
            raise BackupError(
                f"照片目录 {media_root} 不是空的，拒绝恢复，未做任何改动。"
                f" / The media directory {media_root} is not empty; refused, nothing was "
                "changed."
            )
    vendor = _vendor(db)
    if manifest.get("vendor") != vendor:
        raise BackupError(
            f"备份来自 {manifest.get('vendor')} 数据库，当前配置的是 {vendor}，拒绝恢复。"
            f" / The backup is of a {manifest.get('vendor')} database and the configured one "
            f"is {vendor}; refused."
        )
    newer = unknown_migrations(manifest.get("migrations") or [])
    if newer:
        raise BackupError(
            "这个备份来自更新版本的三信（含本程序没有的数据库迁移），请先升级程序再恢复。"
            f" / The backup was made by a newer Sanxin (migrations this code lacks: "
            f"{', '.join(newer[:5])}); upgrade first."
        )
    if vendor == "sqlite":
        _restore_sqlite(path, Path(str(db["NAME"])))
    else:
        _restore_pg(path, db)
    logger.info("backup restored: %s into %s database %s", path, vendor, db["NAME"])
    if media:
        count = _restore_media(path.with_name(media["file"]), media_root)
        logger.info("media restored: %d files into %s", count, media_root)
    return manifest


def _refuse_not_empty(tables: list[str], where: str) -> None:
    if tables:
        raise BackupError(
            f"目标数据库不是空的（{where}：{', '.join(tables[:5])}…），拒绝恢复，未做任何改动。"
            "恢复只写入空数据库：请先指向一个新的空数据库。"
            f" / The target database is not empty ({where}: {', '.join(tables[:5])}); "
            "refused, nothing was changed. Restore only writes into an empty database."
        )


def _restore_sqlite(path: Path, target: Path) -> None:
    if str(target) in {"", ":memory:"} or str(target).startswith("file:"):
        raise BackupError(f"不能恢复到这个 SQLite 数据库 / Cannot restore into {target}")
    _refuse_not_empty(_sqlite_rows_anywhere(target), "有数据的表 / tables with rows")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    scratch = target.with_name(target.name + ".restore.partial")
    try:
        _decompress(path, scratch)
        scratch.chmod(0o600)
        _sqlite_check(scratch)
        # The empty database's write-ahead log must not be applied to the restored file.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(scratch, target)
    finally:
        scratch.unlink(missing_ok=True)


def _restore_pg(path: Path, db: Mapping[str, Any]) -> None:
    tables, server_version = _pg_tables(db)
    _refuse_not_empty(tables, "已有的表 / existing tables")
    tool = pg_tool("pg_restore", _major(server_version))
    _run_pg(
        [
            str(tool),
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={db['NAME']}",
            str(path),
        ],
        _pg_env(db),
        "pg_restore",
    )


# --- keys ---------------------------------------------------------------------------


def keys_write(directory: Path, *, now: datetime | None = None) -> Path:
    """Write the secret key, its fallbacks and the data keys into a new file (owner
    only) in `directory`, in the environment-file form the service reads."""
    directory = Path(directory)
    backups = Path(settings.SANXIN_BACKUP_DIR).resolve()
    if directory.resolve() == backups or backups in directory.resolve().parents:
        raise BackupError(
            "密钥不能和数据库备份放在一起：请另选一个目录（最好在另一台设备上）。"
            " / Keys must not be kept with the database backups: choose another directory."
        )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    created = (now or datetime.now(UTC)).astimezone(UTC)
    final = directory / f"sanxin-keys-{created.strftime(TIMESTAMP_FORMAT)}.env"
    if final.exists():
        raise BackupError(f"文件已存在 / File exists: {final}")
    lines = [
        f"# Sanxin keys, written {created.isoformat()}. Keep apart from the backups.",
        f"SANXIN_SECRET_KEY={settings.SECRET_KEY}",
        f"SANXIN_SECRET_KEY_FALLBACKS={','.join(settings.SECRET_KEY_FALLBACKS)}",
        f"SANXIN_DATA_KEY={','.join(settings.DATA_KEYS)}",
    ]
    partial = final.with_name(final.name + ".partial")
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(partial, final)
    logger.info("keys written to %s", final)
    return final
