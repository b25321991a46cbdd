"""The leading group's report as a background job: the figures gathered again under
the starter's scope (lending figures only when the starter is shown them), then the
A4 PDF. Only the starter sees the job and its file (the kind names no permission),
while they can still see reports of its region: a report holds what its reader may
see, not what everyone over the region may."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, scope_for
from sanxin.jobs.kinds import JobFile, JobKind, Reporter, register
from sanxin.jobs.models import Job
from sanxin.oversight.figures import Period
from sanxin.oversight.report import build_report, report_filename, report_regions
from sanxin.oversight.report_pdf import report_pdf

REPORT_PDF = "oversight.report_pdf"


def report_target(region_id: int, start: date, end: date) -> str:
    return f"oversight.report:{region_id}:{start:%Y%m%d}-{end:%Y%m%d}"


def run_report_pdf(job: Job, report: Reporter) -> dict[str, Any]:
    """params: {"region": id, "start", "end", "made_on": ISO dates}."""
    p = job.params
    scope = scope_for(job.started_by)
    region = next((r for r in report_regions(scope) if r.pk == p["region"]), None)
    if region is None:
        raise PermissionDenied(_("没有权限查看该地区的工作报告"))
    report.set_total(2)
    result = build_report(
        scope,
        region,
        Period(date.fromisoformat(p["start"]), date.fromisoformat(p["end"])),
        date.fromisoformat(p["made_on"]),
    )
    report.advance(1)
    content = report_pdf(result)
    query = urlencode({"region": region.pk, "start": p["start"], "end": p["end"]})
    return {
        "lines": [_("%(title)s（PDF，A4）") % {"title": result.title}],
        "url": f"{reverse('oversight:report')}?{query}",
        "file": JobFile(content, report_filename(result, "pdf"), "application/pdf"),
    }


def register_kinds() -> None:
    register(JobKind(name=REPORT_PDF, perm=None, starter_perm=Perm.REPORT_VIEW, run=run_report_pdf))
