"""Who may use the standing screens: a household's grades in force and history,
certificates (issue, PDF, the public verification page), a village's results over
the years, the notice PDF and the notifications page. `_final` puts village A1's
cycle in force (the notice ran a month ago); `_certificate` also issues one."""

from __future__ import annotations

from datetime import timedelta

from tests.access_cases import ALL_USERS, INSIDERS_OF_HOUSEHOLD, Case
from tests.access_cases.effects import audited, succeeded

# Everyone who sees some household of village A1.
VILLAGE_A1 = INSIDERS_OF_HOUSEHOLD | {"other_group_subteam", "other_villager"}
# Scope.may_issue_certificate: Perm.ISSUE_CERTIFICATES over the village (committee, town and
# district admins), or the household itself.
ISSUERS = {
    "committee_head",
    "committee_deputy",
    "committee_member",
    "district_admin",
    "town_admin",
    "villager",
}


def _cycle(w):
    from django.utils import timezone

    from sanxin.credit.models import CreditAssessment
    from sanxin.credit.services import assessment_record
    from sanxin.ratings.models import Cycle
    from sanxin.ratings.services.cycles import cycle_open
    from sanxin.rules.services import scheme_install_default

    cycle = Cycle.objects.filter(village=w.village_a1).first()
    if cycle is not None:
        return cycle
    scheme_install_default(district=w.district)
    cut_off = timezone.localdate() - timedelta(days=40)
    if not CreditAssessment.objects.filter(household=w.household).exists():
        answers = {
            "household_size": "3plus",
            "workers": "2",
            "village_appraisal": "good",
            "total_assets": "ge_1",
            "net_assets": "ge_1",
            "net_income": "ge_1",
            "deposits": "ge_5k",
            "repayment": "normal",
        }
        on = cut_off - timedelta(days=100)
        assessment_record(
            actor=w.users["credit_officer"],
            household=w.household,
            period=str(on.year),
            assessed_on=on,
            answers=answers,
        )
    return cycle_open(
        actor=w.users["committee_head"],
        village=w.village_a1,
        period=str(cut_off.year),
        cut_off=cut_off,
        today=cut_off,
    )


def _on_notice(w):
    from django.utils import timezone

    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.models import ReviewMeeting
    from sanxin.ratings.services.cycles import cycle_advance, cycle_compute
    from sanxin.ratings.services.review import review_close

    cycle = _cycle(w)
    head = w.users["committee_head"]
    notice_day = timezone.localdate() - timedelta(days=30)
    if cycle.current_run == 0:
        cycle_compute(actor=head, cycle=cycle)
        cycle.refresh_from_db()
    if cycle.state == CycleState.COMPUTED:
        cycle = cycle_advance(actor=head, cycle=cycle, to_state=CycleState.REVIEW)
    if not ReviewMeeting.objects.filter(cycle=cycle).exists():
        present = [w.users[k].pk for k in ("committee_head", "committee_deputy")]
        review_close(
            actor=head,
            cycle=cycle,
            held_on=notice_day - timedelta(days=1),
            present_user_ids=present,
            decision="同意",
        )
    if cycle.state == CycleState.REVIEW:
        cycle = cycle_advance(actor=head, cycle=cycle, to_state=CycleState.NOTICE, today=notice_day)
    return cycle


def _final(w):
    from django.utils import timezone

    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.services.cycles import cycle_advance

    cycle = _on_notice(w)
    if cycle.state == CycleState.NOTICE:
        cycle_advance(
            actor=w.users["committee_head"],
            cycle=cycle,
            to_state=CycleState.FINAL,
            today=timezone.localdate() - timedelta(days=20),
        )


def _certificate(w):
    from sanxin.ratings.models import Certificate
    from sanxin.ratings.services.certificates import certificate_issue

    _final(w)
    return Certificate.objects.first() or certificate_issue(
        actor=w.users["committee_head"], household=w.household
    )


def _token(w):
    from sanxin.ratings.certificates import token_for

    return token_for(_certificate(w))


def _certificate_issued(w, username):
    from sanxin.ratings.models import Certificate

    succeeded(w, username)
    (certificate,) = Certificate.objects.filter(household=w.household)
    assert certificate.issued_by == w.users[username]
    assert certificate.grade_record.household == w.household
    audited(w, username, "certificate.issue")


def _village_certificates_printed(w, username):
    """The PDF of the village's certificates, issued now for the graded households."""
    from sanxin.ratings.models import Certificate
    from tests.job_files import job_of

    job = job_of(w.response)  # a background job, run at once in tests
    assert job.started_by == w.users[username] and job.file_type == "application/pdf"
    with job.file.open("rb") as f:
        assert f.read(4) == b"%PDF"
    issued = Certificate.objects.filter(household__village=w.village_a1)
    assert issued.exists() and all(c.issued_by == w.users[username] for c in issued)
    assert w.household.pk in {c.household_id for c in issued}
    audited(w, username, "certificate.issue_village")


CASES = [
    Case(
        "ratings:household_grades",
        lambda w: f"/ratings/households/{w.household.pk}/grades/",
        INSIDERS_OF_HOUSEHOLD,
        setup=_certificate,
    ),
    Case(
        "ratings:certificate_issue",
        lambda w: f"/ratings/households/{w.household.pk}/certificates/",
        ISSUERS,
        method="post",
        setup=_final,
        effect=_certificate_issued,
    ),
    Case(
        "ratings:certificate_pdf",
        lambda w: f"/ratings/certificates/{_certificate(w).pk}.pdf",
        INSIDERS_OF_HOUSEHOLD,
        setup=_certificate,
    ),
    Case(
        "certificate_verify",
        lambda w: f"/v/{_token(w)}/",
        set(ALL_USERS),
        public=True,
        setup=_certificate,
    ),
    Case(
        "ratings:village_results",
        lambda w: f"/ratings/villages/{w.village_a1.pk}/results/",
        VILLAGE_A1,
        setup=_final,
    ),
    # Printing the village's certificates at once: its committee and the admins over it.
    Case(
        "ratings:village_certificates",
        lambda w: f"/ratings/villages/{w.village_a1.pk}/certificates/",
        {"committee_head", "committee_deputy", "committee_member", "town_admin", "district_admin"},
        method="post",
        setup=_final,
        data=lambda w: {"min_grade": "A"},
        effect=_village_certificates_printed,
    ),
    Case(
        "ratings:notice_pdf",
        lambda w: f"/ratings/{_on_notice(w).pk}/notice.pdf",
        VILLAGE_A1,
        setup=_on_notice,
    ),
    Case("notifications:list", lambda w: "/notifications/", set(ALL_USERS), setup=_on_notice),
]
