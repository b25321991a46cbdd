"""`sanxin import-credit FILE --village NAME_OR_CODE --officer USERNAME [--dry-run] [--json]`"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sanxin.accounts.choices import Role
from sanxin.accounts.scope import Perm, scope_for
from sanxin.households.importing import Problem, safe_filename
from sanxin.ledger import credit_import
from sanxin.ledger.credit_import import CreditImportResult
from sanxin.regions.selectors import village_lookup


class Command(BaseCommand):
    help = "导入村“双基”信用评定表（.xlsx 或 .csv）：先检查整个文件，没有任何问题才保存。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="评定表文件（.xlsx 或 .csv）")
        parser.add_argument("--village", required=True, help="村名或 12 位区划代码")
        parser.add_argument(
            "--officer", required=True, help="录入人：管辖该村的信用社信贷员的用户名"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并报告将会录入的评定，不保存"
        )
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args, **options) -> None:
        as_json: bool = options["json"]
        dry_run: bool = options["dry_run"]
        path = Path(options["file"])
        village, problem = self._village(options["village"])
        officer = None
        if problem is None:
            officer, problem = self._officer(options["officer"], village)
        result: CreditImportResult
        if problem is not None:
            result = CreditImportResult(ok=False, errors=[problem])
        else:
            try:
                content = path.read_bytes()
            except OSError:
                result = CreditImportResult(
                    ok=False,
                    errors=[
                        Problem(
                            None,
                            "",
                            _("无法读取文件：%(path)s") % {"path": safe_filename(str(path))},
                        )
                    ],
                )
            else:
                result = credit_import.import_credit(
                    content, path.name, village, actor=officer, dry_run=dry_run
                )

        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            if not result.ok:
                raise SystemExit(1)
            return
        self._report(
            result,
            village_name=village.name if village else options["village"],
            filename=path.name,
            dry_run=dry_run,
        )
        if not result.ok:
            raise CommandError(
                _("发现 %(n)d 个问题，没有保存任何数据。") % {"n": len(result.errors)},
                returncode=1,
            )

    def _village(self, name_or_code: str):
        villages = list(village_lookup(name_or_code).select_related("parent")[:10])
        if not villages:
            return None, Problem(
                None,
                "",
                _("找不到村“%(name)s”。请填写村名或 12 位区划代码。") % {"name": name_or_code},
            )
        if len(villages) > 1:
            return None, Problem(
                None,
                "",
                _("有 %(n)d 个村叫“%(name)s”，请改用 12 位区划代码。")
                % {"n": len(villages), "name": name_or_code},
            )
        return villages[0], None

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

    def _report(
        self, result: CreditImportResult, *, village_name: str, filename: str, dry_run: bool
    ) -> None:
        write = self.stdout.write
        write(
            _("信用评定表导入：%(village)s，文件 %(file)s")
            % {"village": village_name, "file": safe_filename(filename)}
        )
        if result.ok:
            head = _("试运行（没有保存）：将会录入") if dry_run else _("已录入")
            write(head + _(" %(n)d 户的评定。") % {"n": result.created})
        for title, problems in ((_("提示"), result.warnings), (_("问题"), result.errors)):
            if problems:
                write(_("%(title)s（%(n)d 条）：") % {"title": title, "n": len(problems)})
                for p in problems:
                    write("  " + _line(p))


def _line(problem: Problem) -> str:
    where = _("第 %(row)d 行") % {"row": problem.row} if problem.row else _("文件")
    column = f"［{problem.field}］" if problem.field else ""
    return f"{where}{column}：{problem.message}"
