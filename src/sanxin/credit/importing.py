"""The 双基 credit assessment import (信用评定表导入): a village's sheet of
assessments, one household and period a row, read, checked as a whole, then
recorded through `assessment_record`, all or nothing.

Columns: 户号, 评定期, 评定日期, one column per indicator of the scheme in force
(headed by the indicator's name, filled with an option label as the form shows it,
or the option code), and an optional 备注. The file is read with the shared
sheet reader (`sanxin.lib.spreadsheet`: .xlsx or .csv, bounded in size).

No HTTP here: `read_sheet` → `plan_credit_import` (writes nothing) →
`apply_credit_import`; `import_credit` does the three (the command, and the
apply job of `credit.jobs`); `check_credit` reads and plans (the check job). The indicator answers are
financial data: they never appear in a log line or an audit row.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, Scope, scope_for
from sanxin.audit.services import audit
from sanxin.credit.forms import points_text
from sanxin.credit.models import CreditAssessment
from sanxin.credit.periods import period_error
from sanxin.credit.services import AssessmentRefused, NewAssessment, assessments_record_many
from sanxin.households import importing as roster
from sanxin.households import pending_upload
from sanxin.households.models import Household, PendingImport
from sanxin.lib import spreadsheet
from sanxin.lib.spreadsheet import Problem, safe_filename
from sanxin.lib.spreadsheet import echo as _echo
from sanxin.lib.spreadsheet import text as _text
from sanxin.lib.text import clean_cell
from sanxin.regions.models import Region
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import CreditIndicator, Scheme
from sanxin.rules.selectors import SchemesOn

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

# The fixed column headers. They are the file format, not UI text.
NUMBER = "户号"
PERIOD = "评定期"
DATE = "评定日期"
NOTE = "备注"
FIXED_HEADERS: tuple[str, ...] = (NUMBER, PERIOD, DATE)
HEADER_SCAN_ROWS = spreadsheet.HEADER_SCAN_ROWS
MAX_NOTE = 300  # CreditAssessment.note

AUDIT_ACTION = "credit.import"
PROGRESS_ROWS = 200  # progress is told every this many rows
# Credit uploads share PendingImport with the roster import; the prefix keeps them apart.
TOKEN_PREFIX = "credit-"


# --- results ---------------------------------------------------------------------


@dataclass
class CreditImportResult(spreadsheet.Result):
    created: int = 0

    def figures(self) -> dict[str, Any]:
        return {"created": self.created}


# --- reading ---------------------------------------------------------------------


@dataclass
class CreditRow:
    number: int  # the row number Excel shows, 1-based
    cells: Sequence[Any]


@dataclass
class CreditSheet:
    filename: str
    header_row: int | None = None
    columns: dict[str, int] = field(default_factory=dict)  # normalised header -> column index
    labels: dict[str, str] = field(default_factory=dict)  # normalised header -> header as written
    rows: list[CreditRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def cell(self, row: CreditRow, column: int | None) -> Any:
        if column is None or column >= len(row.cells):
            return None
        return row.cells[column]


def _norm(value: Any) -> str:
    """Headers and option labels compare loosely: no whitespace, one kind of
    bracket, no "*" or "（必填）" marks."""
    text = re.sub(r"\s+", "", _text(value)).replace("(", "（").replace(")", "）")
    text = re.sub(r"（(必填|选填)）$", "", text)
    return text.strip("*＊")


def _without_bracket(text: str) -> str:
    return re.sub(r"（[^（）]*）$", "", text)


def read_sheet(content: bytes, filename: str) -> CreditSheet:
    """Read an .xlsx or .csv assessment sheet. Problems with the file itself come
    back as errors on the sheet (row None), never as exceptions."""
    sheet = CreditSheet(filename=safe_filename(filename))
    # As before, a workbook's sheet is picked by the roster header (else the first).
    grid = spreadsheet.read_grid_into(sheet, content, filename, pick_sheet=roster.has_header)
    if grid is None:
        return sheet
    header_index = spreadsheet.find_header_row(grid, (NUMBER, PERIOD), _norm)
    if header_index is None:
        sheet.errors.append(
            Problem(
                None,
                "",
                _("没有找到表头：前 %(n)d 行中没有同时包含“户号”“评定期”的一行。请使用导入模板。")
                % {"n": HEADER_SCAN_ROWS},
            )
        )
        return sheet
    sheet.header_row = header_index + 1
    for col, value in enumerate(grid[header_index]):
        name = _norm(value)
        if not name:
            continue
        if name in sheet.columns:
            sheet.errors.append(
                Problem(
                    sheet.header_row,
                    name,
                    _("表头“%(name)s”出现了两次，请删除其中一列。") % {"name": name},
                )
            )
            continue
        sheet.columns[name] = col
        sheet.labels[name] = _text(value)
    for index in range(header_index + 1, len(grid)):
        cells = grid[index]
        if all(_text(v) == "" for v in cells):
            continue  # fully empty rows are skipped
        sheet.rows.append(CreditRow(number=index + 1, cells=cells))
    return sheet


def _indicator_keys(ind: CreditIndicator, scheme: Scheme) -> list[str]:
    """The headers that name an indicator: its name, its code, and its name without
    a trailing bracketed remark when no other indicator shares that short name."""
    name = _norm(ind.name)
    keys = [name, ind.code]
    short = _without_bracket(name)
    others = [
        _without_bracket(_norm(i.name))
        for a in scheme.credit_areas
        for i in a.indicators
        if i.code != ind.code
    ]
    if short != name and short not in others:
        keys.append(short)
    return keys


def _indicator_column(sheet: CreditSheet, ind: CreditIndicator, scheme: Scheme) -> int | None:
    return next(
        (sheet.columns[k] for k in _indicator_keys(ind, scheme) if k in sheet.columns), None
    )


# --- values ------------------------------------------------------------------------

parse_date = spreadsheet.parse_date


def _option_key(value: Any) -> str:
    """An answer compared loosely; a trailing "（8分）" as the form shows it is dropped."""
    return re.sub(r"（\d+(\.\d+)?分）$", "", _norm(value))


def option_code(ind: CreditIndicator, value: Any) -> str | None:
    """The option code an answer names, by label (as in the form) or by code."""
    key = _option_key(value)
    for option in ind.options:
        if key == _option_key(option.label):
            return option.code
    for option in ind.options:
        if key.lower() == option.code.lower():
            return option.code
    return None


def _period_text(value: Any) -> str:
    text = _text(value)
    return text[:-1] if text.endswith("年") else text


# --- planning ----------------------------------------------------------------------
#
# `plan_credit_import` checks the file's columns, then each row in two steps: `parse_row`
# reads one row on its own into a `ParsedRow` (its period, date, answers and note, or
# the problems with them; no database beyond the cached scheme of the date), and the
# checks that need more than the row: the household's scope and recusal (`_Reach`),
# the same household and period twice in the file or already assessed (`_Duplicates`).


@dataclass
class RowPlan:
    row: int
    household: Household
    period: str
    assessed_on: date
    answers: dict[str, str]
    note: str


@dataclass
class CreditPlan(spreadsheet.Plan):
    rows: list[RowPlan] = field(default_factory=list)

    def result(self) -> CreditImportResult:
        return CreditImportResult(
            ok=self.ok,
            created=len(self.rows) if self.ok else 0,
            errors=list(self.errors),
            warnings=list(self.warnings),
        )


@dataclass
class ParsedRow:
    """One row read on its own: `period` is "" and `assessed_on` None when unusable."""

    number: int
    period: str
    assessed_on: date | None
    answers: dict[str, str]
    note: str
    problems: list[Problem]


def parse_row(
    sheet: CreditSheet,
    r: CreditRow,
    *,
    header_scheme: Scheme,
    schemes_on: Callable[[date], SchemeVersion | None],
    today: date,
) -> ParsedRow:
    """Read one row: the period, the assessment date (and so the scheme its answers
    follow), each indicator's answer and the note."""
    n = r.number
    problems: list[Problem] = []
    period = _row_period(sheet.cell(r, sheet.columns[PERIOD]), n, problems, today)
    raw_date = sheet.cell(r, sheet.columns[DATE])
    assessed_on = parse_date(raw_date)
    version = _row_version(raw_date, assessed_on, n, problems, schemes_on, today)
    scheme = version.scheme if version is not None else header_scheme
    answers = _row_answers(sheet, r, scheme, assessed_on, problems)
    note = _row_note(sheet.cell(r, sheet.columns.get(NOTE)), n, problems)
    return ParsedRow(n, period, assessed_on, answers, note, problems)


