"""The ratings' background jobs: computing one village's cycle or several (a
district's) from the page, and printing a village's certificates as one PDF.

Each village's cycle is computed by `cycle_compute` in its own transaction, so a worker
killed midway leaves every village either computed or untouched; a retry skips the
villages an earlier attempt finished. The certificates are issued in one transaction
(a retry reuses them: a certificate already issued for a grade keeps its serial), then
drawn page by page; the file becomes visible only with the finished job."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm
from sanxin.jobs.kinds import JobFile, JobKind, Reporter, register
from sanxin.jobs.models import Job
from sanxin.ratings.certificates import certificate_doc
from sanxin.ratings.models import Cycle
from sanxin.ratings.pdf import certificates_pdf
from sanxin.ratings.services.certificates import certificates_issue_village
from sanxin.ratings.services.cycles import cycle_compute, cycles_open_district
from sanxin.regions.models import Region
from sanxin.rules.scheme import GRADE_LABELS

COMPUTE = "ratings.compute"
COMPUTE_DISTRICT = "ratings.compute_district"
CERTIFICATES = "ratings.certificates"
# Progress is written every this many pages (each write is one UPDATE).
PAGES_PER_STEP = 20


def cycle_target(cycle_id: int) -> str:
    return f"ratings.cycle:{cycle_id}"


def district_target(district_id: int, period: str) -> str:
    return f"ratings.district:{district_id}:{period}"


def certificates_target(village_id: int) -> str:
    return f"ratings.certificates:{village_id}"


def run_certificates(job: Job, report: Reporter) -> dict[str, Any]:
    """params: {"village": id, "min_grade": "3A", "site": the page's root URL}. The
    same PDF the page printed before: one landscape page per household whose grade in
    force reaches `min_grade`, by household number."""
    p = job.params
    village = Region.objects.select_related("parent").get(pk=p["village"])
    min_grade = p["min_grade"]
    certs, new = certificates_issue_village(
        actor=job.started_by, village=village, min_grade=min_grade
    )
    label = GRADE_LABELS.get(min_grade, min_grade)
    if not certs:
        raise ValidationError(_("没有在用等级达到 %(g)s 且仍在有效期内的农户") % {"g": label})
    report.remember(unit=_("户"))
    report.set_total(len(certs))
    title = _("%(village)s信用等级证书（%(g)s及以上）") % {"village": village.name, "g": label}

    def pages_done(pages: int) -> None:
        if pages % PAGES_PER_STEP == 0:
            report.advance(pages)

    content = certificates_pdf(
        [certificate_doc(c, village, p["site"]) for c in certs], title=title, progress=pages_done
    )
    lines = [
        _("共 %(n)s 户的证书，每户一页") % {"n": len(certs)},
        _("新出具 %(new)s 张，沿用原编号 %(old)s 张") % {"new": new, "old": len(certs) - new},
    ]
    return {
        "lines": lines,
        "url": reverse("ratings:village_results", args=[village.pk]),
        "file": JobFile(content, f"{title}.pdf", "application/pdf"),
    }


def run_compute(job: Job, report: Reporter) -> dict[str, Any]:
    """params: {"cycles": [[cycle id, the run the page showed or null], ...]}."""
    return _compute_each(job, report, [(int(pk), seen) for pk, seen in job.params["cycles"]])


def run_compute_district(job: Job, report: Reporter) -> dict[str, Any]:
    """params: {"district": id, "period": "2025", "cut_off": "2025-11-20", "history":
    bool}. Opens the district's missing cycles of the period (once: a retry finds them
    opened), then computes them village by village."""
    if "cycles" not in job.result:
        p = job.params
        found = cycles_open_district(
            actor=job.started_by,
            district=Region.objects.get(pk=p["district"]),
            period=p["period"],
            cut_off=date.fromisoformat(p["cut_off"]),
            history=bool(p.get("history")),
        )
        report.remember(
            cycles=[c.pk for c in found.cycles],
            skipped=len(found.skipped),
            opened=found.opened,
        )
    summary = _compute_each(job, report, [(pk, None) for pk in job.result["cycles"]])
    lines = [f"已计算 {len(job.result['cycles'])} 个村，共 {summary['households']} 户"]
    if job.result.get("skipped"):
        lines.append(f"{job.result['skipped']} 个村的周期已在公示或已定级，未重新计算")
    return {**summary, "lines": lines, "url": reverse("ratings:list")}


def _compute_each(job: Job, report: Reporter, pairs: list[tuple[int, Any]]) -> dict[str, Any]:
    finished = set(job.result.get("cycles_done", []))
    households = int(job.result.get("households", 0))
    report.set_total(len(pairs))
    report.advance(len(finished))
    for pk, seen in pairs:
        if pk in finished:
            continue
        cycle = Cycle.objects.select_related("village").get(pk=pk)
        if seen is not None and job.attempt == 1:
            # A second click on the same page is refused, as before (the stale check).
            cycle.current_run = int(seen)
        households += cycle_compute(actor=job.started_by, cycle=cycle).households
        finished.add(pk)
        report.remember(cycles_done=sorted(finished), households=households)
        report.advance(len(finished))
    url = (
        reverse("ratings:cycle", args=[pairs[0][0]]) if len(pairs) == 1 else reverse("ratings:list")
    )
    return {"lines": [f"已计算 {households} 户"], "households": households, "url": url}


def register_kinds() -> None:
    register(JobKind(name=COMPUTE, perm=Perm.RUN_RATINGS, run=run_compute))
    register(JobKind(name=COMPUTE_DISTRICT, perm=Perm.RUN_RATINGS, run=run_compute_district))
    register(JobKind(name=CERTIFICATES, perm=Perm.ISSUE_CERTIFICATES, run=run_certificates))
