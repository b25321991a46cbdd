"""The credit-union imports as background jobs (households.import_jobs), on the
immediate backend: the 双基 assessment import (credit) and the bank's repayment
file (lending). For each: the check and the apply with their progress, the
row-numbered problems waiting on the job's page, all or nothing when the last row
fails, a retry after the worker died midway, a double confirm applied once."""

from __future__ import annotations

import contextlib
import io
from datetime import date, timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from sanxin.credit import importing as credit_importing
from sanxin.credit import services as credit_services
from sanxin.credit.jobs import CREDIT
from sanxin.credit.models import CreditAssessment
from sanxin.households import import_jobs
from sanxin.households.models import PendingImport
from sanxin.jobs import services as job_services
from sanxin.jobs.choices import JobStatus
from sanxin.jobs.models import Job
from sanxin.lending.jobs import REPAYMENTS
from sanxin.lending.models import Repayment
from sanxin.lending.services import repayments as repayment_services
from tests.access_cases.credit import ANSWERS, CSV_HEADER
from tests.factories import sheet_csv
from tests.lending.loan_world import credit_line, disbursed, policy

OFFICER = "credit_officer"
REPAY_HEADER = ("贷款编号", "还款日期", "金额", "流水号")


class Killed(BaseException):
    """What the worker's death looks like to the job: not an Exception."""


def credit_csv(rows: list[tuple[str, str]]) -> bytes:
    """One assessment a (household number, period) row, answered by option codes."""
    lines = [CSV_HEADER] + [
        f"{number},{period},{period}-05-01,3plus,2,good,ge_1,ge_1,ge_1,ge_5k,normal,"
        for number, period in rows
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


CREDIT_ROWS = [("001", "2024"), ("002", "2024"), ("001", "2025")]


def _day(days_ago: int) -> str:
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


def repayment_csv(rows=None) -> bytes:
    rows = rows or [
        ("JJ-A", _day(30), "1000.50", "LS1"),
        ("JJ-B", _day(20), "300", "LS2"),
        ("JJ-A", _day(10), "99.5", "LS3"),
    ]
    return sheet_csv(rows, header=REPAY_HEADER)


@pytest.fixture
def loans(world):
    policy(world)
    credit_line(world)
    credit_line(world, household=world.household_a1_2)
    start = timezone.localdate() - timedelta(days=70)
    disbursed(world, amount="12000", number="JJ-A", on=start)
    disbursed(world, household=world.household_a1_2, amount="5000", number="JJ-B", on=start)


@pytest.fixture(params=["credit", "repayments"])
def kind(request, world, monkeypatch):
    """Each import with what it needs: (kind, region, a good 3-row file, counter,
    the module and function each row is written through, the pages' base URL)."""
    if request.param == "credit":
        request.getfixturevalue("scheme")
        monkeypatch.setattr(credit_services, "WRITE_CHUNK", 1)  # a bulk insert a row
        return (
            CREDIT,
            world.village_a1,
            credit_csv(CREDIT_ROWS),
            CreditAssessment.objects.count,
            (credit_services, "_create_assessments"),
            "/credit/import/",
        )
    request.getfixturevalue("loans")
    return (
        REPAYMENTS,
        world.town_a,
        repayment_csv(),
        Repayment.objects.count,
        (repayment_services, "_record"),
        "/lending/repayments/import/",
    )


def check(kind, region, world, content: bytes, filename="f.csv") -> Job:
    job = import_jobs.start_check(
        kind, actor=world.users[OFFICER], village=region, filename=filename, content=content
    )
    job.refresh_from_db()
    return job


def apply(kind, job: Job, world) -> Job:
    pending = PendingImport.objects.get(pk=job.params["pending"])
    applied = import_jobs.start_apply(kind, actor=world.users[OFFICER], pending=pending)
    applied.refresh_from_db()
    return applied


def fail_on_call(monkeypatch, target, name: str, n: int, error: BaseException) -> list:
    """Make the n-th call of target.name raise `error` (the others go through)."""
    real, calls = getattr(target, name), []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, failing)
    return calls


# --- checked then applied, with progress ------------------------------------------------


