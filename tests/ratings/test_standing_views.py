"""The screens of a household's standing: grade in force and history, certificates
(issue, PDF, public verification), a village's results over the years and the
notice PDF — as the villager, the committee and a stranger with the QR code see them."""

import io
import re
from collections import Counter
from datetime import date, timedelta
from urllib.parse import quote

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from sanxin.households.models import Household
from sanxin.ratings import certificates, selectors, standing
from sanxin.ratings.choices import CycleState, GradeSource
from sanxin.ratings.models import Certificate, GradeRecord, Rating
from sanxin.ratings.services import cycles as services
from sanxin.ratings.services import vetoes
from sanxin.ratings.services.certificates import certificate_issue
from sanxin.ratings.services.review import adjustment_decide, adjustment_propose
from sanxin.ratings.services.standing import _records_for_final_cycle
from sanxin.rules.scheme import GRADE_LABELS
from tests.factories import cycle_final, cycle_on_notice, make_household

TODAY = timezone.localdate()
CUT_OFF = TODAY - timedelta(days=40)
NOTICE_DAY = TODAY - timedelta(days=30)
FINAL_DAY = NOTICE_DAY + timedelta(days=7)


def _on_notice(world, period=None):
    return cycle_on_notice(world, cut_off=CUT_OFF, notice_day=NOTICE_DAY, period=period)


def _final(world, cycle=None):
    return cycle_final(world, cycle or _on_notice(world), day=FINAL_DAY)


def _veto(world):
    return vetoes.veto_record(
        actor=world.users["credit_officer"],
        household=world.household,
        rule_code="loan.malicious_default",
        starts_on=TODAY,
        evidence_text="信用社催收通知书（2026）第12号",
        today=TODAY,
    )


def _later_final(world):
    """A second cycle of the village, put in force today (supersedes the first)."""
    head = world.users["committee_head"]
    later = services.cycle_open(
        actor=head,
        village=world.village_a1,
        period=str(CUT_OFF.year + 9),
        cut_off=CUT_OFF,
        today=date(CUT_OFF.year + 9, 1, 1),
    )
    services.cycle_compute(actor=head, cycle=later)
    later.refresh_from_db()
    _records_for_final_cycle(
        cycle=later,
        grades=selectors.effective_grades(later),
        actor=head,
        today=TODAY,
        now=timezone.now(),
    )
    return later


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _grades_url(world):
    return f"/ratings/households/{world.household.pk}/grades/"


# --- grade in force and history ------------------------------------------------------


def test_before_the_first_final_cycle_the_grade_is_not_yet_rated(ready, login):
    page = login(ready.users["villager"]).get(_grades_url(ready)).content.decode()
    assert "尚未评定" in page and "还没有等级记录" in page and "出具信用等级证书" not in page
    detail = (
        login(ready.users["villager"]).get(f"/households/{ready.household.pk}/").content.decode()
    )
    assert "在用信用等级" in detail and "尚未评定" in detail and _grades_url(ready) in detail


def test_history_shows_the_cycle_grade_then_the_dynamic_downgrade_with_its_reason(ready, login):
    world = ready
    cycle = _final(world)
    grade = standing.grade_in_force(world.household).grade
    assert grade != "unrated"
    client = login(world.users["villager"])
    page = client.get(_grades_url(world)).content.decode()
    assert f'<div class="points-grade">{grade}</div>' in page
    assert (
        "周期评定" in page
        and f"自 {FINAL_DAY:%Y-%m-%d} 起生效" in page
        and f"/ratings/{cycle.pk}/" in page
    )
    assert "出具信用等级证书" in page  # the household may print its own

    _veto(world)
    page = client.get(_grades_url(world)).content.decode()
    assert '<div class="points-grade">未评级</div>' in page
    assert "动态调整" in page and "恶意拖欠信用社贷款" in page
    assert "当前未评级，不能出具信用等级证书" in page and 'action="/ratings/households/' not in page
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.index("未评级") < rows.index(grade)  # newest first
    assert rows.index("动态调整") < rows.index("周期评定")
    # The household page shows it too, with the link to the history.
    detail = client.get(f"/households/{world.household.pk}/").content.decode()
    assert "在用信用等级" in detail and "动态调整" in detail and _grades_url(world) in detail


