"""The bank's repayment file as background jobs (households.import_jobs): its
check and its apply run in the worker; the pages are lending.views.repayments'."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm
from sanxin.households import import_jobs
from sanxin.lending import repayment_import as importing
from sanxin.lending.repayment_import import RepaymentImportResult
from sanxin.regions.models import Region


def imported_message(region: Region, result: Any) -> str:
    return _("还款已导入：登记 %(n)d 笔，共 %(total)s 元；跳过已导入的 %(skipped)d 笔。") % {
        "n": result.created,
        "total": f"{result.total:,.2f}",
        "skipped": result.skipped,
    }


def _dump(result: Any) -> dict[str, Any]:
    return {**import_jobs.dump_common(result), **result.figures()}


def _load(data: dict[str, Any]) -> RepaymentImportResult:
    return RepaymentImportResult(
        ok=data["ok"],
        errors=import_jobs.load_problems(data["errors"]),
        warnings=import_jobs.load_problems(data["warnings"]),
        created=int(data.get("created", 0)),
        skipped=int(data.get("skipped", 0)),
        total=Decimal(data.get("total", "0.00")),
    )


REPAYMENTS = import_jobs.ImportKind(
    name="lending.repayments",
    # Only the credit union's officers hold it: loans are never shown to anyone else.
    perm=Perm.LENDING_MANAGE,
    title="还款",
    prefix=importing.TOKEN_PREFIX,
    page="lending:repayment_import_job",
    check=importing.check_repayments,
    apply=importing.pending_repayments_confirm,
    summary=imported_message,
    # The loans of every region in reach (a repayment file is the bank's, not a village's).
    done_url=import_jobs.done_page("lending:loans"),
    confirmable=lambda result: bool(result.created),
    dump=_dump,
    load=_load,
)


def register_kinds() -> None:
    import_jobs.register_import(REPAYMENTS)
