"""The rating cycles' background job: computing one village's cycle or several (a
district's) from the page. Each village's cycle is computed by `cycle_compute` in its
own transaction, so a worker killed midway leaves every village either computed or
untouched; a retry skips the villages an earlier attempt finished."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from sanxin.accounts.scope import Perm
from sanxin.jobs.kinds import JobKind, Reporter, register
from sanxin.jobs.models import Job
from sanxin.ratings.models import Cycle
from sanxin.ratings.services.cycles import cycle_compute

COMPUTE = "ratings.compute"


def cycle_target(cycle_id: int) -> str:
    return f"ratings.cycle:{cycle_id}"


def run_compute(job: Job, report: Reporter) -> dict[str, Any]:
    """params: {"cycles": [[cycle id, the run the page showed or null], ...]}."""
    pairs = [(int(pk), seen) for pk, seen in job.params["cycles"]]
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