def test_expired_grade_says_so(ready, login, monkeypatch):
    world = ready
    _final(world)
    record = standing.grade_in_force(world.household)
    later = record.valid_until + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later)
    page = login(world.users["committee_head"]).get(_grades_url(world)).content.decode()
    assert f"该等级已于 {record.valid_until:%Y-%m-%d} 过期" in page
    assert "等级已过有效期，不能出具信用等级证书" in page
    response = login(world.users["committee_head"]).post(
        f"/ratings/households/{world.household.pk}/certificates/", follow=True
    )
    assert (
        f"该户的等级已于 {record.valid_until:%Y-%m-%d} 过期，不能出具证书"
        in response.content.decode()
    )


def test_grades_page_visibility(ready, login):
    world = ready
    _final(world)
    for user in (
        "other_villager",
        "neighbour_committee_head",
        "other_district_admin",
        "other_group_subteam",
    ):
        assert login(world.users[user]).get(_grades_url(world)).status_code == 404
    page = login(world.users["shop_clerk"]).get(_grades_url(world)).content.decode()
    assert "在用信用等级" in page and "出具信用等级证书" not in page


def _grades_queries(client, world):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(_grades_url(world)).status_code == 200
    return len(ctx.captured_queries)


def test_grades_page_query_count_is_fixed(ready, login):
    world = ready
    _final(world)
    head = world.users["committee_head"]
    certificate_issue(actor=head, household=world.household)
    client = login(head)
    few = _grades_queries(client, world)
    for _ in range(4):
        certificate_issue(actor=head, household=world.household)
    event = _veto(world)
    vetoes.veto_revoke(actor=world.users["credit_officer"], event=event, reason="系统误报")
    certificate_issue(actor=head, household=world.household)
    _later_final(world)
    assert (
        Certificate.objects.count() == 6
        and GradeRecord.objects.filter(household=world.household).count() == 4
    )
    assert _grades_queries(client, world) == few


# --- certificates --------------------------------------------------------------------


def test_issue_then_download_the_certificate_pdf(ready, login):
    world = ready
    _final(world)
    client = login(world.users["villager"])
    response = client.post(f"/ratings/households/{world.household.pk}/certificates/", follow=True)
    cert = Certificate.objects.get()
    page = response.content.decode()
    assert f"已出具信用等级证书（编号 {cert.serial}）" in page
    assert f'href="/ratings/certificates/{cert.pk}.pdf"' in page and "查看并打印 PDF" in page
    assert cert.serial in page.split("<tbody>")[-1] and "有效" in page

    response = client.get(f"/ratings/certificates/{cert.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert (
        disposition.startswith("inline") and quote(f"信用等级证书-{cert.serial}.pdf") in disposition
    )
    text = _pdf_text(response.content)
    assert cert.serial in text and "王*山" in text and "王大山" not in text
    assert "大贵口村评信团" in text and "双塔山镇" in text
    # Only those who see the household get it.
    assert (
        login(world.users["other_villager"]).get(f"/ratings/certificates/{cert.pk}.pdf").status_code
        == 404
    )
    assert (
        login(world.users["shop_clerk"]).get(f"/ratings/certificates/{cert.pk}.pdf").status_code
        == 200
    )


def test_issue_refusals(ready, login):
    world = ready
    url = f"/ratings/households/{world.household.pk}/certificates/"
    response = login(world.users["committee_head"]).post(url, follow=True)
    assert "该户还没有最终评定的信用等级，不能出具证书" in response.content.decode()
    _final(world)
    assert login(world.users["shop_clerk"]).post(url).status_code == 403
    assert login(world.users["other_villager"]).post(url).status_code == 404
    assert login(world.users["committee_head"]).get(url).status_code == 405
    assert not Certificate.objects.exists()


