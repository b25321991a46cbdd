"""The bank's repayment file (还款导入): one repayment a row, read, checked as a whole,
then recorded, all or nothing, into the loans of a region the credit officer covers.

Columns (any order; title rows above the header allowed): 贷款编号 (the bank's loan
number recorded at disbursement; also 借据号), 还款日期, 金额 (also 还款金额; yuan, at
most to the 分), 流水号 (the bank's transaction number; also 交易流水号).

Every problem is reported at once with its row number: an unreadable or future date,
a date before the loan was disbursed, an amount that is missing, negative, finer than
a 分 or more than the loan still owes (counting the file's earlier rows for the same
loan), a loan number unknown in the region (a loan of another district is unknown
here), a repaid loan, the officer's own household, the same 流水号 twice in the file.
A 流水号 already recorded on its loan is skipped with a warning, so importing the
same file again records nothing.

`read_sheet` → `plan_repayments` (writes nothing) → `apply_repayments`;
`import_repayments` does the three. The web flow runs them as background jobs
(`lending.jobs`, on `households.import_jobs`): `check_repayments` in the check
job, `pending_repayments_confirm` (the file kept encrypted by
`households.pending_upload` between preview and confirm) in the apply job.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households import pending_upload
from sanxin.households.importing import Progress
from sanxin.households.models import PendingImport
from sanxin.lending.choices import LoanStatus, RepaymentSource
from sanxin.lending.models import Loan, Repayment
from sanxin.lending.services import repayments as services
from sanxin.lib import spreadsheet
from sanxin.lib.spreadsheet import KeyedSheet, Problem, clean_header, safe_filename
from sanxin.lib.spreadsheet import echo as _echo
from sanxin.lib.spreadsheet import text as _text
from sanxin.lib.text import clean_cells
from sanxin.regions.models import Region

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

LOAN = "贷款编号"
DATE = "还款日期"
AMOUNT = "金额"
REFERENCE = "流水号"
HEADERS: tuple[str, ...] = (LOAN, DATE, AMOUNT, REFERENCE)
ALIASES = {"借据号": LOAN, "借据编号": LOAN, "还款金额": AMOUNT, "交易流水号": REFERENCE}
AUDIT_ACTION = "repayment.import"
TOKEN_PREFIX = "repay-"
CENT = Decimal("0.01")
# The largest amount a repayment row holds (12 digits, 2 of them after the point):
# a larger one is refused before it is rounded to cents.
MAX_AMOUNT = Decimal("9999999999.99")
PROGRESS_ROWS = 500  # progress is told every this many rows


@dataclass(kw_only=True)
class RepaymentImportResult(spreadsheet.Result):
    created: int = 0  # repayments recorded (or, in a preview, to be recorded)
    skipped: int = 0  # rows whose 流水号 was already recorded on their loan
    total: Decimal = Decimal("0.00")

    def figures(self) -> dict[str, Any]:
        return {"created": self.created, "skipped": self.skipped, "total": str(self.total)}


@dataclass
class PlannedRepayment:
    row: int
    loan: Loan
    paid_on: date
    amount: Decimal
    reference: str


@dataclass
class RepaymentPlan(spreadsheet.Plan):
    rows: list[PlannedRepayment] = field(default_factory=list)
    skipped: int = 0

    def result(self) -> RepaymentImportResult:
        return RepaymentImportResult(
            ok=self.ok,
            created=len(self.rows) if self.ok else 0,
            skipped=self.skipped if self.ok else 0,
            total=sum((r.amount for r in self.rows), Decimal("0.00")) if self.ok else Decimal(0),
            errors=list(self.errors),
            warnings=list(self.warnings),
        )


# --- reading -----------------------------------------------------------------------------


def _header(value: Any) -> str:
    name = clean_header(value)
    return ALIASES.get(name, name)


def read_sheet(content: bytes, filename: str) -> KeyedSheet:
    """Read the bank's .xlsx or .csv file; problems with the file itself are errors
    on the sheet (row None), never exceptions."""
    sheet = KeyedSheet(filename=safe_filename(filename))
    grid = spreadsheet.read_grid_into(sheet, content, filename)
    if grid is None:
        return sheet
    header_index = spreadsheet.find_header_row(grid, HEADERS, _header)
    if header_index is None:
        sheet.errors.append(
            Problem(
                None,
                "",
                _(
                    "没有找到表头：前 %(n)d 行中没有同时包含“贷款编号”“还款日期”“金额”“流水号”的一行。请使用导入模板。"
                )
                % {"n": spreadsheet.HEADER_SCAN_ROWS},
            )
        )
        return sheet
    sheet.header_row = header_index + 1
    positions = spreadsheet.map_header(sheet, grid[header_index], HEADERS, _header)
    if sheet.errors:
        return sheet
    spreadsheet.take_rows(sheet, grid, header_index, positions, HEADERS)
    return sheet


def parse_amount(value: Any) -> Decimal | None:
    """A cell as yuan: a number, or text such as 1,234.50 or 1234.5元; None if unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    text = re.sub(r"[,，\s]", "", _text(value)).removesuffix("元").lstrip("¥￥")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


