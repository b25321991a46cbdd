"""The large household-list export as a background job: the same spreadsheet the list
page exports (web/views/households.py `export_households`), made under the starter's
scope at run time. Only the starter sees the job and its file (the kind names no
permission), while they still hold the registry permission over its region: the
columns are those the starter is shown."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, scope_for
from sanxin.jobs.kinds import JobFile, JobKind, Reporter, register
from sanxin.jobs.models import Job
from sanxin.lib.export import XLSX_TYPE
from sanxin.web.views.households import (
    EXPORT_FILENAME,
    Filters,
    _households,
    export_households,
)

HOUSEHOLD_EXPORT = "households.export"


def export_target(user_id: int) -> str:
    return f"households.export:{user_id}"


def run_household_export(job: Job, report: Reporter) -> dict[str, Any]:
    """params: the list's filters {"q", "group", "grade"}."""
    scope = scope_for(job.started_by)
    filters = Filters.from_data(job.params)
    report.remember(unit=_("户"))
    report.set_total(_households(scope, filters).count())
    content, rows = export_households(scope, filters, actor=job.started_by, on_rows=report.advance)
    return {
        "lines": [_("共 %(n)s 户") % {"n": rows}],
        "url": f"{reverse('households:list')}?{filters.querystring()}",
        "file": JobFile(content, _(EXPORT_FILENAME), XLSX_TYPE),
    }


def register_kinds() -> None:
    register(
        JobKind(
            name=HOUSEHOLD_EXPORT,
            perm=None,
            starter_perm=Perm.VIEW_REGISTRY,
            run=run_household_export,
        )
    )
