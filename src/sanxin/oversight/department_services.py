"""The one write of the department views: the audit row of the party-member list's
export (people's names, masked as the user's field rules say, and their points)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit

if TYPE_CHECKING:
    from sanxin.accounts.models import User
    from sanxin.regions.models import Region

MEMBERS_EXPORT_ACTION = "department.members_export"


def party_members_exported(
    *, actor: User, district: Region, rows: int, filters: dict[str, str]
) -> None:
    """Someone took the district's list of party members (village, 户号, name, the
    household's grade, vanguard points) out of the system as a spreadsheet: a bulk
    read of people, written down like the household list's export."""
    if not scope_for(actor).covers_region(district, Perm.DEPARTMENT_VIEWS):
        raise PermissionDenied
    audit(
        actor=actor,
        action=MEMBERS_EXPORT_ACTION,
        obj=district,
        region_path=district.path,
        after={"rows": rows, "filters": filters},
    )