# --- planning ----------------------------------------------------------------------------


class _Loans:
    """The region's loans named in the file, with what each still owes."""

    def __init__(self, sheet: KeyedSheet, region: Region, actor: User | None):
        numbers = {_text(r.values.get(LOAN)) for r in sheet.rows} - {""}
        scope = scope_for(actor)
        loans = (
            scope.filter(Loan.objects, Perm.LENDING_MANAGE)
            .filter(
                household__villager_group__path__startswith=region.path,
                bank_loan_number__in=numbers,
            )
            .select_related("household__villager_group")
        )
        self.by_number = {loan.bank_loan_number: loan for loan in loans}
        self.own = scope.own_household_ids()
        ids = [loan.pk for loan in self.by_number.values()]
        scheduled = dict(
            Loan.objects.filter(pk__in=ids)
            .annotate(s=Sum("instalments__principal") + Sum("instalments__interest"))
            .values_list("pk", "s")
        )
        standing = Repayment.objects.filter(loan_id__in=ids)
        reversed_ids = set(
            standing.filter(reverses__isnull=False).values_list("reverses_id", flat=True)
        )
        paid: dict[int, Decimal] = defaultdict(Decimal)
        self.references: set[tuple[int, str]] = set()
        for pk, loan_id, amount, reference, reverses in standing.values_list(
            "pk", "loan_id", "amount", "bank_reference", "reverses_id"
        ):
            if reverses is None and pk not in reversed_ids:
                paid[loan_id] += amount
            if reference:
                self.references.add((loan_id, reference))
        self.left = {pk: (scheduled.get(pk) or Decimal(0)) - paid[pk] for pk in ids}


def _date(value: Any, n: int, problems: list[Problem], today: date) -> date | None:
    if _text(value) == "":
        problems.append(Problem(n, DATE, _("还款日期为空。")))
        return None
    on = spreadsheet.parse_date(value, fullwidth=True)
    if on is None:
        problems.append(
            Problem(
                n,
                DATE,
                _("无法识别的日期“%(value)s”，请填写如 2025-03-01。") % {"value": _echo(value)},
            )
        )
        return None
    if on > today:
        problems.append(
            Problem(n, DATE, _("还款日期 %(date)s 在今天之后。") % {"date": on.isoformat()})
        )
        return None
    return on


def _amount(value: Any, n: int, problems: list[Problem]) -> Decimal | None:
    if _text(value) == "":
        problems.append(Problem(n, AMOUNT, _("金额为空。")))
        return None
    amount = parse_amount(value)
    if amount is None:
        problems.append(
            Problem(n, AMOUNT, _("无法识别的金额“%(value)s”。") % {"value": _echo(value)})
        )
        return None
    if amount <= 0:
        problems.append(
            Problem(
                n,
                AMOUNT,
                _("金额 %(value)s 不是正数；还款金额必须大于零（冲正请在网页上办理）。")
                % {"value": _echo(value)},
            )
        )
        return None
    if amount > MAX_AMOUNT:
        problems.append(
            Problem(
                n,
                AMOUNT,
                _("金额 %(value)s 过大（最多 %(max)s 元）。")
                % {"value": _echo(value), "max": f"{MAX_AMOUNT:,}"},
            )
        )
        return None
    if amount != amount.quantize(CENT):
        problems.append(Problem(n, AMOUNT, _("金额最多精确到分（两位小数）。")))
        return None
    return amount.quantize(CENT)


