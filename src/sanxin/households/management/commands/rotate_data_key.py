"""`sanxin rotate-data-key [--batch-size N]`: after putting a new key first in
SANXIN_DATA_KEY (`new,old`), rewrite every encrypted value and keyed look-up hash
under it; then `old` can be dropped. Steps: docs/guide.md ("更换数据密钥")."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sanxin.households.rotation import data_key_rotate


class Command(BaseCommand):
    help = (
        "用 SANXIN_DATA_KEY 中的第一个密钥重新加密所有身份证号、待确认的上传文件和手机验证器密钥，"
        "并重算查询索引；完成后即可去掉旧密钥。可以中断后重新运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="每批处理的人数")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size 至少为 1")
        keys = settings.DATA_KEYS
        if len(keys) == 1:
            self.stdout.write("SANXIN_DATA_KEY 只有一个密钥：将用它重写所有数据（不换密钥）。")
        else:
            self.stdout.write(
                f"SANXIN_DATA_KEY 有 {len(keys)} 个密钥：全部数据将改用第一个密钥加密和索引。"
            )
        counts = data_key_rotate(
            batch_size=batch_size, progress=lambda line: self.stdout.write(line)
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：{counts['people']} 人的身份证号、{counts['uploads']} 个上传文件、"
                f"{counts['authenticators']} 个手机验证器密钥已改用第一个密钥。"
                "现在可以从 SANXIN_DATA_KEY 中去掉其余密钥并重启服务。"
            )
        )
