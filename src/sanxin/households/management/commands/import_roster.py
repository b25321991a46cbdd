"""`sanxin import-roster FILE --village NAME_OR_CODE [--dry-run] [--json]`"""

from __future__ import annotations

from django.utils.translation import gettext as _

from sanxin.households import importing
from sanxin.households.import_command import ImportCommand
from sanxin.households.importing import ImportResult


class Command(ImportCommand):
    help = "导入村花名册（.xlsx 或 .csv）：先检查整个文件，没有任何问题才保存。"
    file_help = "花名册文件（.xlsx 或 .csv）"
    dry_run_help = "只检查并报告将会发生的变化，不保存"

    def run_import(self, content, filename, village, *, actor, dry_run):
        # actor None: the audit rows name the system as the actor.
        return importing.import_roster(content, filename, village, actor=None, dry_run=dry_run)

    def failed(self, problem, *, dry_run):
        return ImportResult(ok=False, errors=[problem])

    def report_title(self) -> str:
        return _("花名册导入：%(village)s，文件 %(file)s")

    def report_counts(self, result: ImportResult, *, dry_run: bool) -> str:
        head = _("试运行（没有保存）：将会") if dry_run else _("已导入：")
        return head + _(
            "新增农户 %(hc)d 户，更新农户 %(hu)d 户；新增人员 %(pc)d 人，更新人员 %(pu)d 人，无变化 %(un)d 人。"
        ) % {
            "hc": result.households_created,
            "hu": result.households_updated,
            "pc": result.people_created,
            "pu": result.people_updated,
            "un": result.unchanged,
        }
