"""The one write of the lending reports: the audit row of a household-level export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit

if TYPE_CHECKING:
    from sanxin.accounts.models import User
    from sanxin.regions.models import Region

EXPORT_ACTION = "lending.report_export"


def lending_report_exported(
    *, actor: User, village: Region, rows: int, filters: dict[str, str]
) -> None:
    """Someone took the loan figures of a village's households (户号, head, line,
    loans, outstanding) out of the system as a spreadsheet: a bulk read of financial
    data, written down like the household list's export."""
    if not scope_for(actor).covers_region(village, Perm.LENDING_VIEW):
        raise PermissionDenied
    audit(
        actor=actor,
        action=EXPORT_ACTION,
        obj=village,
        region_path=village.path,
        after={"rows": rows, "filters": filters},
    )