def test_verification_page_valid_revoked_and_tampered(ready, client):
    world = ready
    _final(world)
    cert = certificate_issue(actor=world.users["committee_head"], household=world.household)
    url = f"/v/{certificates.token_for(cert)}/"
    response = client.get(url)  # nobody logged in
    assert response.status_code == 200
    page = response.content.decode()
    assert '<meta name="robots" content="noindex">' in page
    assert (
        "verify-status valid" in page
        and "有效" in page
        and "王*山" in page
        and "王大山" not in page
    )
    assert "双塔山镇 大贵口村" in page and cert.serial in page
    record = cert.grade_record
    assert record.grade in page and f"{record.valid_until:%Y-%m-%d}" in page
    assert not re.search(r"\d{17}[\dXx]", page) and "积分" not in page.split("<main", 1)[1]

    event = _veto(world)
    page = client.get(url).content.decode()
    assert "verify-status revoked" in page and "已撤销" in page
    assert "该户现在的在用等级" in page and "未评级" in page
    # A public page never says why a grade changed: no reason of any record, no veto.
    reasons = list(GradeRecord.objects.exclude(reason="").values_list("reason", flat=True))
    assert reasons
    for text in [*reasons, "恶意拖欠信用社贷款", event.evidence_text]:
        assert text not in page
    # The veto was a mistake: revoked, the grade restored, the certificate valid again.
    vetoes.veto_revoke(actor=world.users["credit_officer"], event=event, reason="系统误报")
    page = client.get(url).content.decode()
    assert "verify-status valid" in page and "已撤销" not in page
    assert "该户现在的在用等级" not in page
    reasons = list(GradeRecord.objects.exclude(reason="").values_list("reason", flat=True))
    for text in [*reasons, "恶意拖欠信用社贷款", "系统误报", event.evidence_text]:
        assert text not in page

    tampered = client.get(f"/v/{certificates.token_for(cert)[:-1]}x/")
    assert tampered.status_code == 404 and "证书链接无效或已被篡改" in tampered.content.decode()
    assert client.get("/v/nothing/").status_code == 404


def test_verification_page_superseded(ready, client):
    world = ready
    _final(world)
    cert = certificate_issue(actor=world.users["villager"], household=world.household)
    _later_final(world)
    page = client.get(f"/v/{certificates.token_for(cert)}/").content.decode()
    assert (
        "verify-status superseded" in page
        and "已被新的评定结果取代" in page
        and "该户现在的在用等级" in page
    )


def test_page_status_agrees_with_verify_for_every_status(ready):
    world = ready
    _final(world)
    head = world.users["committee_head"]
    statuses = set()

    def check(*days):
        history = standing.grade_history(world.household)
        for day in days:
            for cert in Certificate.objects.select_related(
                "grade_record", "household__village__parent"
            ):
                status, _changed = certificates.status_of(cert.grade_record, history, day)
                assert status == certificates.verify(cert, today=day).status
                statuses.add(status)

    first = certificate_issue(actor=head, household=world.household)
    event = _veto(world)
    check(TODAY)
    assert certificates.verify(first).status == "revoked"
    vetoes.veto_revoke(actor=world.users["credit_officer"], event=event, reason="系统误报")
    check(TODAY)
    assert certificates.verify(first).status == "valid"  # the restored grade is its grade
    certificate_issue(actor=head, household=world.household)
    _later_final(world)
    certificate_issue(actor=head, household=world.household)
    check(TODAY, TODAY + timedelta(days=400))
    assert statuses == {"revoked", "superseded", "valid", "expired"}


# --- village results -----------------------------------------------------------------


def _results(client, world):
    return client.get(f"/ratings/villages/{world.village_a1.pk}/results/")


def _row_counts(page, cycle):
    """The numbers of the table row of `cycle`: 5A 4A 3A 2A A unrated total."""
    row = next(r for r in page.split("<tr>") if f">{cycle.period_label}</a>" in r)
    return [
        int(n)
        for n in re.findall(r'<td data-label="[^"]+">(?:<strong>)?(\d+)(?:</strong>)?</td>', row)
    ]


def _expected(counter):
    order = ("5A", "4A", "3A", "2A", "A", "unrated")
    return [counter.get(g, 0) for g in order] + [sum(counter.values())]


