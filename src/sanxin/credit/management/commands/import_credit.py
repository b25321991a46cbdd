"""`sanxin import-credit FILE --village NAME_OR_CODE --officer USERNAME [--dry-run] [--json]`"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from sanxin.accounts.choices import Role
from sanxin.accounts.scope import Perm, scope_for
from sanxin.credit import importing
from sanxin.credit.importing import CreditImportResult
from sanxin.households.import_command import ImportCommand
from sanxin.lib.spreadsheet import Problem


class Command(ImportCommand):
    help = "导入村“双基”信用评定表（.xlsx 或 .csv）：先检查整个文件，没有任何问题才保存。"
    file_help = "评定表文件（.xlsx 或 .csv）"
    dry_run_help = "只检查并报告将会录入的评定，不保存"

    def add_actor_argument(self, parser) -> None:
        parser.add_argument(
            "--officer", required=True, help="录入人：管辖该村的信用社信贷员的用户名"
        )

    def actor(self, options, village):
        return self._officer(options["officer"], village)

    def run_import(self, content, filename, village, *, actor, dry_run):
        return importing.import_credit(content, filename, village, actor=actor, dry_run=dry_run)

    def failed(self, problem, *, dry_run):
        return CreditImportResult(ok=False, errors=[problem])

    def _officer(self, username: str, village):
        """The actor: an active credit officer whose scope covers the village."""
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            return None, Problem(
                None, "", _("找不到用户“%(name)s”（或该用户已停用）。") % {"name": username}
            )
        scope = scope_for(user)
        if Role.CREDIT_OFFICER not in scope.roles:
            return None, Problem(
                None, "", _("用户“%(name)s”不是信用社信贷员。") % {"name": username}
            )
        if not scope.covers_region(village, Perm.RECORD_CREDIT):
            return None, Problem(
                None,
                "",
                _("用户“%(name)s”的管辖范围不包括%(village)s。")
                % {"name": username, "village": village.name},
            )
        return user, None

    def report_title(self) -> str:
        return _("信用评定表导入：%(village)s，文件 %(file)s")

    def report_counts(self, result: CreditImportResult, *, dry_run: bool) -> str:
        head = _("试运行（没有保存）：将会录入") if dry_run else _("已录入")
        return head + _(" %(n)d 户的评定。") % {"n": result.created}
