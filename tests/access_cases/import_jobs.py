"""Who may see an import's job page (households.import_jobs): the user who
uploaded the file, and the users holding the import's permission over the job's
region (for the roster: registry.change over the village; for point entries:
points.record over the part of the village the uploader reaches; for credit
assessments: credit.record over the village; for repayments: lending.manage over
the region the file went into). The last two are the credit union's officers
only: an assessment's answers and a loan's repayments are financial details."""

from __future__ import annotations

from tests.access_cases import Case
from tests.access_cases.points_import import _csv, _scheme
from tests.access_cases.roster import CHANGERS, _roster

# registry.change over village A1 (the roster job's region).
ROSTER_VIEWERS = {"district_admin", "town_admin", "committee_head", "committee_deputy"}
# points.record over group A1-1 (the job of a sub-team member of that group).
ENTRY_VIEWERS = {"committee_head", "committee_deputy", "committee_member", "subteam_member"}
# credit.record over village A1 / lending.manage over town A: the town's credit officer.
CREDIT_VIEWERS = {"credit_officer"}
REPAYMENT_VIEWERS = {"credit_officer"}


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


def _credit_job(w):
    from sanxin.credit.jobs import CREDIT
    from sanxin.households import import_jobs
    from sanxin.jobs.models import Job
    from tests.access_cases.credit import _csv as credit_csv
    from tests.access_cases.credit import _scheme as credit_scheme

    job = Job.objects.filter(kind=CREDIT.check_kind).first()
    if job is None:
        credit_scheme(w)
        job = import_jobs.start_check(
            CREDIT,
            actor=w.users["credit_officer"],
            village=w.village_a1,
            filename="评定.csv",
            content=credit_csv(),
        )
    return job


def _repayment_job(w):
    from sanxin.households import import_jobs
    from sanxin.jobs.models import Job
    from sanxin.lending.jobs import REPAYMENTS
    from tests.access_cases.lending_loans import _csv as repayment_csv
    from tests.access_cases.lending_loans import _loan

    job = Job.objects.filter(kind=REPAYMENTS.check_kind).first()
    if job is None:
        _loan(w)
        job = import_jobs.start_check(
            REPAYMENTS,
            actor=w.users["credit_officer"],
            village=w.town_a,
            filename="还款.csv",
            content=repayment_csv(w),
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
    Case(
        "credit:import_job",
        lambda w: f"/credit/import/jobs/{_credit_job(w).pk}/",
        CREDIT_VIEWERS,
        setup=_credit_job,
    ),
    Case(
        "lending:repayment_import_job",
        lambda w: f"/lending/repayments/import/jobs/{_repayment_job(w).pk}/",
        REPAYMENT_VIEWERS,
        setup=_repayment_job,
    ),
]
assert ROSTER_VIEWERS <= CHANGERS