def test_check_and_apply_as_jobs_with_progress(world, kind):
    k, region, content, count, _target, _base = kind
    checked = check(k, region, world, content)
    assert checked.status == JobStatus.SUCCEEDED
    assert (checked.done, checked.total) == (3, 3)  # rows checked of rows
    outcome = checked.result["outcome"]
    assert outcome["ok"], outcome["errors"]
    assert outcome["created"] == 3 and checked.result["confirmable"]
    assert count() == 0, "the check writes nothing"

    applied = apply(k, checked, world)
    assert applied.status == JobStatus.SUCCEEDED
    assert (applied.done, applied.total) == (3, 3)  # rows recorded of rows
    assert count() == 3
    assert not PendingImport.objects.exists()
    line = applied.result["lines"][0]
    assert ("录入 3 户的评定" in line) if k is CREDIT else ("登记 3 笔，共 1,400.00 元" in line)


def test_credit_rows_are_recorded_with_their_district(world, scheme):
    checked = check(CREDIT, world.village_a1, world, credit_csv(CREDIT_ROWS))
    apply(CREDIT, checked, world)
    assert set(CreditAssessment.objects.values_list("district_id", flat=True)) == {
        world.district.pk
    }


# --- the problems, on the job's page ------------------------------------------------------


def test_credit_problems_are_row_numbered_on_the_job_page(world, scheme, login):
    job = check(CREDIT, world.village_a1, world, credit_csv([("001", "2024"), ("999", "2024")]))
    assert job.status == JobStatus.SUCCEEDED and not job.result["outcome"]["ok"]
    assert job.result["outcome"]["errors"][0]["row"] == 3
    assert not PendingImport.objects.exists(), "a refused file is not kept"
    page = login(world.users[OFFICER]).get(f"/credit/import/jobs/{job.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "没有户号为“999”" in html and ">3<" in html and "确认导入" not in html


def test_repayment_problems_are_row_numbered_on_the_job_page(world, loans, login):
    rows = [
        ("JJ-A", _day(5), "10", "X1"),
        ("JJ-A", "昨天", "10", "X2"),
        ("JJ-X", _day(5), "10", "X3"),
    ]
    job = check(REPAYMENTS, world.town_a, world, repayment_csv(rows))
    errors = job.result["outcome"]["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(3, "还款日期"), (4, "贷款编号")]
    page = login(world.users[OFFICER]).get(f"/lending/repayments/import/jobs/{job.pk}/")
    html = page.content.decode()
    assert "无法识别的日期“昨天”" in html and "JJ-X" in html and "确认导入" not in html


def test_the_upload_returns_the_job_page_while_the_worker_has_not_run(
    world, kind, login, monkeypatch
):
    k, region, content, count, _target, base = kind
    monkeypatch.setattr(job_services, "_enqueue", lambda job: None)  # a worker yet to come
    client = login(world.users[OFFICER])
    file = io.BytesIO(content)
    file.name = "导入.csv"
    response = client.post(base, {"village": region.pk, "file": file})
    job = Job.objects.get(kind=k.check_kind)
    assert response.status_code == 302 and response["Location"] == f"{base}jobs/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress/"' in page and "排队中" in page
    job_services.job_run(job.pk, job.attempt)  # the worker
    page = client.get(response["Location"]).content.decode()
    assert "确认导入" in page and count() == 0


def test_nobody_but_the_credit_union_sees_the_jobs(world, kind, login):
    k, region, content, _count, _target, base = kind
    job = check(k, region, world, content)
    for user in ("district_admin", "town_admin", "committee_head", "other_credit_officer"):
        assert login(world.users[user]).get(f"{base}jobs/{job.pk}/").status_code in (403, 404)
        assert login(world.users[user]).get(f"/jobs/{job.pk}/").status_code in (403, 404)


# --- all or nothing ------------------------------------------------------------------------


def test_a_row_failing_at_the_end_leaves_nothing(world, kind, monkeypatch):
    k, region, content, count, (target, name), _base = kind
    checked = check(k, region, world, content)
    calls = fail_on_call(monkeypatch, target, name, 3, IntegrityError("the last row"))
    applied = apply(k, checked, world)
    assert applied.status == JobStatus.FAILED and len(calls) == 3
    first = "有农户的评定刚被他人录入或修改" if k is CREDIT else "第 4 行"
    assert applied.errors[0].startswith(first), applied.errors
    assert any("已全部撤销" in e for e in applied.errors)
    assert count() == 0


def test_credit_data_changed_since_the_check_is_named_by_row(world, scheme):
    checked = check(CREDIT, world.village_a1, world, credit_csv(CREDIT_ROWS))
    # Meanwhile the last row's household is assessed for 2025 on the web.
    credit_services.assessment_record(
        actor=world.users[OFFICER],
        household=world.household,
        period="2025",
        assessed_on=date(2025, 5, 1),
        answers=ANSWERS,
    )
    applied = apply(CREDIT, checked, world)
    assert applied.status == JobStatus.FAILED
    assert applied.errors == ["第 4 行 评定期：该户本期已有评定，请在网页上更正。"]
    assert CreditAssessment.objects.count() == 1


def test_a_failed_apply_shows_the_preview_with_its_rows(world, kind, monkeypatch, login):
    k, region, content, count, (target, name), base = kind
    checked = check(k, region, world, content)
    token = PendingImport.objects.get(pk=checked.params["pending"]).token
    fail_on_call(monkeypatch, target, name, 3, IntegrityError("the last row"))
    response = login(world.users[OFFICER]).post(f"{base}{token}/confirm/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "导入没有完成，没有保存任何数据" in html and "已全部撤销" in html
    assert count() == 0


# --- a worker killed midway, then a retry ---------------------------------------------------


def test_a_worker_killed_midway_leaves_nothing_and_the_retry_applies_once(world, kind, monkeypatch):
    k, region, content, count, (target, name), _base = kind
    checked = check(k, region, world, content)
    real = getattr(target, name)
    fail_on_call(monkeypatch, target, name, 2, Killed())
    # The immediate backend may pass it on; the worker's process would be gone.
    with contextlib.suppress(Killed):
        apply(k, checked, world)
    job = Job.objects.get(kind=k.apply_kind)
    assert job.status == JobStatus.RUNNING and count() == 0
    assert PendingImport.objects.filter(pk=checked.params["pending"]).exists()

    # The worker's heartbeat finds the job stale; a retry applies the stored file.
    job_services.jobs_fail_stale(timezone.now() + timedelta(hours=1))
    monkeypatch.setattr(target, name, real)
    job_services.job_retry(actor=world.users[OFFICER], job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempt == 2 and count() == 3

    # A retry of an apply whose commit went through reports it, applying nothing again.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    job_services.job_retry(actor=world.users[OFFICER], job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and count() == 3


# --- a double confirm ------------------------------------------------------------------------


def test_a_double_confirm_before_the_worker_runs_applies_once(world, kind, monkeypatch):
    k, region, content, count, _target, _base = kind
    checked = check(k, region, world, content)
    monkeypatch.setattr(job_services, "_enqueue", lambda job: None)
    pending = PendingImport.objects.get(pk=checked.params["pending"])
    first = import_jobs.start_apply(k, actor=world.users[OFFICER], pending=pending)
    second = import_jobs.start_apply(k, actor=world.users[OFFICER], pending=pending)
    assert first.pk == second.pk
    assert Job.objects.filter(kind=k.apply_kind).count() == 1
    job_services.job_run(first.pk, first.attempt)
    assert count() == 3


def test_a_double_tap_on_the_page_confirms_once(world, kind, login):
    k, region, content, count, _target, base = kind
    client = login(world.users[OFFICER])
    checked = check(k, region, world, content)
    token = PendingImport.objects.get(pk=checked.params["pending"]).token
    first = client.post(f"{base}{token}/confirm/")
    second = client.post(f"{base}{token}/confirm/")
    assert first.status_code == 302 and second.status_code == 404
    assert count() == 3


# --- cheap for a large file ---------------------------------------------------------------


def test_the_credit_import_costs_the_same_queries_for_more_rows(world, scheme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sanxin.households.models import Household

    Household.objects.bulk_create(
        Household(
            village=world.village_a1,
            villager_group=world.group_a1_2,
            district_id=world.district.pk,
            number=f"{300 + i}",
            head_name=f"户主{i}",
            member_count=1,
        )
        for i in range(20)
    )

    def queries(numbers: list[str]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            result = credit_importing.import_credit(
                credit_csv([(n, "2024") for n in numbers]),
                "评定.csv",
                world.village_a1,
                actor=world.users[OFFICER],
                dry_run=False,
            )
        assert result.ok and result.created == len(numbers), result.errors
        return len(ctx.captured_queries)

    few = queries(["300", "301"])
    many = queries([str(300 + i) for i in range(2, 20)])
    assert many <= few  # (the first import also warms a cache or two)
    assert CreditAssessment.objects.filter(district=world.district).count() == 20
