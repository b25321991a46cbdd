"""`sanxin expire-points [--date 2026-01-01] [--all]`: the daily run of the points
supermarket's wallets. It expires what remains of the points whose last day has passed
(an expiry row per household, oldest points first; nothing is deleted), then tells
each household whose points end within its policy's notice period (30 days by
default), once per expiry date. Run it once a day, shortly after midnight (cron or a
systemd timer); it is idempotent, and a run that was missed is caught up by the next
(households whose points ended within the last 31 days are looked at; `--all` looks at
every household)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards.services.balances import points_text
from sanxin.rewards.services.wallets import wallet_expire, wallet_notify_expiring


class Command(BaseCommand):
    help = "积分过期处理：扣除已到期未使用的积分，并提醒即将过期的农户"

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="on", help="按这一天处理（默认今天），如 2027-01-01")
        parser.add_argument(
            "--all", dest="everyone", action="store_true", help="检查所有农户（默认只查近期到期的）"
        )

    def handle(self, *args, on=None, everyone=False, **options):
        today = timezone.localdate()
        if on:
            try:
                today = date.fromisoformat(on)
            except ValueError:
                raise CommandError(f"日期“{on}”无法识别，请写成 2027-01-01") from None
        # District by district: each run reads and writes one district's rows
        # (docs/scaling.md).
        households, points, told = 0, Decimal(0), 0
        for district in Region.objects.filter(level=Level.DISTRICT).order_by("pk"):
            expired = wallet_expire(today=today, everyone=everyone, district=district)
            households += expired.households
            points += expired.points
            told += wallet_notify_expiring(today=today, district=district)
        self.stdout.write(
            f"{today}：{households} 户共 {points_text(points)} 分积分过期，"
            f"{told} 户收到即将过期提醒"
        )
