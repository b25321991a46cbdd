"""Appeals (异议) in the notice window, final grades put in force, dynamic
adjustment between cycles, notifications and certificates."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from PIL import Image

from sanxin.accounts.scope import scope_for
from sanxin.ledger import services as ledger
from sanxin.ledger.models import Entry
from sanxin.notifications.choices import Kind
from sanxin.notifications.models import Notification
from sanxin.notifications.selectors import notifications_for
from sanxin.ratings import certificates, selectors, standing
from sanxin.ratings.choices import AppealKind, GradeSource
from sanxin.ratings.models import GradeRecord, Rating
from sanxin.ratings.services import appeals, vetoes
from sanxin.ratings.services import cycles as services
from sanxin.ratings.services.certificates import certificate_issue
from sanxin.ratings.services.standing import _records_for_final_cycle
from tests.crafted_files import image_bytes
from tests.factories import approved_entry, cycle_final, cycle_on_notice

TODAY = timezone.localdate()
CUT_OFF = TODAY - timedelta(days=40)
NOTICE_DAY = TODAY - timedelta(days=30)
FINAL_DAY = NOTICE_DAY + timedelta(days=7)


def _entry(world, item="env.dumping", recorder="committee_member", reviewer="committee_deputy"):
    return approved_entry(
        world,
        occurred_on=CUT_OFF - timedelta(days=10),
        item=item,
        recorder=recorder,
        reviewer=reviewer,
    )


def _on_notice(world):
    return cycle_on_notice(world, cut_off=CUT_OFF, notice_day=NOTICE_DAY)


def _final(world, cycle):
    return cycle_final(world, cycle, day=FINAL_DAY)


def test_household_files_and_another_member_upholds_an_entry_appeal(ready):
    world = ready
    entry = _entry(world)
    cycle = _on_notice(world)
    before = Rating.objects.get(cycle=cycle, run=cycle.current_run, household=world.household)
    appeal = appeals.appeal_file(
        actor=world.users["villager"],
        cycle=cycle,
        household=world.household,
        kind=AppealKind.ENTRY,
        entry=entry,
        reason="当天我不在村里，是误记",
        evidence_text="车票",
        today=NOTICE_DAY + timedelta(days=1),
    )
    assert not appeal.on_behalf and appeal.grade_at_filing == before.grade
    # The recorder of the disputed entry may not answer it.
    with pytest.raises(PermissionDenied, match="需由另一名评信团成员处理"):
        appeals.appeal_decide(
            actor=world.users["committee_member"], appeal=appeal, upheld=True, reason="核实"
        )
    with pytest.raises(ValidationError, match="请写明处理意见"):
        appeals.appeal_decide(
            actor=world.users["committee_head"], appeal=appeal, upheld=True, reason=" "
        )
    decision = appeals.appeal_decide(
        actor=world.users["committee_head"], appeal=appeal, upheld=True, reason="经核实当天不在村"
    )
    reversal = decision.reversal
    assert (
        reversal.reversal_of_id == entry.pk
        and reversal.points == -entry.points
        and reversal.review.approved
    )
    assert decision.result["total"] != before.result["total"]
    assert selectors.effective_grades(cycle)[world.household.pk] == decision.to_grade
    # The household sees the answer.
    titles = [n.title for n in notifications_for(scope_for(world.users["villager"]))]
    assert any("异议已答复：异议成立" in t for t in titles)
    assert not any(
        "异议" in n.title for n in notifications_for(scope_for(world.users["other_villager"]))
    )


def test_committee_files_on_behalf_and_grade_appeal_needs_a_grade(ready):
    world = ready
    cycle = _on_notice(world)
    appeal = appeals.appeal_file(
        actor=world.users["committee_member"],
        cycle=cycle,
        household=world.household_a1_2,
        kind=AppealKind.GRADE,
        reason="户主年老无账号，口头提出：评分漏记了献血",
        today=NOTICE_DAY,
    )
    assert appeal.on_behalf
    with pytest.raises(PermissionDenied, match="不能处理本人提出"):
        appeals.appeal_decide(
            actor=world.users["committee_member"], appeal=appeal, upheld=False, reason="x"
        )
    with pytest.raises(ValidationError, match="请选择调整后的等级"):
        appeals.appeal_decide(
            actor=world.users["committee_deputy"], appeal=appeal, upheld=True, reason="漏记属实"
        )
    appeals.appeal_decide(
        actor=world.users["committee_deputy"],
        appeal=appeal,
        upheld=True,
        reason="漏记属实",
        to_grade="4A",
    )
    assert selectors.effective_grades(cycle)[world.household_a1_2.pk] == "4A"


@pytest.mark.parametrize(
    "user",
    ["other_villager", "subteam_member", "shop_clerk", "neighbour_committee_head", "town_admin"],
)
def test_only_the_household_or_committee_may_file(ready, user):
    world = ready
    cycle = _on_notice(world)
    with pytest.raises(PermissionDenied, match="只能对本户的等级提出异议"):
        appeals.appeal_file(
            actor=world.users[user],
            cycle=cycle,
            household=world.household,
            kind=AppealKind.GRADE,
            reason="不服",
            today=NOTICE_DAY,
        )


def test_appeal_outside_the_window_is_refused(ready):
    world = ready
    cycle = _on_notice(world)
    for day, message in (
        (NOTICE_DAY - timedelta(days=1), "公示期从"),
        (NOTICE_DAY + timedelta(days=7), "公示期已于"),
    ):
        with pytest.raises(ValidationError, match=message):
            appeals.appeal_file(
                actor=world.users["villager"],
                cycle=cycle,
                household=world.household,
                kind=AppealKind.GRADE,
                reason="不服",
                today=day,
            )


def test_appeal_needs_reason_and_own_entry(ready):
    world = ready
    cycle = _on_notice(world)
    with pytest.raises(ValidationError) as exc:
        appeals.appeal_file(
            actor=world.users["villager"],
            cycle=cycle,
            household=world.household,
            kind=AppealKind.ENTRY,
            reason="",
            today=NOTICE_DAY,
        )
    assert set(exc.value.message_dict) == {"reason", "entry"}


def test_final_waits_for_open_appeals_then_puts_grades_in_force(ready):
    world = ready
    cycle = _on_notice(world)
    appeal = appeals.appeal_file(
        actor=world.users["villager"],
        cycle=cycle,
        household=world.household,
        kind=AppealKind.GRADE,
        reason="不服",
        today=NOTICE_DAY,
    )
    with pytest.raises(ValidationError, match="还有 1 项异议没有处理"):
        _final(world, cycle)
    appeals.appeal_decide(
        actor=world.users["committee_head"], appeal=appeal, upheld=False, reason="评分无误"
    )
    cycle = _final(world, cycle)
    grades = selectors.effective_grades(cycle)
    records = {r.household_id: r for r in GradeRecord.objects.filter(cycle=cycle)}
    assert {h: r.grade for h, r in records.items()} == grades
    record = records[world.household.pk]
    assert record.effective_from == FINAL_DAY and record.source == GradeSource.CYCLE
    assert standing.grade_in_force(world.household) == record
    kinds = set(
        Notification.objects.filter(household=world.household).values_list("kind", flat=True)
    )
    assert {Kind.NOTICE_OPEN, Kind.APPEAL_ANSWERED, Kind.GRADE_FINAL} <= kinds
    # Nothing more may be appealed or decided once final.
    with pytest.raises(ValidationError):
        appeals.appeal_file(
            actor=world.users["villager"],
            cycle=cycle,
            household=world.household,
            kind=AppealKind.GRADE,
            reason="再议",
            today=FINAL_DAY,
        )


def test_a_veto_between_cycles_lowers_the_grade_at_once_and_revoking_restores_it(ready):
    world = ready
    cycle = _final(world, _on_notice(world))
    base = standing.grade_in_force(world.household)
    event = vetoes.veto_record(
        actor=world.users["credit_officer"],
        household=world.household,
        rule_code="loan.malicious_default",
        starts_on=TODAY,
        evidence_text="信用社催收通知书（2026）第12号",
        today=TODAY,
    )
    lowered = standing.grade_in_force(world.household)
    assert (
        lowered.source == GradeSource.DYNAMIC
        and lowered.grade == "unrated"
        and lowered.veto_event == event
    )
    assert "恶意拖欠信用社贷款" in lowered.reason and lowered.cycle == cycle
    assert Notification.objects.filter(household=world.household, kind=Kind.GRADE_CHANGED).exists()
    vetoes.veto_revoke(
        actor=world.users["credit_officer"], event=event, reason="系统误报，已核实按期还款"
    )
    restored = standing.grade_in_force(world.household)
    assert restored.grade == base.grade and restored.source == GradeSource.DYNAMIC
    assert [r.grade for r in standing.grade_history(world.household)] == [
        base.grade,
        "unrated",
        base.grade,
    ]


def test_grade_records_are_append_only(ready):
    world = ready
    _final(world, _on_notice(world))
    record = standing.grade_in_force(world.household)
    with pytest.raises(DatabaseError), transaction.atomic():
        GradeRecord.objects.filter(pk=record.pk).update(grade="5A")


def test_certificate_verifies_valid_revoked_superseded_expired_and_refuses_tampering(ready):
    world = ready
    _final(world, _on_notice(world))
    with pytest.raises(PermissionDenied):
        certificate_issue(actor=world.users["other_villager"], household=world.household)
    cert = certificate_issue(actor=world.users["villager"], household=world.household)
    token = certificates.token_for(cert)
    assert cert.serial not in token.split(":")[-1]
    found = certificates.certificate_from_token(token)
    assert found == cert
    check = certificates.verify(found)
    assert (
        check.status == certificates.Status.VALID
        and check.head_masked == "王*山"
        and "大贵口村" in check.village
    )
    assert (
        certificates.verify(found, today=check.valid_until + timedelta(days=1)).status
        == certificates.Status.EXPIRED
    )
    assert (
        certificates.certificate_from_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    )
    assert certificates.certificate_from_token("nothing") is None
    vetoes.veto_record(
        actor=world.users["committee_head"],
        household=world.household,
        rule_code="village.serious_breach",
        starts_on=TODAY,
        evidence_text="评信团认定",
        today=TODAY,
    )
    assert certificates.verify(found).status == certificates.Status.REVOKED


def test_a_later_final_cycle_supersedes_the_certificate(ready):
    world = ready
    _final(world, _on_notice(world))
    cert = certificate_issue(actor=world.users["committee_head"], household=world.household)
    head = world.users["committee_head"]
    later = services.cycle_open(
        actor=head, village=world.village_a1, period=str(CUT_OFF.year + 1), cut_off=CUT_OFF
    )
    services.cycle_compute(actor=head, cycle=later)
    later.refresh_from_db()
    grades = selectors.effective_grades(later)
    _records_for_final_cycle(
        cycle=later, grades=grades, actor=head, today=TODAY, now=timezone.now()
    )
    assert certificates.verify(cert).status == certificates.Status.SUPERSEDED


def test_no_certificate_without_a_final_grade(ready):
    world = ready
    with pytest.raises(ValidationError, match="还没有最终评定"):
        certificate_issue(actor=world.users["committee_head"], household=world.household)
    assert not Entry.objects.exists()


def test_refresh_grades_restores_the_cycle_grade_when_the_veto_has_run_out(ready):
    from io import StringIO

    from django.core.management import call_command

    world = ready
    _final(world, _on_notice(world))
    base = standing.grade_in_force(world.household)
    vetoes.veto_record(
        actor=world.users["committee_head"],
        household=world.household,
        rule_code="village.serious_breach",
        starts_on=TODAY,
        evidence_text="评信团认定",
        today=TODAY,
    )
    assert standing.grade_in_force(world.household).grade == "A"
    out = StringIO()
    call_command("refresh_grades", "--date", TODAY.isoformat(), stdout=out)
    assert "复核 1 户，0 户等级变化" in out.getvalue()
    later = TODAY + timedelta(days=366)  # the rule's 365 days are over
    call_command(
        "refresh_grades", "--district", world.district.name, "--date", later.isoformat(), stdout=out
    )
    assert "1 户等级变化" in out.getvalue()
    restored = standing.grade_in_force(world.household)
    assert restored.grade == base.grade and "期满" in restored.reason


def test_appeal_keeps_its_evidence_photos_and_refuses_bad_ones(ready, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sanxin.ratings.models import Appeal, AppealPhoto

    world = ready
    cycle = _on_notice(world)
    bad = SimpleUploadedFile("说明.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as exc:
        appeals.appeal_file(
            actor=world.users["villager"],
            cycle=cycle,
            household=world.household,
            kind=AppealKind.GRADE,
            reason="不服",
            photos=[bad],
            today=NOTICE_DAY,
        )
    assert "无法识别，请上传 JPG、PNG 或 WebP 格式的照片" in exc.value.message_dict["photos"][0]
    assert not Appeal.objects.exists()
    photo = SimpleUploadedFile("收据.jpg", image_bytes("JPEG"), content_type="image/jpeg")
    appeal = appeals.appeal_file(
        actor=world.users["villager"],
        cycle=cycle,
        household=world.household,
        kind=AppealKind.GRADE,
        reason="不服",
        photos=[photo],
        today=NOTICE_DAY,
    )
    stored = AppealPhoto.objects.get(appeal=appeal)
    assert stored.image.name.endswith(".jpg")
    assert Image.open(stored.image).format == "JPEG"


def test_certificate_links_survive_a_secret_key_change(ready, settings):
    world = ready
    _final(world, _on_notice(world))
    cert = certificate_issue(actor=world.users["committee_head"], household=world.household)
    token = certificates.token_for(cert)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-after-rotation-0123456789-abcdefghijklmnop"
    assert certificates.certificate_from_token(token) is None
    settings.SECRET_KEY_FALLBACKS = [old]
    assert certificates.certificate_from_token(token) == cert


def test_an_appeal_is_upheld_even_after_a_rejected_reversal_of_the_entry(ready):
    world = ready
    entry = _entry(world)
    earlier = ledger.entry_reverse(
        actor=world.users["committee_head"], entry=entry, reason="可能记错"
    )
    ledger.entry_review(
        actor=world.users["committee_deputy"], entry=earlier, approve=False, reason="核实无误"
    )
    cycle = _on_notice(world)
    appeal = appeals.appeal_file(
        actor=world.users["villager"],
        cycle=cycle,
        household=world.household,
        kind=AppealKind.ENTRY,
        entry=entry,
        reason="有新证据",
        today=NOTICE_DAY,
    )
    decision = appeals.appeal_decide(
        actor=world.users["committee_head"], appeal=appeal, upheld=True, reason="新证据属实"
    )
    assert decision.reversal.review.approved and decision.reversal.pk != earlier.pk