def _row_period(value: Any, n: int, problems: list[Problem], today: date) -> str:
    period = _period_text(value)
    if not period:
        problems.append(Problem(n, PERIOD, _("评定期为空，请填写四位年份，如 2025。")))
        return ""
    if (reason := period_error(period, today)) is not None:
        problems.append(Problem(n, PERIOD, f"{reason}（填写的是“{_echo(period)}”）。"))
        return ""
    return period


def _row_version(
    raw_date: Any,
    assessed_on: date | None,
    n: int,
    problems: list[Problem],
    schemes_on: Callable[[date], SchemeVersion | None],
    today: date,
) -> SchemeVersion | None:
    """The scheme version in force on the row's date; None (with the reason) when
    the date is missing, unreadable, in the future or before any scheme."""
    if _text(raw_date) == "":
        problems.append(Problem(n, DATE, _("评定日期为空。")))
    elif assessed_on is None:
        problems.append(
            Problem(
                n,
                DATE,
                _("无法识别的日期“%(value)s”，请填写如 2025-03-01。") % {"value": _echo(raw_date)},
            )
        )
    elif assessed_on > today:
        problems.append(
            Problem(
                n, DATE, _("评定日期 %(date)s 在今天之后。") % {"date": assessed_on.isoformat()}
            )
        )
    else:
        version = schemes_on(assessed_on)
        if version is None:
            problems.append(
                Problem(
                    n,
                    DATE,
                    _("%(date)s 本村还没有生效的评分方案。") % {"date": assessed_on.isoformat()},
                )
            )
        return version
    return None


