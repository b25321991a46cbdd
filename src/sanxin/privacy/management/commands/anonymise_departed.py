"""Anonymise the people of households that left the register longer ago than the
retention period (SANXIN_DEPARTED_RETENTION_YEARS). Run it daily (cron or a systemd
timer); it does nothing for people already anonymised."""

from django.core.management.base import BaseCommand

from sanxin.privacy.services import departed_anonymise
from sanxin.regions.choices import Level
from sanxin.regions.models import Region


class Command(BaseCommand):
    help = "匿名化离册满保存期限的人员（保留积分、评定等记录，删除姓名、身份证号、电话等）"

    def handle(self, *args, **options):
        # District by district, each in its own transaction (docs/scaling.md).
        count = sum(
            departed_anonymise(district=district)
            for district in Region.objects.filter(level=Level.DISTRICT).order_by("pk")
        )
        self.stdout.write(f"已匿名化 {count} 人")
