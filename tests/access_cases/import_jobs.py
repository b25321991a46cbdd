"""Who may see an import's job page (households.import_jobs): the user who
uploaded the file, and the users holding the import's permission over the job's
region (for the roster: registry.change over the village; for point entries:
points.record over the part of the village the uploader reaches)."""

from __future__ import annotations

from tests.access_cases import Case
from tests.access_cases.points_import import _csv, _scheme
from tests.access_cases.roster import CHANGERS, _roster

# registry.change over village A1 (the roster job's region).
ROSTER_VIEWERS = {"district_admin", "town_admin", "committee_head", "committee_deputy"}
# points.record over group A1-1 (the job of a sub-team member of that group).
ENTRY_VIEWERS = {"committee_head", "committee_deputy", "committee_member", "subteam_member"}


def _roster_job(w):
    from sanxin.households import import_jobs
    from sanxin.households.jobs import ROSTER
    from sanxin.jobs.models import Job

    job = Job.objects.filter(kind=ROSTER.check_kind).first()
    if job is None:
        job = import_jobs.start_check(
            ROSTER,
            actor=w.users["committee_head"],
            village=w.village_a1,
            filename="roster.xlsx",
            content=_roster(),
        )
    return job


def _entries_job(w):
    from sanxin.households import import_jobs
    from sanxin.jobs.models import Job
    from sanxin.ledger.jobs import ENTRIES

    job = Job.objects.filter(kind=ENTRIES.check_kind).first()
    if job is None:
        _scheme(w)
        job = import_jobs.start_check(
            ENTRIES,
            actor=w.users["subteam_member"],
            village=w.village_a1,
            filename="积分.csv",
            content=_csv(),
        )
    return job


CASES = [
    Case(
        "households:roster_job",
        lambda w: f"/households/import/jobs/{_roster_job(w).pk}/",
        ROSTER_VIEWERS,
        setup=_roster_job,
    ),
    Case(
        "points_import:job",
        lambda w: f"/points/import/jobs/{_entries_job(w).pk}/",
        ENTRY_VIEWERS,
        setup=_entries_job,
    ),
]
assert ROSTER_VIEWERS <= CHANGERS