def _row_answers(
    sheet: CreditSheet,
    r: CreditRow,
    scheme: Scheme,
    assessed_on: date | None,
    problems: list[Problem],
) -> dict[str, str]:
    """{indicator code: option code} for every indicator answered with a known option."""
    n = r.number
    answers: dict[str, str] = {}
    for area in scheme.credit_areas:
        for ind in area.indicators:
            column = _indicator_column(sheet, ind, scheme)
            if column is None:
                problems.append(
                    Problem(
                        n,
                        ind.name,
                        _("%(date)s 生效的评分方案有指标“%(name)s”，但文件中没有这一列。")
                        % {"date": assessed_on, "name": ind.name},
                    )
                )
                continue
            raw = sheet.cell(r, column)
            if _text(raw) == "":
                problems.append(
                    Problem(n, ind.name, _("“%(name)s”没有填写。") % {"name": ind.name})
                )
                continue
            code = option_code(ind, raw)
            if code is None:
                problems.append(
                    Problem(
                        n,
                        ind.name,
                        _("“%(name)s”没有选项“%(value)s”；可填：%(allowed)s。")
                        % {
                            "name": ind.name,
                            "value": _echo(raw),
                            "allowed": "、".join(o.label for o in ind.options),
                        },
                    )
                )
                continue
            answers[ind.code] = code
    return answers


def _row_note(value: Any, n: int, problems: list[Problem]) -> str:
    note, refused = clean_cell(value, NOTE)
    note = _text(note)
    if refused is not None:
        problems.append(Problem(n, NOTE, refused))
    if len(note) > MAX_NOTE:
        problems.append(Problem(n, NOTE, _("备注太长（最多 %(max)d 个字）。") % {"max": MAX_NOTE}))
    return note


