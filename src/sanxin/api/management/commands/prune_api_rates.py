"""`sanxin prune-api-rates`: delete the API's rate-limit counts of past minutes. The
worker does the same with each heartbeat; this command is for a cron job or a server
without a running worker."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from sanxin.api.rates import prune


class Command(BaseCommand):
    help = "删除开放接口已过去的限流计数（每分钟一行）"

    def handle(self, **options) -> None:
        count = prune(timezone.now())
        self.stdout.write(f"已删除 {count} 行过期的限流计数")
