"""The point-entry import as background jobs (households.import_jobs): its check
and its apply run in the worker; the pages are ledger.views.imports'."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm
from sanxin.households import import_jobs
from sanxin.ledger import entry_import
from sanxin.ledger.entry_import import EntryImportResult, PlannedRow
from sanxin.regions.models import Region

# The planned rows a check keeps for its preview (the page lists as many).
PREVIEW_ROWS = 500


@dataclass
class StoredEntryResult(EntryImportResult):
    """A checked result as the job kept it: the first PREVIEW_ROWS rows, and the
    totals over all of them."""

    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def households(self) -> int:
        return int(self.totals.get("households", 0))

    @property
    def points_added(self) -> Decimal:
        return Decimal(self.totals.get("points_added", "0"))

    @property
    def points_deducted(self) -> Decimal:
        return Decimal(self.totals.get("points_deducted", "0"))


def imported_message(village: Region, result: Any) -> str:
    return _(
        "积分记录已导入%(village)s：%(n)d 条，涉及 %(h)d 户，均为待审核状态，须由评信团其他成员审核。"
    ) % {"village": village.name, "n": result.created, "h": result.households}


def _row(r: PlannedRow) -> dict[str, Any]:
    return {
        "row": r.row, "household_number": r.household_number, "head_name": r.head_name,
        "person_name": r.person_name, "item_code": r.item_code, "item_name": r.item_name,
        "component": r.component, "quantity": r.quantity,
        "occurred_on": r.occurred_on.isoformat(), "points": str(r.points),
    }  # fmt: skip


def _dump(result: Any) -> dict[str, Any]:
    return {
        **import_jobs.dump_common(result),
        **result.figures(),
        "rows": [_row(r) for r in result.rows[:PREVIEW_ROWS]],
        "totals": {
            "households": result.households,
            "points_added": str(result.points_added),
            "points_deducted": str(result.points_deducted),
        },
    }


def _load(data: dict[str, Any]) -> StoredEntryResult:
    rows = [
        PlannedRow(
            **{
                **r,
                "occurred_on": date.fromisoformat(r["occurred_on"]),
                "points": Decimal(r["points"]),
            }
        )
        for r in data.get("rows", [])
    ]
    return StoredEntryResult(
        ok=data["ok"],
        errors=import_jobs.load_problems(data["errors"]),
        warnings=import_jobs.load_problems(data["warnings"]),
        created=int(data.get("created", 0)),
        dry_run=bool(data.get("dry_run")),
        rows=rows,
        totals=data.get("totals", {}),
    )


ENTRIES = import_jobs.ImportKind(
    name="ledger.entries",
    perm=Perm.RECORD_POINTS,
    title="积分记录",
    prefix=entry_import.TOKEN_PREFIX,
    page="points_import:job",
    check=entry_import.check_entries,
    apply=entry_import.pending_entries_confirm,
    summary=imported_message,
    done_url=import_jobs.done_page("points_import:upload", with_village=True),
    confirmable=lambda result: bool(result.created),
    dump=_dump,
    load=_load,
)


def register_kinds() -> None:
    import_jobs.register_import(ENTRIES)
