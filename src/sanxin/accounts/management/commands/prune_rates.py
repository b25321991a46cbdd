"""`sanxin prune-rates`: delete the rate limits' counts of past minutes (the API's and
the pages'). The worker does the same with each heartbeat; this command is for a cron
job or a server without a running worker."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from sanxin.accounts.rates import prune


class Command(BaseCommand):
    help = "删除已过去的限流计数（开放接口和页面的，每人每分钟一行）"

    def handle(self, **options) -> None:
        count = prune(timezone.now())
        self.stdout.write(f"已删除 {count} 行过期的限流计数")
