"""The spreadsheet imports as background jobs (households.import_jobs), on the
immediate backend: the check and the apply with their progress, the row-numbered
problems waiting on the job's page, all or nothing when a row fails at the end, a
retry after the worker died midway, a double confirm applied once, and the row
limit."""

from __future__ import annotations

import contextlib
import io
from datetime import date, timedelta
from functools import partial

import pytest
from django.db import IntegrityError
from django.utils import timezone

from sanxin.households import import_jobs, importing
from sanxin.households.jobs import ROSTER
from sanxin.households.models import Household, PendingImport, Person
from sanxin.jobs import services as job_services
from sanxin.jobs.choices import JobStatus
from sanxin.jobs.models import Job
from sanxin.ledger import services as ledger_services
from sanxin.ledger.jobs import ENTRIES
from sanxin.ledger.models import Entry
from sanxin.lib.sheet_reader import Limits
from tests import crafted_files as crafted
from tests.factories import sheet_xlsx, valid_id

ROSTER_HEADER = ["户号", "村民小组", "姓名", "与户主关系", "身份证号"]
ENTRY_HEADER = ["户号", "姓名", "积分项", "数量", "发生日期", "事实依据"]
roster_xlsx = partial(sheet_xlsx, header=ROSTER_HEADER)
entries_xlsx = partial(sheet_xlsx, header=ENTRY_HEADER)


