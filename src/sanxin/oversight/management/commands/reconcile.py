"""`sanxin reconcile [--district 代码或名称] [--only wallet,stock]`: check that the
ledgers agree with themselves (sanxin/oversight/reconcile.py: each check one SQL
statement over whole tables). One line per check with the number of discrepancies
and the first few ids; the exit status is non-zero when any check finds one. Run it
nightly and after every restore (docs/backup.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from sanxin.oversight.reconcile import Result, reconcile
from sanxin.regions.choices import Level
from sanxin.regions.models import Region


class Command(BaseCommand):
    help = (
        "对账：核对积分记录与待审核表、钱包余额与流水、库存与库存流水、兑换与撤销、"
        "贷款与还款是否一致；发现不一致时以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--district", help="只核对这个区（区划代码或名称）")
        parser.add_argument(
            "--only",
            help="只运行名称以这些前缀开头的检查，逗号分隔，如 wallet,stock,sqlite",
        )

    def handle(self, *args, district=None, only=None, **options):
        region = None
        if district:
            region = Region.objects.filter(
                Q(code=district) | Q(name=district), level=Level.DISTRICT
            ).first()
            if region is None:
                raise CommandError(f"找不到区“{district}” / no district {district!r}")
        prefixes = [p.strip() for p in (only or "").split(",") if p.strip()]

        def show(result: Result) -> None:
            style = self.style.SUCCESS if result.ok else self.style.ERROR
            self.stdout.write(style(result.line()))

        results = reconcile(district=region, only=prefixes, each=show)
        if not results:
            raise CommandError(f"没有名称以 {only} 开头的检查 / no check matches {only!r}")
        bad = [r for r in results if not r.ok]
        where = f"（{region.name}）" if region else ""
        if bad:
            total = sum(r.count for r in bad)
            raise CommandError(
                f"对账{where}发现 {len(bad)} 项检查共 {total} 处不一致 / reconciliation "
                f"found {total} discrepancies in {len(bad)} of {len(results)} checks"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"对账{where}通过：{len(results)} 项检查全部一致 / reconciliation passed: "
                f"{len(results)} checks"
            )
        )
