"""The exchange of credit lines with the bank (信用社): the export of a village's
granted lines as an .xlsx, and the import of the bank's decisions back (批准 or 不批准
with a reason), matched by the line's reference, all or nothing with row-numbered
errors; importing the same file again changes nothing.

The exported sheet is also the import template: the bank fills in the last two
columns (信用社决定, 原因) and sends the file back. No HTTP here: `read_sheet` →
`plan_bank_import` (writes nothing) → `apply_bank_import`."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households import pending_upload
from sanxin.households.models import PendingImport, Person
from sanxin.lending.choices import LINE_CURRENT, BankDecision, LineStatus
from sanxin.lending.models import CreditLine
from sanxin.lending.services.lines import credit_line_bank_decide
from sanxin.lib import export, spreadsheet
from sanxin.lib.spreadsheet import Problem, echo, safe_filename, text
from sanxin.lib.text import clean_cell
from sanxin.regions.models import Region
from sanxin.rules.choices import GRADE_LABELS

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

# The columns: the file format the bank works with, not UI text.
REFERENCE = "授信编号"
DECISION = "信用社决定"
REASON = "原因"
EXPORT_HEADERS: tuple[str, ...] = (
    REFERENCE,
    "村",
    "户号",
    "户主",
    "身份证号",
    "等级",
    "授信额度（元）",
    "年利率（%）",
    "有效期至",
    "状态",
    DECISION,
    REASON,
)
KNOWN: tuple[str, ...] = tuple(spreadsheet.clean_header(h) for h in EXPORT_HEADERS)
APPROVE_WORDS = {"批准", "同意", "通过", "已批准", "approved", "approve"}
DECLINE_WORDS = {"不批准", "未批准", "拒绝", "不同意", "不通过", "declined", "decline"}
MAX_REASON = 300
AUDIT_ACTION = "lending.bank_import"
TOKEN_PREFIX = "lending-bank-"


# --- the export ---------------------------------------------------------------------


def export_lines(village: Region) -> QuerySet[CreditLine]:
    """The village's lines to send to the bank: current ones (granted, lowered or
    suspended) and those it declined, by household number."""
    return (
        CreditLine.objects.filter(
            village=village, status__in=[*LINE_CURRENT, LineStatus.BANK_DECLINED]
        )
        .select_related("household", "village")
        .order_by("household__number", "pk")
    )


def export_xlsx(lines: list[CreditLine]) -> bytes:
    """The lines as the bank's sheet: the head's ID masked (the bank matches on its
    own records by 户号 and reference), the decision columns as the bank left them.
    Amounts and rates are written as exact text (never a float)."""
    heads = dict(
        Person.objects.filter(
            household_id__in=[ln.household_id for ln in lines], is_head=True, active=True
        ).values_list("household_id", "id_number_masked")
    )
    rows = []
    for ln in lines:
        decided = ln.bank_decision != BankDecision.PENDING
        rows.append(
            [
                ln.reference,
                ln.village.name,
                ln.household.number,
                ln.household.head_name,
                heads.get(ln.household_id, ""),
                GRADE_LABELS[ln.current_grade],
                f"{ln.amount:.2f}",
                f"{ln.annual_rate:.4f}",
                ln.valid_until,
                ln.get_status_display(),
                _decision_word(ln.bank_decision) if decided else "",
                ln.bank_reason if decided else "",
            ]
        )
    return export.table_xlsx(
        sheet="授信名单",
        headers=EXPORT_HEADERS,
        rows=rows,
        widths=(16, 12, 10, 10, 22, 8, 16, 12, 12, 12, 12, 30),
    )


def lines_export(*, actor: User, village: Region) -> bytes:
    """The village's lines for the bank, as an .xlsx, with an audit row (a bulk read
    of names and masked ID numbers): who, which village, how many lines."""
    if not scope_for(actor).covers_region(village, Perm.LENDING_MANAGE):
        raise PermissionDenied("无权导出该村的授信名单")
    lines = list(export_lines(village))
    content = export_xlsx(lines)
    audit(
        actor=actor,
        action="lending.lines_export",
        obj=village,
        region_path=village.path,
        after={"lines": len(lines)},
    )
    return content


def _decision_word(decision: str) -> str:
    return "批准" if decision == BankDecision.APPROVED else "不批准"


# --- reading --------------------------------------------------------------------------


def read_sheet(content: bytes, filename: str) -> spreadsheet.KeyedSheet:
    sheet = spreadsheet.KeyedSheet(filename=safe_filename(filename))
    grid = spreadsheet.read_grid_into(sheet, content, filename)
    if grid is None:
        return sheet
    header_index = spreadsheet.find_header_row(
        grid, (REFERENCE, DECISION), spreadsheet.clean_header
    )
    if header_index is None:
        sheet.errors.append(
            Problem(
                None,
                "",
                _(
                    "没有找到表头：前 %(n)d 行中没有同时包含“授信编号”“信用社决定”的一行。请使用导出的授信名单。"
                )
                % {"n": spreadsheet.HEADER_SCAN_ROWS},
            )
        )
        return sheet
    sheet.header_row = header_index + 1
    positions = spreadsheet.map_header(sheet, grid[header_index], KNOWN, spreadsheet.clean_header)
    spreadsheet.take_rows(sheet, grid, header_index, positions, KNOWN)
    return sheet


# --- planning -------------------------------------------------------------------------


@dataclass
class BankRow:
    row: int
    line: CreditLine
    approved: bool
    reason: str


@dataclass(kw_only=True)
class BankImportResult(spreadsheet.Result):
    approved: int = 0
    declined: int = 0
    unchanged: int = 0
    undecided: int = 0

    def figures(self) -> dict[str, Any]:
        return {
            "approved": self.approved,
            "declined": self.declined,
            "unchanged": self.unchanged,
            "undecided": self.undecided,
        }

    @property
    def changes(self) -> int:
        return self.approved + self.declined


@dataclass
class BankPlan(spreadsheet.Plan):
    rows: list[BankRow] = field(default_factory=list)
    unchanged: int = 0
    undecided: int = 0

    def result(self) -> BankImportResult:
        ok = self.ok
        return BankImportResult(
            ok=ok,
            approved=sum(r.approved for r in self.rows) if ok else 0,
            declined=sum(not r.approved for r in self.rows) if ok else 0,
            unchanged=self.unchanged if ok else 0,
            undecided=self.undecided if ok else 0,
            errors=list(self.errors),
            warnings=list(self.warnings),
        )


def _decision(value: Any) -> bool | None:
    word = re.sub(r"\s+", "", text(value)).lower()
    if word in APPROVE_WORDS:
        return True
    if word in DECLINE_WORDS:
        return False
    return None


def plan_bank_import(
    sheet: spreadsheet.KeyedSheet, village: Region, *, actor: User | None
) -> BankPlan:
    """Check every row and work out the decisions to record. Writes nothing."""
    plan = BankPlan.for_sheet(sheet, village)
    if plan.errors:
        return plan
    missing = [h for h in (REFERENCE, DECISION) if h not in sheet.columns]
    if missing:
        plan.errors.append(spreadsheet.missing_columns(sheet.header_row, missing))
        return plan
    lines = CreditLine.objects.filter(village=village).select_related("household")
    if actor is not None:
        lines = scope_for(actor).filter(lines, Perm.LENDING_MANAGE)
    refs = {text(r.values.get(REFERENCE)).upper() for r in sheet.rows}
    by_ref = {ln.reference: ln for ln in lines.filter(reference__in=refs)}
    seen: dict[str, int] = {}
    for r in sheet.rows:
        n = r.number
        problems: list[Problem] = []
        ref = text(r.values.get(REFERENCE)).upper()
        raw = r.values.get(DECISION)
        reason, refused = clean_cell(r.values.get(REASON), REASON)
        reason = text(reason)
        if refused is not None:
            problems.append(Problem(n, REASON, refused))
        if len(reason) > MAX_REASON:
            problems.append(
                Problem(n, REASON, _("原因太长（最多 %(max)d 个字）。") % {"max": MAX_REASON})
            )
        line = by_ref.get(ref)
        if not ref:
            problems.append(Problem(n, REFERENCE, _("授信编号为空。")))
        elif line is None:
            problems.append(
                Problem(
                    n,
                    REFERENCE,
                    _("授信编号“%(ref)s”不是%(village)s的授信。")
                    % {"ref": echo(ref), "village": village.name},
                )
            )
        elif ref in seen:
            problems.append(
                Problem(
                    n,
                    REFERENCE,
                    _("与第 %(row)d 行重复：授信编号“%(ref)s”出现了两次。")
                    % {"row": seen[ref], "ref": ref},
                )
            )
        if ref:
            seen.setdefault(ref, n)
        approved = None
        if text(raw) == "":
            if not problems:
                plan.undecided += 1
            plan.errors.extend(problems)
            continue
        approved = _decision(raw)
        if approved is None:
            problems.append(
                Problem(
                    n,
                    DECISION,
                    _("无法识别的决定“%(value)s”，请填写“批准”或“不批准”。") % {"value": echo(raw)},
                )
            )
        elif not approved and not reason:
            problems.append(Problem(n, REASON, _("不批准时必须填写原因。")))
        if line is not None and approved is not None and not problems:
            wanted = BankDecision.APPROVED if approved else BankDecision.DECLINED
            if line.bank_decision == wanted:
                plan.unchanged += 1
                continue
            if line.bank_decision != BankDecision.PENDING:
                problems.append(
                    Problem(
                        n,
                        DECISION,
                        _("该授信信用社已作出决定（%(done)s），不能改为“%(value)s”。")
                        % {
                            "done": BankDecision(line.bank_decision).label,
                            "value": echo(raw),
                        },
                    )
                )
            elif line.status not in LINE_CURRENT:
                problems.append(
                    Problem(
                        n,
                        REFERENCE,
                        _("该授信的状态是“%(status)s”，不能审批。")
                        % {"status": line.get_status_display()},
                    )
                )
        if problems:
            plan.errors.extend(problems)
        elif line is not None and approved is not None:
            plan.rows.append(BankRow(row=n, line=line, approved=approved, reason=reason))
    return plan


# --- applying -------------------------------------------------------------------------


def apply_bank_import(plan: BankPlan, *, actor: User | None) -> BankImportResult:
    """Record the planned decisions, all or nothing, with one audit row."""
    if plan.errors:
        return plan.result()
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = {
                ln.pk: ln
                for ln in CreditLine.objects.select_for_update()
                .filter(pk__in=[r.line.pk for r in plan.rows])
                .select_related("household")
            }
            for r in plan.rows:
                line = locked.get(r.line.pk)
                if line is None:
                    raise ValidationError(_("该授信刚被删除"))
                credit_line_bank_decide(
                    line=line, approved=r.approved, reason=r.reason, actor=actor, now=now
                )
            audit(
                actor=actor,
                action=AUDIT_ACTION,
                obj=plan.village,
                region_path=plan.village.path,
                at=now,
                after={
                    "file": plan.filename,
                    "approved": sum(r.approved for r in plan.rows),
                    "declined": sum(not r.approved for r in plan.rows),
                    "unchanged": plan.unchanged,
                },
            )
    except (ValidationError, PermissionDenied):
        logger.warning("bank decisions import into village %s rolled back", plan.village.pk)
        return BankImportResult.rolled_back(plan)
    result = plan.result()
    logger.info(
        "bank decisions import into village %s: %d approved, %d declined, %d unchanged",
        plan.village.pk, result.approved, result.declined, result.unchanged,
    )  # fmt: skip
    return result


def import_bank_decisions(
    content: bytes, filename: str, village: Region, *, actor: User | None, dry_run: bool
) -> BankImportResult:
    """Read, check and (unless dry_run or there are problems) record a bank's file."""
    sheet = read_sheet(content, filename)
    with transaction.atomic():
        plan = plan_bank_import(sheet, village, actor=actor)
        if dry_run or plan.errors:
            return plan.result()
        return apply_bank_import(plan, actor=actor)


def pending_bank_create(*, user, village: Region, filename: str, content: bytes) -> PendingImport:
    """Keep an uploaded file, encrypted, until its uploader confirms it."""
    return pending_upload.store(
        user=user, village=village, filename=filename, content=content, prefix=TOKEN_PREFIX
    )


def pending_bank_confirm(*, pending: PendingImport, actor: User | None) -> BankImportResult:
    """Check the stored file again and record it, once."""
    return pending_upload.confirm(
        pending, import_bank_decisions, result=BankImportResult, actor=actor, dry_run=False
    )