class _Reach:
    """The village's households the actor may assess: in their scope, not their own."""

    def __init__(self, village: Region, scope: Scope):
        self.households = roster.HouseholdIndex(village)
        self.in_scope = set(
            scope.households(Perm.RECORD_CREDIT)
            .filter(village=village)
            .values_list("pk", flat=True)
        )
        self.own = scope.own_household_ids()

    def household(self, number: str, n: int, problems: list[Problem]) -> Household | None:
        """The household a row names, or None with the reason on `problems`."""
        household = self.households.row_household(number, n, problems)
        if household is not None and household.pk not in self.in_scope:
            problems.append(
                Problem(
                    n,
                    NUMBER,
                    _("%(number)s 号户不在您的管辖范围内，不能为其录入评定。")
                    % {"number": household.number},
                )
            )
            return None
        if household is not None and household.pk in self.own:
            problems.append(
                Problem(
                    n,
                    NUMBER,
                    _("%(number)s 号户是您本人的家庭，不能为其录入评定，请回避。")
                    % {"number": household.number},
                )
            )
            return None
        return household


class _Duplicates:
    """One assessment per household and period: not twice in the file, and not where
    the household already has one for the period (a correction is made on the web)."""

    def __init__(self, sheet: CreditSheet, village: Region):
        periods = {_period_text(sheet.cell(r, sheet.columns[PERIOD])) for r in sheet.rows}
        self.existing = set(
            CreditAssessment.objects.filter(
                household__village=village, period__in=periods, superseded_by__isnull=True
            ).values_list("household_id", "period")
        )
        self.seen: dict[tuple[int, str], int] = {}  # (household, period) -> first row

    def check(self, household: Household, period: str, n: int, problems: list[Problem]) -> None:
        key = (household.pk, period)
        if key in self.seen:
            problems.append(
                Problem(
                    n,
                    NUMBER,
                    _("与第 %(row)d 行重复：%(number)s 号户 %(period)s 年在文件中出现了两次。")
                    % {"row": self.seen[key], "number": household.number, "period": period},
                )
            )
            return
        self.seen[key] = n
        if key in self.existing:
            problems.append(Problem(n, PERIOD, _("该户本期已有评定，请在网页上更正。")))


def _check_columns(plan: CreditPlan, sheet: CreditSheet, scheme: Scheme) -> bool:
    """Every required column present (else an error and False); anything unknown is
    ignored with a warning."""
    missing = [h for h in FIXED_HEADERS if h not in sheet.columns]
    missing += [
        ind.name
        for area in scheme.credit_areas
        for ind in area.indicators
        if _indicator_column(sheet, ind, scheme) is None
    ]
    if missing:
        plan.errors.append(spreadsheet.missing_columns(sheet.header_row, missing))
        return False
    known = {*FIXED_HEADERS, NOTE}
    for area in scheme.credit_areas:
        for ind in area.indicators:
            known.update(_indicator_keys(ind, scheme))
    for name in sheet.columns:
        if name not in known:
            plan.warnings.append(
                Problem(
                    sheet.header_row,
                    sheet.labels[name],
                    _("无法识别的列“%(name)s”，已忽略。") % {"name": sheet.labels[name]},
                )
            )
    return True