def plan_repayments(
    sheet: KeyedSheet,
    region: Region,
    *,
    actor: User | None,
    today: date | None = None,
    progress: Progress | None = None,
) -> RepaymentPlan:
    """Check every row and the file as a whole; report every problem at once and work
    out the repayments to record. Writes nothing. `progress(rows checked, rows)` is
    told as it goes."""
    plan = RepaymentPlan.for_sheet(sheet, region)
    if plan.errors:
        return plan
    missing = [h for h in HEADERS if h not in sheet.columns]
    if missing:
        plan.errors.append(spreadsheet.missing_columns(sheet.header_row, missing))
        return plan
    today = today or timezone.localdate()
    loans = _Loans(sheet, region, actor)
    seen: dict[str, int] = {}  # 流水号 -> first row
    owed = dict(loans.left)
    total = len(sheet.rows)
    for done, r in enumerate(sheet.rows):
        if progress is not None and done % PROGRESS_ROWS == 0:
            progress(done, total)
        n = r.number
        values, refused = clean_cells(r.values, codes=frozenset({LOAN, REFERENCE}))
        problems = [Problem(n, column, reason) for column, reason in refused]
        number = _text(values.get(LOAN))
        loan = loans.by_number.get(number) if number else None
        if not number:
            problems.append(Problem(n, LOAN, _("贷款编号为空。")))
        elif loan is None:
            problems.append(
                Problem(
                    n,
                    LOAN,
                    _(
                        "所选辖区内没有贷款编号为“%(number)s”的贷款（编号有误，或不是本辖区的贷款）。"
                    )
                    % {"number": _echo(number)},
                )
            )
        elif loan.household_id in loans.own:
            problems.append(Problem(n, LOAN, _("这是您本人家庭的贷款，不能经办，请回避。")))
            loan = None
        paid_on = _date(values.get(DATE), n, problems, today)
        amount = _amount(values.get(AMOUNT), n, problems)
        reference = _text(values.get(REFERENCE))
        if not reference:
            problems.append(Problem(n, REFERENCE, _("流水号为空。")))
        elif len(reference) > services.MAX_REFERENCE:
            problems.append(Problem(n, REFERENCE, _("流水号太长（最多 60 个字符）。")))
        elif reference in seen:
            problems.append(
                Problem(
                    n,
                    REFERENCE,
                    _("与第 %(row)d 行重复：流水号“%(ref)s”在文件中出现了两次。")
                    % {"row": seen[reference], "ref": _echo(reference)},
                )
            )
        else:
            seen[reference] = n
        if loan is not None and reference and (loan.pk, reference) in loans.references:
            plan.warnings.append(
                Problem(
                    n,
                    REFERENCE,
                    _("流水号“%(ref)s”已经导入过，本行跳过。") % {"ref": _echo(reference)},
                )
            )
            plan.skipped += 1
            continue
        if loan is not None:
            if loan.status != LoanStatus.ACTIVE:
                problems.append(
                    Problem(
                        n,
                        LOAN,
                        _("贷款“%(number)s”已%(status)s，不能再登记还款。")
                        % {"number": _echo(number), "status": loan.get_status_display()},
                    )
                )
            elif paid_on is not None and paid_on < loan.disbursed_on:
                problems.append(
                    Problem(
                        n,
                        DATE,
                        _("还款日期 %(date)s 早于该贷款的放款日期 %(start)s。")
                        % {"date": paid_on.isoformat(), "start": loan.disbursed_on.isoformat()},
                    )
                )
            elif amount is not None:
                if amount > owed[loan.pk]:
                    problems.append(
                        Problem(
                            n,
                            AMOUNT,
                            _(
                                "金额超过该贷款按计划尚未还清的本息 %(left)s 元（已计入文件中前面的行）。"
                            )
                            % {"left": f"{owed[loan.pk]:,.2f}"},
                        )
                    )
                else:
                    owed[loan.pk] -= amount
        if problems:
            plan.errors.extend(problems)
        elif loan is not None and paid_on is not None and amount is not None:
            plan.rows.append(PlannedRepayment(n, loan, paid_on, amount, reference))
    if progress is not None:
        progress(total, total)
    if sheet.rows and not plan.rows and plan.ok and plan.skipped:
        plan.warnings.append(Problem(None, "", _("文件中的还款都已导入过，本次没有新的还款。")))
    return plan


# --- applying ----------------------------------------------------------------------------


