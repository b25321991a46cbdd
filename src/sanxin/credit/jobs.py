"""The 双基 credit assessment import as background jobs (households.import_jobs):
its check and its apply run in the worker; the pages are credit.views'. The
command `sanxin import-credit` still runs `importing.import_credit` in-process."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm
from sanxin.credit import importing
from sanxin.credit.importing import CreditImportResult
from sanxin.households import import_jobs
from sanxin.regions.models import Region


def imported_message(village: Region, result: Any) -> str:
    return _("评定表已导入%(village)s：录入 %(n)d 户的评定。") % {
        "village": village.name,
        "n": result.created,
    }


def _dump(result: Any) -> dict[str, Any]:
    return {**import_jobs.dump_common(result), **result.figures()}


def _load(data: dict[str, Any]) -> CreditImportResult:
    return CreditImportResult(
        ok=data["ok"],
        errors=import_jobs.load_problems(data["errors"]),
        warnings=import_jobs.load_problems(data["warnings"]),
        created=int(data.get("created", 0)),
    )


CREDIT = import_jobs.ImportKind(
    name="credit.assessments",
    # Only the credit union's officers hold it: the answers are financial data.
    perm=Perm.RECORD_CREDIT,
    title="信用评定表",
    prefix=importing.TOKEN_PREFIX,
    page="credit:import_job",
    check=importing.check_credit,
    apply=importing.pending_credit_confirm,
    summary=imported_message,
    done_url=import_jobs.done_page("credit:list", with_village=True),
    confirmable=lambda result: bool(result.created),
    dump=_dump,
    load=_load,
)


def register_kinds() -> None:
    import_jobs.register_import(CREDIT)