def plan_credit_import(
    sheet: CreditSheet,
    village: Region,
    *,
    actor: User | None,
    progress: roster.Progress | None = None,
) -> CreditPlan:
    """Check every row and the file as a whole; report every problem at once and
    work out the assessments to record. Writes nothing. `progress(rows checked,
    rows)` is told as it goes."""
    plan = CreditPlan.for_sheet(sheet, village)
    if plan.errors:
        return plan
    today = timezone.localdate()
    schemes_on = SchemesOn(village)
    current = schemes_on(today)
    if current is None:
        plan.errors.append(
            Problem(
                None,
                "",
                _("%(village)s还没有生效的评分方案，无法导入信用评定。")
                % {"village": village.name},
            )
        )
        return plan
    if not _check_columns(plan, sheet, current.scheme):
        return plan
    if not sheet.rows:
        plan.warnings.append(
            Problem(sheet.header_row, "", _("表头下面没有数据行，没有可导入的内容。"))
        )
        return plan

    # Households outside the actor's reach are refused row by row (the web form and
    # the command offer only villages the actor covers).
    reach = _Reach(village, scope_for(actor))
    duplicates = _Duplicates(sheet, village)
    total = len(sheet.rows)
    for done, r in enumerate(sheet.rows):
        if progress is not None and done % PROGRESS_ROWS == 0:
            progress(done, total)
        problems: list[Problem] = []
        household = reach.household(_text(sheet.cell(r, sheet.columns[NUMBER])), r.number, problems)
        row = parse_row(sheet, r, header_scheme=current.scheme, schemes_on=schemes_on, today=today)
        problems += row.problems
        if household is not None and row.period:
            duplicates.check(household, row.period, r.number, problems)
        if problems:
            plan.errors.extend(problems)
        elif household is not None and row.assessed_on is not None:
            plan.rows.append(
                RowPlan(
                    row=row.number,
                    household=household,
                    period=row.period,
                    assessed_on=row.assessed_on,
                    answers=row.answers,
                    note=row.note,
                )
            )
    if progress is not None:
        progress(total, total)
    return plan


# --- applying ----------------------------------------------------------------------


