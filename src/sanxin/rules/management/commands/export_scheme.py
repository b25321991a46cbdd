"""`sanxin export-scheme --district NAME_OR_CODE [--version V] [-o FILE]`"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules import selectors
from sanxin.rules.scheme import scheme_to_json


def district_lookup(name_or_code: str) -> Region:
    """The one district with this name or 12-digit code; CommandError otherwise."""
    found = list(
        Region.objects.filter(Q(name=name_or_code) | Q(code=name_or_code), level=Level.DISTRICT)[:2]
    )
    if not found:
        raise CommandError(f"找不到区“{name_or_code}”。请填写区名或 12 位区划代码。")
    if len(found) > 1:
        raise CommandError(f"有多个区叫“{name_or_code}”，请改用 12 位区划代码。")
    return found[0]


class Command(BaseCommand):
    help = "把区级评分方案的一个版本导出为可读的 JSON 文件（默认：今天生效的版本）。"

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version` here names the scheme version, replacing Django's own --version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument("--district", required=True, help="区名或 12 位区划代码")
        parser.add_argument(
            "--version",
            dest="scheme_version",
            help="版本号（默认：今天生效的版本，没有则为最新版本）",
        )
        parser.add_argument("-o", "--output", help="输出文件（默认：标准输出）")

    def handle(self, *args, **options) -> None:
        district = district_lookup(options["district"])
        versions = selectors.district_versions(district.pk)
        wanted = options["scheme_version"]
        if wanted:
            version = versions.filter(version=wanted).first()
            if version is None:
                raise CommandError(f"{district.name}没有版本“{wanted}”。")
        else:
            version = (
                selectors.district_version_in_force(district.pk, timezone.localdate())
                or versions.first()
            )
            if version is None:
                raise CommandError(f"{district.name}还没有发布评分方案。")
        scheme = version.scheme
        if scheme.effective_from != version.effective_from:
            scheme = replace(scheme, effective_from=version.effective_from)
        text = scheme_to_json(scheme)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(
                f"已导出 {district.name} {version.name} {version.version} → {options['output']}"
            )
        else:
            self.stdout.write(text, ending="")
