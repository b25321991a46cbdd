"""`sanxin compute-cycles --district 双滦区 --period 2026 --cut-off 2026-11-20`:
open and compute the period's rating cycles of every village of a district at once.
A past period's cycles are opened only with `--history` (a re-run of history)."""

from __future__ import annotations

import time
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from sanxin.ratings.services.cycles import cycles_compute_district
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.scheme import GRADE_LABELS, GRADES


class Command(BaseCommand):
    help = "计算一个区所有村的评定周期（缺少的周期自动开启）"

    def add_arguments(self, parser):
        parser.add_argument("--district", required=True, help="区的名称或区划代码")
        parser.add_argument("--period", required=True, help="评定期，如 2026")
        parser.add_argument("--cut-off", required=True, help="积分截止日期，如 2026-11-20")
        parser.add_argument("--village", help="只计算这个村（名称）")
        parser.add_argument(
            "--history",
            action="store_true",
            help="重算以往评定期（结果只记入历史，不改变在用等级）",
        )

    def handle(self, *args, district, period, cut_off, village=None, history=False, **options):
        found = Region.objects.filter(
            Q(name=district) | Q(code=district), level=Level.DISTRICT
        ).first()
        if found is None:
            raise CommandError(f"没有找到区“{district}”")
        try:
            on = date.fromisoformat(cut_off)
        except ValueError:
            raise CommandError(f"截止日期“{cut_off}”应写成 2026-11-20 的格式") from None
        villages = None
        if village:
            villages = list(
                Region.objects.filter(
                    level=Level.VILLAGE, path__startswith=found.path, name=village
                )
            )
            if not villages:
                raise CommandError(f"{found.name}没有“{village}”")
        started = time.monotonic()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if done == total or now - last[0] >= 1:
                last[0] = now
                self.stderr.write(f"已计算 {done}/{total} 户（{now - started:.0f} 秒）")

        try:
            report = cycles_compute_district(
                district=found,
                period=period,
                cut_off=on,
                villages=villages,
                progress=progress,
                history=history,
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        order = list(reversed(GRADES))
        for cycle in report.cycles:
            grades = report.grades[cycle.pk]
            parts = "，".join(f"{GRADE_LABELS[g]} {grades[g]}" for g in order if grades[g])
            self.stdout.write(
                f"{cycle.village.name}（第 {cycle.current_run} 次计算）：共 {sum(grades.values())} 户；{parts or '无'}"
            )
        for cycle in report.skipped:
            self.stdout.write(f"{cycle.village.name}：已{cycle.get_state_display()}，未重新计算")
        self.stdout.write(
            f"合计 {report.households} 户，{len(report.cycles)} 个村，用时 {time.monotonic() - started:.1f} 秒"
        )
