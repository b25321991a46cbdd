"""`sanxin import-entries FILE --village NAME_OR_CODE --recorder USERNAME [--dry-run] [--json]`"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from sanxin.accounts.scope import scope_for
from sanxin.households.import_command import ImportCommand
from sanxin.ledger import entry_import
from sanxin.ledger.entry_import import EntryImportResult
from sanxin.lib.spreadsheet import Problem


class Command(ImportCommand):
    help = "导入纸质登记表中的积分记录（.xlsx 或 .csv）：先检查整个文件，没有任何问题才保存；导入的记录待评信团审核。"
    file_help = "积分记录表（.xlsx 或 .csv）"
    dry_run_help = "只检查并报告将会记录的积分，不保存"

    def add_actor_argument(self, parser) -> None:
        parser.add_argument(
            "--recorder", required=True, help="记录人：可以为该村（或其村民小组）记录积分的用户名"
        )

    def actor(self, options, village):
        return self._recorder(options["recorder"], village)

    def run_import(self, content, filename, village, *, actor, dry_run):
        return entry_import.import_entries(content, filename, village, actor=actor, dry_run=dry_run)

    def failed(self, problem, *, dry_run):
        return EntryImportResult(ok=False, dry_run=dry_run, errors=[problem])

    def _recorder(self, username: str, village):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            return None, Problem(
                None, "", _("找不到用户“%(name)s”（或该账号已停用）。") % {"name": username}
            )
        if not entry_import.import_villages(scope_for(user)).filter(pk=village.pk).exists():
            return None, Problem(
                None,
                "",
                _("用户“%(name)s”不能为%(village)s记录积分。")
                % {"name": username, "village": village.name},
            )
        return user, None

    def report_title(self) -> str:
        return _("积分记录导入：%(village)s，文件 %(file)s")

    def report_counts(self, result: EntryImportResult, *, dry_run: bool) -> str:
        head = _("试运行（没有保存）：将会记录") if result.dry_run else _("已导入：记录")
        return head + _(" %(n)d 条积分，涉及 %(h)d 户；均为待审核状态。") % {
            "n": result.created,
            "h": result.households,
        }
