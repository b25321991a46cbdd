"""`sanxin import-scheme FILE --district NAME_OR_CODE [--effective-from YYYY-MM-DD]`"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sanxin.rules import services
from sanxin.rules.management.commands.export_scheme import district_lookup


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期“{value}”的格式应为 YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "把评分方案文件（JSON）发布为区级新版本：逐项检查，有任何问题都不保存。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="方案文件（.json，UTF-8）")
        parser.add_argument("--district", required=True, help="区名或 12 位区划代码")
        parser.add_argument(
            "--effective-from", help="生效日期 YYYY-MM-DD（默认：文件中的生效日期）"
        )

    def handle(self, *args, **options) -> None:
        district = district_lookup(options["district"])
        effective = _date(options["effective_from"]) if options["effective_from"] else None
        try:
            content = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件：{options['file']}（{exc.strerror}）") from None
        try:
            # actor None: the audit row names the system as the actor.
            version = services.scheme_version_import(
                actor=None, district=district, content=content, effective_from=effective
            )
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(f"- {message}")
            raise CommandError(
                f"方案文件有 {len(exc.messages)} 个问题，没有保存任何内容。"
            ) from None
        self.stdout.write(
            f"已发布 {district.name} {version.name} 版本 {version.version}，{version.effective_from:%Y-%m-%d} 起生效。"
        )
