"""`sanxin refresh-grades [--district 双滦区] [--date 2026-11-25]`: the daily re-check
of dynamically adjusted grades (动态调整). A household whose veto or direct-grading
period has run out gets its cycle grade back, with a notification. Run it once a
day (cron or a systemd timer)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from sanxin.ratings.standing import households_to_recheck, standings_refresh
from sanxin.regions.models import Level, Region
from sanxin.rules.scheme import GRADE_LABELS


class Command(BaseCommand):
    help = "复核动态调整过的等级：否决期满的农户恢复周期评定等级"

    def add_arguments(self, parser):
        parser.add_argument("--district", help="只复核这个区（名称或区划代码）")
        parser.add_argument("--date", dest="on", help="按这一天复核（默认今天），如 2026-11-25")

    def handle(self, *args, district=None, on=None, **options):
        path = ""
        if district:
            found = Region.objects.filter(
                Q(name=district) | Q(code=district), level=Level.DISTRICT
            ).first()
            if found is None:
                raise CommandError(f"没有找到区“{district}”")
            path = found.path
        today = None
        if on:
            try:
                today = date.fromisoformat(on)
            except ValueError:
                raise CommandError(f"日期“{on}”应写成 2026-11-25 的格式") from None
        households = list(households_to_recheck(path))
        changed = standings_refresh(households=households, actor="系统", today=today)
        for record in changed:
            self.stdout.write(
                f"{record.household_id}: {GRADE_LABELS[record.grade]}（{record.reason}）"
            )
        self.stdout.write(f"复核 {len(households)} 户，{len(changed)} 户等级变化")
