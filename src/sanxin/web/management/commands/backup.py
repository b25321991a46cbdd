"""`sanxin backup [--dir DIR] [--keep N]`: a verified, compressed, timestamped backup of
the database and a tar of the uploaded files (MEDIA_ROOT) with their checksums and
manifest; keeps the newest N (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sanxin.web.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "备份数据库和照片等上传的文件：写出一个经过校验的压缩备份文件和照片归档 .media.tar"
        "（旁边附 .sha256 校验和与 .json 说明），"
        "只保留最新的 N 个。密钥不在数据库里，请另用 sanxin backup-keys 备份。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            help=f"备份目录（默认 SANXIN_BACKUP_DIR：{settings.SANXIN_BACKUP_DIR}）",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help=f"保留最新的几个备份，0 表示全部保留（默认 SANXIN_BACKUP_KEEP：{settings.SANXIN_BACKUP_KEEP}）",
        )

    def handle(self, *args, dir: Path | None, keep: int | None, **options):
        try:
            result = backup_create(directory=dir, keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成 / Backup written: {result.path} ({result.size} bytes, "
                f"sha256 {result.sha256})"
            )
        )
        if result.media is not None:
            self.stdout.write(
                f"照片和上传的文件 / Uploaded files: {result.media} ({result.media_files} files)"
            )
        for name in result.missing:
            self.stderr.write(
                f"数据库引用的文件在照片目录里不存在 / A file the database names is missing "
                f"from the media directory: {name}"
            )
        for old in result.deleted:
            self.stdout.write(f"已删除旧备份 / Old backup deleted: {old}")