def roster_rows(n: int = 6) -> list[list]:
    """`n` people, two to a household, in new households 801, 802, ..."""
    return [
        [str(801 + i // 2), "第一村民小组", f"测试{i}", "户主" if i % 2 == 0 else "配偶",
         valid_id(700 + i)]
        for i in range(n)
    ]  # fmt: skip


def entry_rows() -> list[list]:
    return [
        ["001", "", "env.tidy", 1, (date(2025, 6, 1) + timedelta(days=i)).isoformat(), "检查记录"]
        for i in range(3)
    ]


def check(kind, world, user, content: bytes, filename="f.xlsx") -> Job:
    job = import_jobs.start_check(
        kind, actor=world.users[user], village=world.village_a1, filename=filename, content=content
    )
    job.refresh_from_db()
    return job


def apply(kind, job: Job, world, user) -> Job:
    pending = PendingImport.objects.get(pk=job.params["pending"])
    applied = import_jobs.start_apply(kind, actor=world.users[user], pending=pending)
    applied.refresh_from_db()
    return applied


def people_in_801_on() -> int:
    return Person.objects.filter(household__number__gte="801").count()


# --- each kind, checked then applied --------------------------------------------------


def test_roster_check_and_apply_as_jobs_with_progress(world):
    checked = check(ROSTER, world, "committee_head", roster_xlsx(roster_rows()))
    assert checked.status == JobStatus.SUCCEEDED
    assert (checked.done, checked.total) == (6, 6)  # rows checked of rows
    assert checked.result["outcome"]["ok"] and checked.result["confirmable"]
    assert people_in_801_on() == 0, "the check writes nothing"

    applied = apply(ROSTER, checked, world, "committee_head")
    assert applied.status == JobStatus.SUCCEEDED
    assert (applied.done, applied.total) == (6, 6)  # people written of people
    assert "新增农户 3 户" in applied.result["lines"][0]
    assert people_in_801_on() == 6
    assert Household.objects.get(village=world.village_a1, number="801").head_name == "测试0"
    assert not PendingImport.objects.exists()


def test_entries_check_and_apply_as_jobs_with_progress(world, scheme):
    checked = check(ENTRIES, world, "committee_member", entries_xlsx(entry_rows()))
    assert checked.status == JobStatus.SUCCEEDED and checked.total == 3
    outcome = checked.result["outcome"]
    assert outcome["ok"] and outcome["created"] == 3 and len(outcome["rows"]) == 3
    assert not Entry.objects.exists()

    applied = apply(ENTRIES, checked, world, "committee_member")
    assert applied.status == JobStatus.SUCCEEDED
    assert "3 条" in applied.result["lines"][0]
    assert Entry.objects.filter(household=world.household, item_code="env.tidy").count() == 3


# --- the problems, on the job's page --------------------------------------------------


def test_row_numbered_problems_wait_on_the_job_page(world, login):
    rows = roster_rows(4)
    rows[3][4] = "123"  # row 5: a short ID number
    job = check(ROSTER, world, "committee_head", roster_xlsx(rows))
    assert job.status == JobStatus.SUCCEEDED and not job.result["outcome"]["ok"]
    assert not PendingImport.objects.exists(), "a refused file is not kept"
    page = login(world.users["committee_head"]).get(f"/households/import/jobs/{job.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "身份证号应为 18 位，这里是 3 位" in html and ">5<" in html and "确认导入" not in html


def test_the_upload_returns_the_job_page_while_the_worker_has_not_run(world, login, monkeypatch):
    monkeypatch.setattr(job_services, "_enqueue", lambda job: None)  # a worker yet to come
    client = login(world.users["committee_head"])
    file = io.BytesIO(roster_xlsx(roster_rows(2)))
    file.name = "roster.xlsx"
    response = client.post("/households/import/", {"village": world.village_a1.pk, "file": file})
    job = Job.objects.get(kind=ROSTER.check_kind)
    assert (
        response.status_code == 302 and response["Location"] == f"/households/import/jobs/{job.pk}/"
    )
    page = client.get(response["Location"]).content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress/"' in page and "排队中" in page
    job_services.job_run(job.pk, job.attempt)  # the worker
    page = client.get(response["Location"]).content.decode()
    assert "确认导入" in page


# --- all or nothing ------------------------------------------------------------------


def test_roster_a_row_failing_at_the_end_leaves_nothing(world, monkeypatch):
    checked = check(ROSTER, world, "committee_head", roster_xlsx(roster_rows()))
    monkeypatch.setattr(importing, "WRITE_CHUNK", 1)
    real, calls = importing._create_people, []

    def fail_on_the_last(chunk, actor):
        calls.append(chunk)
        if len(calls) == 6:
            raise IntegrityError("the last row")
        real(chunk, actor)

    monkeypatch.setattr(importing, "_create_people", fail_on_the_last)
    applied = apply(ROSTER, checked, world, "committee_head")
    assert applied.status == JobStatus.FAILED
    assert any("已全部撤销" in e for e in applied.errors)
    assert people_in_801_on() == 0 and not Household.objects.filter(number="801").exists()


def test_roster_data_changed_since_the_check_is_named_by_row(world):
    rows = roster_rows()
    checked = check(ROSTER, world, "committee_head", roster_xlsx(rows))
    # Meanwhile the last row's person is registered in another household.
    importing.import_roster(
        roster_xlsx([["700", "第一村民小组", "别人", "户主", rows[-1][4]]]),
        "other.xlsx", world.village_a1, actor=None, dry_run=False,
    )  # fmt: skip
    applied = apply(ROSTER, checked, world, "committee_head")
    assert applied.status == JobStatus.FAILED
    assert any(e.startswith("第 7 行 身份证号：") for e in applied.errors)
    assert people_in_801_on() == 0


def test_entries_a_row_failing_at_the_end_leaves_nothing(world, scheme, monkeypatch):
    checked = check(ENTRIES, world, "committee_member", entries_xlsx(entry_rows()))
    monkeypatch.setattr(ledger_services, "BULK_CHUNK", 1)
    real, calls = ledger_services._save_many, []

    def fail_on_the_last(plans, **kwargs):
        calls.append(plans)
        if len(calls) == 3:
            raise IntegrityError("the last row")
        return real(plans, **kwargs)

    monkeypatch.setattr(ledger_services, "_save_many", fail_on_the_last)
    applied = apply(ENTRIES, checked, world, "committee_member")
    assert applied.status == JobStatus.FAILED and len(calls) == 3
    assert not Entry.objects.exists()


# --- a worker killed midway, then a retry ----------------------------------------------


class Killed(BaseException):
    """What the worker's death looks like to the job: not an Exception."""


@pytest.mark.parametrize("kind_name", ["roster", "entries"])
def test_a_worker_killed_midway_leaves_nothing_and_the_retry_applies_once(
    world, scheme, monkeypatch, kind_name
):
    if kind_name == "roster":
        kind, user, content, target = (
            ROSTER,
            "committee_head",
            roster_xlsx(roster_rows()),
            importing,
        )
        name, count = "_create_people", people_in_801_on
    else:
        kind, user, content, target = (
            ENTRIES,
            "committee_member",
            entries_xlsx(entry_rows()),
            ledger_services,
        )
        name, count = "_save_many", Entry.objects.count  # fmt: skip
    checked = check(kind, world, user, content)
    real = getattr(target, name)

    def die(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(target, name, die)
    # The immediate backend may pass it on; the worker's process would be gone.
    with contextlib.suppress(Killed):
        apply(kind, checked, world, user)
    job = Job.objects.get(kind=kind.apply_kind)
    assert job.status == JobStatus.RUNNING and count() == 0
    assert PendingImport.objects.filter(pk=checked.params["pending"]).exists()

    # The worker's heartbeat finds the job stale; a retry applies the stored file.
    job_services.jobs_fail_stale(timezone.now() + timedelta(hours=1))
    monkeypatch.setattr(target, name, real)
    job_services.job_retry(actor=world.users[user], job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempt == 2
    assert count() == (6 if kind is ROSTER else 3)

    # A retry of an apply whose commit went through reports it, applying nothing again.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    job_services.job_retry(actor=world.users[user], job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and count() == (6 if kind is ROSTER else 3)


# --- a double confirm -------------------------------------------------------------------


def test_a_double_confirm_before_the_worker_runs_applies_once(world, monkeypatch):
    checked = check(ROSTER, world, "committee_head", roster_xlsx(roster_rows()))
    monkeypatch.setattr(job_services, "_enqueue", lambda job: None)
    pending = PendingImport.objects.get(pk=checked.params["pending"])
    first = import_jobs.start_apply(ROSTER, actor=world.users["committee_head"], pending=pending)
    second = import_jobs.start_apply(ROSTER, actor=world.users["committee_head"], pending=pending)
    assert first.pk == second.pk
    assert Job.objects.filter(kind=ROSTER.apply_kind).count() == 1
    job_services.job_run(first.pk, first.attempt)
    assert people_in_801_on() == 6


def test_a_double_tap_on_the_page_confirms_once(world, scheme, login):
    client = login(world.users["committee_member"])
    checked = check(ENTRIES, world, "committee_member", entries_xlsx(entry_rows()))
    token = PendingImport.objects.get(pk=checked.params["pending"]).token
    first = client.post(f"/points/import/{token}/confirm/")
    second = client.post(f"/points/import/{token}/confirm/")
    assert first.status_code == 302 and second.status_code == 404
    assert Entry.objects.count() == 3


# --- the row limit -----------------------------------------------------------------


def test_the_row_limit_is_at_least_100000_and_a_file_past_it_is_refused_with_its_rows(world):
    limit = Limits.from_settings().rows
    assert limit >= 100_000
    values = ["001", "第一村民小组", "测试", "户主", "130803198005170010"]
    rows = (crafted.inline_row(n, values) for n in range(1, limit + 2))
    job = check(ROSTER, world, "committee_head", crafted.xlsx([rows]))
    (problem,) = job.result["outcome"]["errors"]
    assert problem["message"].startswith(
        f"文件超过 {limit:,} 行的上限（第 {limit + 1:,} 行），请分成几个文件分批导入"
    )