def apply_repayments(
    plan: RepaymentPlan, *, actor: User, progress: Progress | None = None
) -> RepaymentImportResult:
    """Record the planned repayments, all or nothing: each through the recording
    path of `repayment_record` (its own audit row), plus one summary audit row.
    `progress(rows recorded, rows)` is told as it goes."""
    if plan.errors:
        return plan.result()
    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    try:
        with transaction.atomic():
            loan_ids = sorted({rp.loan.pk for rp in plan.rows})
            locked = {
                loan.pk: loan
                for loan in Loan.objects.select_for_update()
                .filter(pk__in=loan_ids)
                .select_related("household__villager_group")
                .order_by("pk")
            }
            total = len(plan.rows)
            for done, rp in enumerate(plan.rows):
                if progress is not None and done % PROGRESS_ROWS == 0:
                    progress(done, total)
                loan = locked[rp.loan.pk]
                try:
                    services.check_officer(actor, loan)
                    with transaction.atomic():
                        repayment = services._record(
                            actor=actor,
                            loan=loan,
                            paid_on=rp.paid_on,
                            amount=rp.amount,
                            bank_reference=rp.reference,
                            source=RepaymentSource.IMPORT,
                            today=today,
                            now=now,
                        )
                except ValidationError as exc:
                    raise _RowFailed(Problem(rp.row, "", "；".join(exc.messages))) from None
                except (IntegrityError, PermissionDenied):
                    raise _RowFailed(
                        Problem(rp.row, "", _("该贷款的还款刚被他人登记或修改，请重新上传。"))
                    ) from None
                audit(
                    actor=actor,
                    action="repayment.record",
                    obj=repayment,
                    region_path=loan.household.villager_group.path,
                    after={
                        "loan": loan.bank_loan_number,
                        "paid_on": rp.paid_on.isoformat(),
                        "amount": str(rp.amount),
                        "principal": str(repayment.principal_part),
                        "interest": str(repayment.interest_part),
                        "bank_reference": rp.reference,
                        "source": RepaymentSource.IMPORT.value,
                    },
                    at=now,
                )
            if progress is not None:
                progress(total, total)
            result = plan.result()
            audit(
                actor=actor,
                action=AUDIT_ACTION,
                obj=plan.village,
                region_path=plan.village.path,
                after={"file": plan.filename, **result.figures()},
                at=now,
            )
    except _RowFailed as exc:
        logger.warning(
            "repayment import into region %s rolled back at row %s",
            plan.village.pk,
            exc.problem.row,
        )
        return RepaymentImportResult(
            ok=False,
            errors=[
                exc.problem,
                Problem(None, "", _("保存时出错，已全部撤销，没有保存任何数据。")),
            ],
            warnings=list(plan.warnings),
        )
    logger.info(
        "repayment import into region %s: %d recorded, %d skipped in %.2f s",
        plan.village.pk, result.created, result.skipped, time.perf_counter() - started,
    )  # fmt: skip
    return result


class _RowFailed(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def import_repayments(
    content: bytes,
    filename: str,
    region: Region,
    *,
    actor: User,
    dry_run: bool,
    progress: Progress | None = None,
) -> RepaymentImportResult:
    """Read, check and (unless dry_run or there are problems) record the bank's file;
    `progress` is told of the rows checked, then of the rows recorded."""
    sheet = read_sheet(content, filename)
    with transaction.atomic():
        plan = plan_repayments(sheet, region, actor=actor, progress=progress)
        if dry_run or plan.errors:
            return plan.result()
        return apply_repayments(plan, actor=actor, progress=progress)


def check_repayments(
    content: bytes,
    filename: str,
    region: Region,
    *,
    actor: User | None,
    progress: Progress | None = None,
) -> RepaymentImportResult:
    """What the upload's check shows (the check job of `lending.jobs`): the file
    read and planned, nothing written."""
    sheet = read_sheet(content, filename)
    return plan_repayments(sheet, region, actor=actor, progress=progress).result()


def pending_repayments_create(
    *, user, region: Region, filename: str, content: bytes
) -> PendingImport:
    """Keep the uploaded file, encrypted (financial data), until its uploader confirms."""
    return pending_upload.store(
        user=user, village=region, filename=filename, content=content, prefix=TOKEN_PREFIX
    )


def pending_repayments_confirm(
    *, pending: PendingImport, actor: User | None, progress: Progress | None = None
) -> RepaymentImportResult:
    """Check the stored file again and record it, once (see `pending_upload.confirm`)."""
    return pending_upload.confirm(
        pending,
        import_repayments,
        result=RepaymentImportResult,
        actor=actor,
        dry_run=False,
        progress=progress,
    )


# --- the template -------------------------------------------------------------------------


def build_template() -> bytes:
    workbook, _sheet = spreadsheet.template_workbook(
        _("还款导入"),
        list(HEADERS),
        {LOAN: 22, DATE: 14, AMOUNT: 14, REFERENCE: 28},
        formats={LOAN: "@", DATE: "yyyy-mm-dd", AMOUNT: "0.00", REFERENCE: "@"},
    )
    spreadsheet.add_help_sheet(
        workbook,
        _("填写说明"),
        _("还款导入填写说明"),
        [
            _("每笔还款一行。贷款编号：放款时登记的信用社贷款编号（借据号）。"),
            _("还款日期：如 2025-03-01，不能晚于今天。金额：元，最多两位小数，必须大于零。"),
            _("流水号：信用社的交易流水号。同一流水号再次导入时自动跳过，不会重复登记。"),
            _("导入前会先检查整个文件，列出所有问题；有任何问题时不会保存任何数据。"),
        ],
    ).column_dimensions["A"].width = 100
    return spreadsheet.workbook_bytes(workbook)
