"""`sanxin backup-keys --to DIR`: write the secret and data keys to a file of their own,
to be kept apart from the database backups (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sanxin.web.backup import BackupError, keys_write


class Command(BaseCommand):
    help = (
        "备份密钥（SANXIN_SECRET_KEY、SANXIN_DATA_KEY）到单独的文件。没有数据密钥，"
        "数据库备份里的身份证号无法解密；密钥文件必须和数据库备份分开保管。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to", type=Path, required=True, help="写入密钥文件的目录（不能是备份目录）"
        )

    def handle(self, *args, to: Path, **options):
        try:
            path = keys_write(to)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(
            self.style.WARNING(
                "警告：这个文件里是明文密钥。请把它拷到离线介质（如加密 U 盘）并锁好，"
                "不要和数据库备份放在同一处；拷走后从本机删除。"
                " / Warning: this file holds the keys in clear. Keep it offline and apart "
                "from the database backups."
            )
        )
        self.stdout.write(self.style.SUCCESS(f"密钥已写入 / Keys written: {path}"))
