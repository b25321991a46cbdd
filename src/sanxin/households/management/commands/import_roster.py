"""`sanxin import-roster FILE --village NAME_OR_CODE [--dry-run] [--json]`"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sanxin.households import importing
from sanxin.households.importing import ImportResult, Problem
from sanxin.regions.selectors import village_lookup


class Command(BaseCommand):
    help = "导入村花名册（.xlsx 或 .csv）：先检查整个文件，没有任何问题才保存。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="花名册文件（.xlsx 或 .csv）")
        parser.add_argument("--village", required=True, help="村名或 12 位区划代码")
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并报告将会发生的变化，不保存"
        )
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args, **options) -> None:
        as_json: bool = options["json"]
        dry_run: bool = options["dry_run"]
        path = Path(options["file"])
        village, problem = self._village(options["village"])
        result: ImportResult
        if problem is not None:
            result = ImportResult(ok=False, errors=[problem])
        else:
            try:
                content = path.read_bytes()
            except OSError:
                result = ImportResult(
                    ok=False,
                    errors=[
                        Problem(
                            None,
                            "",
                            _("无法读取文件：%(path)s")
                            % {"path": importing.safe_filename(str(path))},
                        )
                    ],
                )
            else:
                # actor None: the audit rows name the system as the actor.
                result = importing.import_roster(
                    content, path.name, village, actor=None, dry_run=dry_run
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
                _("发现 %(n)d 个问题，没有保存任何数据。") % {"n": len(result.errors)}, returncode=1
            )

    def _village(self, name_or_code: str):
        villages = list(village_lookup(name_or_code)[:10])
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

    def _report(
        self, result: ImportResult, *, village_name: str, filename: str, dry_run: bool
    ) -> None:
        write = self.stdout.write
        write(
            _("花名册导入：%(village)s，文件 %(file)s")
            % {"village": village_name, "file": importing.safe_filename(filename)}
        )
        if result.ok:
            head = _("试运行（没有保存）：将会") if dry_run else _("已导入：")
            write(
                head
                + _(
                    "新增农户 %(hc)d 户，更新农户 %(hu)d 户；新增人员 %(pc)d 人，更新人员 %(pu)d 人，无变化 %(un)d 人。"
                )
                % {
                    "hc": result.households_created,
                    "hu": result.households_updated,
                    "pc": result.people_created,
                    "pu": result.people_updated,
                    "un": result.unchanged,
                }
            )
        for title, problems in ((_("提示"), result.warnings), (_("问题"), result.errors)):
            if problems:
                write(_("%(title)s（%(n)d 条）：") % {"title": title, "n": len(problems)})
                for p in problems:
                    write("  " + _line(p))


def _line(problem: Problem) -> str:
    where = _("第 %(row)d 行") % {"row": problem.row} if problem.row else _("文件")
    column = f"［{problem.field}］" if problem.field else ""
    return f"{where}{column}：{problem.message}"
