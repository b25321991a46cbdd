"""What the spreadsheet import commands (import-roster, import-credit,
import-entries) share: the FILE / --village / --dry-run / --json arguments, finding
the village, reading the file, and the output: one JSON object with exit status 1
on failure, or a plain report ending in a CommandError (exit status 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sanxin.lib import sheet_reader
from sanxin.lib.spreadsheet import Problem, safe_filename
from sanxin.regions.models import Region
from sanxin.regions.selectors import village_lookup


class ImportCommand(BaseCommand):
    """Subclasses set `file_help` and `dry_run_help` and implement `run_import`,
    `failed`, `report_title` and `report_counts`; one acting for someone adds the
    argument in `add_actor_argument` and checks it in `actor`."""

    file_help = ""
    dry_run_help = ""

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help=self.file_help)
        parser.add_argument("--village", required=True, help="村名或 12 位区划代码")
        self.add_actor_argument(parser)
        parser.add_argument("--dry-run", action="store_true", help=self.dry_run_help)
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def add_actor_argument(self, parser) -> None:
        pass

    def actor(self, options: dict[str, Any], village: Region) -> tuple[Any, Problem | None]:
        """(the user the import acts as, or None for the system; a problem)."""
        return None, None

    def run_import(self, content: bytes, filename: str, village: Region, *, actor, dry_run: bool):
        raise NotImplementedError

    def failed(self, problem: Problem, *, dry_run: bool):
        """The result for a problem found before the file is read."""
        raise NotImplementedError

    def report_title(self) -> str:
        """With %(village)s and %(file)s."""
        raise NotImplementedError

    def report_counts(self, result, *, dry_run: bool) -> str:
        raise NotImplementedError

    def handle(self, *args, **options) -> None:
        as_json: bool = options["json"]
        dry_run: bool = options["dry_run"]
        path = Path(options["file"])
        village, problem = find_village(options["village"])
        actor = None
        if problem is None:
            actor, problem = self.actor(options, village)
        if problem is None:
            try:
                sheet_reader.check_size(path.stat().st_size, sheet_reader.Limits.from_settings())
                content = path.read_bytes()
            except sheet_reader.UnreadableFile as exc:
                problem = Problem(None, "", str(exc))
            except OSError:
                problem = Problem(
                    None, "", _("无法读取文件：%(path)s") % {"path": safe_filename(str(path))}
                )
        if problem is not None:
            result = self.failed(problem, dry_run=dry_run)
        else:
            result = self.run_import(content, path.name, village, actor=actor, dry_run=dry_run)

        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            if not result.ok:
                raise SystemExit(1)
            return
        write = self.stdout.write
        write(
            self.report_title()
            % {
                "village": village.name if village else options["village"],
                "file": safe_filename(path.name),
            }
        )
        if result.ok:
            write(self.report_counts(result, dry_run=dry_run))
        for title, problems in ((_("提示"), result.warnings), (_("问题"), result.errors)):
            if problems:
                write(_("%(title)s（%(n)d 条）：") % {"title": title, "n": len(problems)})
                for p in problems:
                    write("  " + problem_line(p))
        if not result.ok:
            raise CommandError(
                _("发现 %(n)d 个问题，没有保存任何数据。") % {"n": len(result.errors)}, returncode=1
            )


def find_village(name_or_code: str) -> tuple[Region | None, Problem | None]:
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


def problem_line(problem: Problem) -> str:
    where = _("第 %(row)d 行") % {"row": problem.row} if problem.row else _("文件")
    column = f"［{problem.field}］" if problem.field else ""
    return f"{where}{column}：{problem.message}"