class _RowFailed(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def apply_credit_import(
    plan: CreditPlan, *, actor: User, progress: roster.Progress | None = None
) -> CreditImportResult:
    """Record the planned assessments through the service, all or nothing, in bulk
    (`assessments_record_many`: each assessment audited as `assessment_record`
    audits it), with one summary audit row. `progress(rows recorded, rows)` is told
    as it goes."""
    if plan.errors:
        return plan.result()
    started = time.perf_counter()
    new = [
        NewAssessment(
            household=rp.household,
            period=rp.period,
            assessed_on=rp.assessed_on,
            answers=rp.answers,
            note=rp.note,
        )
        for rp in plan.rows
    ]
    try:
        with transaction.atomic():
            try:
                assessments_record_many(
                    actor=actor, village=plan.village, new=new, progress=progress
                )
            except AssessmentRefused as exc:
                row = plan.rows[exc.index].row
                raise _RowFailed(Problem(row, "", "；".join(exc.messages))) from None
            except (IntegrityError, PermissionDenied):
                raise _RowFailed(
                    Problem(None, "", _("有农户的评定刚被他人录入或修改，请重新上传。"))
                ) from None
            audit(
                actor=actor,
                action=AUDIT_ACTION,
                obj=plan.village,
                region_path=plan.village.path,
                after={"file": plan.filename, "created": len(plan.rows)},
            )
    except _RowFailed as exc:
        logger.warning(
            "credit import into village %s rolled back at row %s", plan.village.pk, exc.problem.row
        )
        return CreditImportResult(
            ok=False,
            errors=[
                exc.problem,
                Problem(None, "", _("保存时出错，已全部撤销，没有保存任何数据。")),
            ],
            warnings=list(plan.warnings),
        )
    logger.info(
        "credit import into village %s: %d assessments in %.2f s",
        plan.village.pk, len(plan.rows), time.perf_counter() - started,
    )  # fmt: skip
    return CreditImportResult(ok=True, created=len(plan.rows), warnings=list(plan.warnings))


def import_credit(
    content: bytes,
    filename: str,
    village: Region,
    *,
    actor: User,
    dry_run: bool,
    progress: roster.Progress | None = None,
) -> CreditImportResult:
    """Read, check and (unless dry_run or there are problems) record an assessment
    sheet; `progress` is told of the rows checked, then of the rows recorded."""
    sheet = read_sheet(content, filename)
    with transaction.atomic():
        plan = plan_credit_import(sheet, village, actor=actor, progress=progress)
        if dry_run or plan.errors:
            return plan.result()
        return apply_credit_import(plan, actor=actor, progress=progress)


def check_credit(
    content: bytes,
    filename: str,
    village: Region,
    *,
    actor: User | None,
    progress: roster.Progress | None = None,
) -> CreditImportResult:
    """What the upload's check shows (the check job of `credit.jobs`): the sheet
    read and planned, nothing written."""
    sheet = read_sheet(content, filename)
    return plan_credit_import(sheet, village, actor=actor, progress=progress).result()


# --- between preview and confirm (the web flow) -------------------------------------


def pending_credit_create(*, user, village: Region, filename: str, content: bytes) -> PendingImport:
    """Keep an uploaded sheet, encrypted (financial data), until its uploader confirms
    it. One credit upload per user; stale ones are dropped."""
    return pending_upload.store(
        user=user, village=village, filename=filename, content=content, prefix=TOKEN_PREFIX
    )


def pending_credit_confirm(
    *, pending: PendingImport, actor: User | None, progress: roster.Progress | None = None
) -> CreditImportResult:
    """Check the stored file again and record it, once (see `pending_upload.confirm`)."""
    return pending_upload.confirm(
        pending,
        import_credit,
        result=CreditImportResult,
        actor=actor,
        dry_run=False,
        progress=progress,
    )


# --- the template to download ---------------------------------------------------------

TEMPLATE_SHEET = "信用评定"
OPTIONS_SHEET = "指标选项"
HELP_SHEET = "填写说明"


def template_headers(scheme: Scheme) -> list[str]:
    return [
        *FIXED_HEADERS,
        *(ind.name for area in scheme.credit_areas for ind in area.indicators),
        NOTE,
    ]


def build_template(scheme: Scheme) -> bytes:
    """The .xlsx officers fill in: the header row only on the first sheet (an
    untouched template imports nothing), each indicator's allowed option labels on
    the second (and as a drop-down list in its column), the rules on the third."""
    headers = template_headers(scheme)
    workbook, sheet = spreadsheet.template_workbook(
        TEMPLATE_SHEET,
        headers,
        {h: 12 if h in FIXED_HEADERS else (30 if h == NOTE else 22) for h in headers},
        # Text, so Excel keeps the 0 of "001".
        formats={NUMBER: "@", PERIOD: "@", DATE: "yyyy-mm-dd"},
        wrap_headers=True,
        freeze="B2",
    )
    sheet.row_dimensions[1].height = 48

    options = workbook.create_sheet(OPTIONS_SHEET)
    options.append([_("方面"), _("指标"), _("选项（填写内容）"), _("分值"), _("选项代码")])
    spreadsheet.style_header(options[1])
    column = len(FIXED_HEADERS)
    for area in scheme.credit_areas:
        for ind in area.indicators:
            first = options.max_row + 1
            for option in ind.options:
                options.append(
                    [area.name, ind.name, option.label, points_text(option.points), option.code]
                )
            spreadsheet.add_choices(
                sheet, column, f"'{OPTIONS_SHEET}'!$C${first}:$C${options.max_row}"
            )
            column += 1
    for letter, width in (("A", 22), ("B", 40), ("C", 36), ("D", 8), ("E", 12)):
        options.column_dimensions[letter].width = width

    notes = [
        _("每户每个评定期一行。第一张工作表“信用评定”的第一行是表头，请从第二行开始填写。"),
        _(
            "户号：本村已登记的户号。评定期：四位年份，如 2025。评定日期：入户评定的日期，如 2025-03-01，不能晚于今天。"
        ),
        _(
            "每个指标一列，填写工作表“指标选项”中该指标的一个选项（可从下拉列表选择），也可以填写选项代码。"
        ),
        _("备注：选填，最多 300 个字。"),
        _("该户本期已有评定的，不能通过导入重复录入，请在网页上更正。"),
        _("导入前会先检查整个文件，列出所有问题；有任何问题时不会保存任何数据。"),
        _("评定明细属于金融信息，仅信用社和农户本户可以查看；请妥善保管本文件。"),
    ]
    help_sheet = spreadsheet.add_help_sheet(
        workbook,
        HELP_SHEET,
        _("“双基”信用评定表填写说明"),
        notes,
        intro=_("评分方案：%(name)s %(version)s")
        % {"name": scheme.name, "version": scheme.version},
    )
    help_sheet.column_dimensions["A"].width = 100
    return spreadsheet.workbook_bytes(workbook)
