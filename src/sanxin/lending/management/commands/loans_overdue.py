"""`sanxin loans-overdue [--date 2026-11-25]`: the daily computation of days past due.
Every active loan's schedule and repayments give its days past due on the day (the
oldest instalment not fully paid, repayments allocated oldest first, interest before
principal); the overdue list reads the stored figure. Recording or importing a
repayment updates its loan at once. Run it once a day (cron or a systemd timer)."""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from sanxin.lending.services.repayments import overdue_refresh


class Command(BaseCommand):
    help = "计算每笔未结清贷款的逾期天数（每天运行一次）"

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="on", help="按这一天计算（默认今天），如 2026-11-25")

    def handle(self, *args, on=None, **options):
        today = None
        if on:
            try:
                today = date.fromisoformat(on)
            except ValueError:
                raise CommandError(f"日期“{on}”应写成 2026-11-25 的格式") from None
        started = time.perf_counter()
        checked, overdue = overdue_refresh(today=today)
        self.stdout.write(
            f"已计算 {checked} 笔未结清贷款的逾期天数，其中逾期 {overdue} 笔"
            f"（{time.perf_counter() - started:.1f} 秒）。"
        )
