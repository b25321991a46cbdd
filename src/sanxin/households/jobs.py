"""The roster import as background jobs (households.import_jobs): its check and
its apply run in the worker; the pages are households.views.imports'."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm
from sanxin.households import import_jobs, importing
from sanxin.households.importing import ImportResult
from sanxin.regions.models import Region

FIGURES = (
    "households_created",
    "households_updated",
    "people_created",
    "people_updated",
    "unchanged",
)


def imported_message(village: Region, result: Any) -> str:
    return _(
        "花名册已导入%(village)s：新增农户 %(hc)d 户，更新农户 %(hu)d 户；新增人员 %(pc)d 人，更新人员 %(pu)d 人，无变化 %(un)d 人。"
    ) % {
        "village": village.name,
        "hc": result.households_created,
        "hu": result.households_updated,
        "pc": result.people_created,
        "pu": result.people_updated,
        "un": result.unchanged,
    }


def _dump(result: Any) -> dict[str, Any]:
    return {**import_jobs.dump_common(result), **result.figures()}


def _load(data: dict[str, Any]) -> ImportResult:
    return ImportResult(
        ok=data["ok"],
        errors=import_jobs.load_problems(data["errors"]),
        warnings=import_jobs.load_problems(data["warnings"]),
        **{k: int(data.get(k, 0)) for k in FIGURES},
    )


ROSTER = import_jobs.ImportKind(
    name="households.roster",
    perm=Perm.CHANGE_REGISTRY,
    title="花名册",
    prefix="",
    page="households:roster_job",
    check=importing.check_roster,
    apply=importing.pending_import_confirm,
    summary=imported_message,
    # The list has no village filter: it shows every household in reach.
    done_url=import_jobs.done_page("households:list"),
    confirmable=lambda result: result.changes_anything,
    dump=_dump,
    load=_load,
)


def register_kinds() -> None:
    import_jobs.register_import(ROSTER)
