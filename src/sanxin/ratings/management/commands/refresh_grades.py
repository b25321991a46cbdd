"""`sanxin refresh-grades [--district 双滦区] [--date 2026-11-25]`: the daily re-check
of grades in force (动态调整). Every household with a veto event or veto item
running or ended within the last days, or a dynamically adjusted grade, is
rechecked against the one rule (`ratings.standing`): a household whose veto has run
out gets its cycle grade back, one whose veto started is lowered, each with a
notification. Each household is rechecked in its own transaction, so one failure
leaves the others done. Run it once a day (cron or a systemd timer)."""

from __future__ import annotations

import logging
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from sanxin.ratings.services.standing import standing_refresh
from sanxin.ratings.standing import RECHECK_DAYS, households_to_recheck
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.scheme import GRADE_LABELS

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "复核动态调整过的等级：否决期满的农户恢复周期评定等级"

    def add_arguments(self, parser):
        parser.add_argument("--district", help="只复核这个区（名称或区划代码）")
        parser.add_argument("--date", dest="on", help="按这一天复核（默认今天），如 2026-11-25")
        parser.add_argument(
            "--days",
            type=int,
            default=RECHECK_DAYS,
            help=f"也复核最近多少天内期满的否决（默认 {RECHECK_DAYS}）",
        )

    def handle(self, *args, district=None, on=None, days=RECHECK_DAYS, **options):
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
        started = time.perf_counter()
        households = list(households_to_recheck(path, today=today, days=days))
        changed, failed = 0, 0
        for household in households:
            try:
                record = standing_refresh(household=household, actor=None, today=today)
            except Exception as exc:  # one household's problem must not stop the others
                failed += 1
                self.stderr.write(
                    f"{household.village.name} {household.number}号户：复核失败（{exc}）"
                )
                continue
            if record is not None:
                changed += 1
                self.stdout.write(
                    f"{household.village.name} {household.number}号户：{GRADE_LABELS[record.grade]}（{record.reason}）"
                )
        self.stdout.write(f"复核 {len(households)} 户，{changed} 户等级变化")
        logger.info(
            "refresh-grades: %d households rechecked, %d changed, %d failed in %.2f s",
            len(households), changed, failed, time.perf_counter() - started,
        )  # fmt: skip
        if failed:
            raise CommandError(f"{failed} 户复核失败，见上")