def test_village_results_numbers_match(ready, login):
    world = ready
    for i in range(3):
        make_household(
            world.village_a1, world.group_a1_2, f"{100 + i}", head=f"户{i}", head_seq=700 + i
        )
    final = _final(world)
    in_force = Counter(
        GradeRecord.objects.filter(cycle=final, source=GradeSource.CYCLE).values_list(
            "grade", flat=True
        )
    )
    # A later cycle in review with a confirmed adjustment.
    head = world.users["committee_head"]
    later = services.cycle_open(
        actor=head,
        village=world.village_a1,
        period=f"{TODAY.year + 1}",
        cut_off=TODAY - timedelta(days=1),
    )
    services.cycle_compute(actor=head, cycle=later)
    later = services.cycle_advance(actor=head, cycle=later, to_state=CycleState.REVIEW)
    adjustment = adjustment_propose(
        actor=head, cycle=later, household=world.household_a1_2, to_grade="5A", reason="表现突出"
    )
    adjustment_decide(actor=world.users["committee_deputy"], adjustment=adjustment, confirm=True)
    effective = Counter(selectors.effective_grades(later).values())
    assert effective["5A"] >= 1
    # A veto after the first final does not change that cycle's counts.
    _veto(world)

    client = login(world.users["other_villager"])
    response = _results(client, world)
    assert response.status_code == 200
    page = response.content.decode()
    assert _row_counts(page, final) == _expected(in_force)
    assert _row_counts(page, later) == _expected(effective)
    assert page.index(f">{final.period_label}</a>") < page.index(
        f">{later.period_label}</a>"
    )  # oldest first
    assert "最终" in page and "委员会审核" in page
    # An opened but not computed cycle is not listed.
    services.cycle_open(
        actor=head, village=world.village_a1, period="2099", cut_off=TODAY, today=date(2099, 1, 1)
    )
    assert ">2099 年度</a>" not in _results(client, world).content.decode()


def _open_with_adjustment(world, period):
    head = world.users["committee_head"]
    cycle = services.cycle_open(
        actor=head,
        village=world.village_a1,
        period=period,
        cut_off=TODAY - timedelta(days=1),
        today=date(int(period), 1, 1),
    )
    services.cycle_compute(actor=head, cycle=cycle)
    cycle = services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.REVIEW)
    adjustment = adjustment_propose(
        actor=head, cycle=cycle, household=world.household_a1_2, to_grade="5A", reason="表现突出"
    )
    adjustment_decide(actor=world.users["committee_deputy"], adjustment=adjustment, confirm=True)


def _results_queries(client, world):
    with CaptureQueriesContext(connection) as ctx:
        assert _results(client, world).status_code == 200
    return len(ctx.captured_queries)


def test_village_results_visibility_and_query_count(ready, login):
    world = ready
    client = login(world.users["committee_member"])
    assert "还没有计算过的评定周期" in _results(client, world).content.decode()
    _final(world)
    _open_with_adjustment(world, str(TODAY.year + 1))
    few = _results_queries(client, world)
    for year in range(2, 5):
        _open_with_adjustment(world, str(TODAY.year + year))
    _later_final(world)
    assert _results_queries(client, world) == few
    for user in ("neighbour_committee_head", "other_district_admin", "other_town_admin"):
        assert _results(login(world.users[user]), world).status_code == 404
    assert (
        login(world.users["no_role"])
        .get(f"/ratings/villages/{world.village_a1.pk}/results/")
        .status_code
        == 403
    )
    assert (
        login(world.users["committee_head"]).get("/ratings/villages/abc/results/").status_code
        == 404
    )


# --- notice PDF ----------------------------------------------------------------------


