"""`sanxin restore FILE`: check a backup's checksum and restore it into the configured
database, which must be empty, and its uploaded files into MEDIA_ROOT, which must be
empty too (docs/backup.md). Then it reconciles the restored ledgers (`sanxin
reconcile`) when the restored database needs no migration — a backup made by this
version; an older one's schema is migrated first (`sanxin migrate`), and the command
says to reconcile after. A discrepancy ends it with a non-zero status: the restore
is done, and the reconciliation's lines say what disagrees."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from sanxin.web.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "从备份恢复数据库和照片：先核对校验和，只恢复到空数据库（没有任何数据的数据库）和空的照片目录，"
        "拒绝来自更新版本的备份。恢复前请先停止网站服务。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="备份文件（sanxin-…）")
        parser.add_argument(
            "--no-reconcile",
            action="store_true",
            help="恢复后不对账（稍后自己运行 sanxin reconcile）",
        )

    def handle(self, *args, file: Path, no_reconcile: bool = False, **options):
        db = dict(connections["default"].settings_dict)
        connections.close_all()
        try:
            manifest = backup_restore(file, db=db)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成 / Restored: {file} (made {manifest['created_at']}, "
                f"Sanxin {manifest['sanxin_version']})."
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
        self._reconcile(skip=no_reconcile)

    def _reconcile(self, *, skip: bool) -> None:
        executor = MigrationExecutor(connections["default"])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write(
                "这个备份来自旧版本：请先运行 sanxin migrate，再运行 sanxin reconcile 对账，然后启动服务。"
                " / An older backup: run `sanxin migrate`, then `sanxin reconcile`, then start."
            )
            return
        if skip:
            self.stdout.write("没有对账：启动服务前请运行 sanxin reconcile。 / Not reconciled.")
            return
        self.stdout.write("对账 / Reconciling the restored ledgers:")
        try:
            call_command("reconcile", stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            raise CommandError(
                f"恢复已完成，但对账发现不一致，请先查明原因再启动服务。 / Restored, but the "
                f"reconciliation failed: {exc}"
            ) from None
