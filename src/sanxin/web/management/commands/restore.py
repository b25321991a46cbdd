"""`sanxin restore FILE`: check a backup's checksum and restore it into the configured
database, which must be empty, and its uploaded files into MEDIA_ROOT, which must be
empty too (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from sanxin.web.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "从备份恢复数据库和照片：先核对校验和，只恢复到空数据库（没有任何数据的数据库）和空的照片目录，"
        "拒绝来自更新版本的备份。恢复前请先停止网站服务。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="备份文件（sanxin-…）")

    def handle(self, *args, file: Path, **options):
        db = dict(connections["default"].settings_dict)
        connections.close_all()
        try:
            manifest = backup_restore(file, db=db)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成 / Restored: {file} (made {manifest['created_at']}, "
                f"Sanxin {manifest['sanxin_version']}). 现在可以运行 sanxin migrate 然后启动服务。"
            )
        )
        media = manifest.get("media")
        if media:
            self.stdout.write(
                f"照片和上传的文件已恢复 / Uploaded files restored: {media['files']} files "
                f"into {settings.MEDIA_ROOT}"
            )
        else:
            self.stdout.write(
                "这个备份不含照片（旧版本的备份）：请把照片目录另行复制回来。"
                " / This backup holds no media (an older backup): copy the media directory back."
            )