def test_notice_pdf_for_the_village_with_masked_names_only(ready, login):
    world = ready
    cycle = _on_notice(world)
    url = f"/ratings/{cycle.pk}/notice.pdf"
    page = login(world.users["villager"]).get(f"/ratings/{cycle.pk}/notice/").content.decode()
    assert url in page and "下载公示 PDF（A4，张贴用）" in page
    response = login(world.users["villager"]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and response["Content-Disposition"].startswith(
        "inline"
    )
    text = _pdf_text(response.content)
    assert "王*山" in text and "李*河" in text
    for head in Household.objects.values_list("head_name", flat=True):
        assert head not in text
    assert f"{NOTICE_DAY.year}年{NOTICE_DAY.month}月{NOTICE_DAY.day}日" in text
    assert not re.search(r"\d{17}[\dXx]", text)
    # No points detail and no financial data: neither scores nor their words.
    for rating in Rating.objects.filter(cycle=cycle):
        assert str(rating.total) not in text
    for word in ("得分", "分数", "存款", "收入", "资产", "贷款"):
        assert word not in text
    for user in ("neighbour_committee_head", "other_district_admin"):
        assert login(world.users[user]).get(url).status_code == 404


def test_notice_pdf_not_before_the_notice(ready, login):
    world = ready
    head = world.users["committee_head"]
    cycle = services.cycle_open(
        actor=head,
        village=world.village_a1,
        period="2025",
        cut_off=CUT_OFF,
        today=date(2025, 1, 1),
    )
    services.cycle_compute(actor=head, cycle=cycle)
    assert login(head).get(f"/ratings/{cycle.pk}/notice.pdf").status_code == 404


# --- home ----------------------------------------------------------------------------


def test_villager_home_shows_grade_in_force_and_latest_notifications(ready, login):
    world = ready
    client = login(world.users["villager"])
    page = client.get("/").content.decode()
    assert "在用信用等级" in page and "尚未评定" in page and "还没有通知" in page
    _final(world)
    grade = standing.grade_in_force(world.household).grade
    page = client.get("/").content.decode()
    assert f'<p class="key-figure">{grade}</p>' in page and _grades_url(world) in page
    # The household's points are one tap away, and the two grades are told apart.
    assert f'href="/points/households/{world.household.pk}/"' in page
    assert "暂定等级" in page and "下次评定时才生效" in page
    assert "您家的信用等级已确定" in page and "查看全部通知" in page
    staff = login(world.users["committee_head"]).get("/").content.decode()
    assert "在用信用等级" not in staff and "/notifications/" not in staff


def test_points_page_tells_the_grade_in_force_from_the_provisional_one(ready, login):
    world = ready
    client = login(world.users["villager"])
    assert (
        "在用等级（经公示定级）"
        not in client.get(f"/points/households/{world.household.pk}/").content.decode()
    )
    _final(world)
    record = standing.grade_in_force(world.household)
    page = client.get(f"/points/households/{world.household.pk}/").content.decode()
    assert (
        f"在用等级（经公示定级）：{GRADE_LABELS[record.grade]}，{record.effective_from:%Y-%m-%d} 起生效"
        in page
    )
    assert "暂定等级" in page


def test_village_certificates_print_in_one_pdf_and_reuse_serials(ready, login):
    from tests.job_files import download

    world = ready
    _final(world)
    client = login(world.users["committee_member"])
    assert (
        "批量打印信用等级证书"
        in client.get(f"/ratings/villages/{world.village_a1.pk}/results/").content.decode()
    )
    assert {standing.grade_in_force(h).grade for h in (world.household, world.household_a1_2)} == {
        "4A"
    }
    response = download(
        client,
        client.post(f"/ratings/villages/{world.village_a1.pk}/certificates/", {"min_grade": "3A"}),
    )  # a background job, run at once in tests
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 2 == Certificate.objects.count()
    text = "".join(p.extract_text() for p in pages)
    assert "王*山" in text and "李*河" in text and "王大山" not in text
    again = client.post(
        f"/ratings/villages/{world.village_a1.pk}/certificates/", {"min_grade": "4A"}
    )
    assert download(client, again).status_code == 200
    assert Certificate.objects.count() == 2  # nothing issued twice
    response = client.post(
        f"/ratings/villages/{world.village_a1.pk}/certificates/", {"min_grade": "5A"}, follow=True
    )
    html = response.content.decode()
    assert "没有在用等级达到 5A 且仍在有效期内的农户" in html and "重试" in html
    assert (
        "批量打印信用等级证书"
        not in login(world.users["villager"])
        .get(f"/ratings/villages/{world.village_a1.pk}/results/")
        .content.decode()
    )
