"""Honour selections (/village/honours/): who may see, run, nominate, vote, object,
withdraw; each allowed POST's effect. The world's villager is on village A1's
representatives' list and its household holds 4A, so it may be nominated for a
美丽庭院 and the villager may vote."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.access_cases import ALL_USERS, COMMITTEE, Case
from tests.access_cases.effects import audited, errors_shown, succeeded

RUNNERS = COMMITTEE | {"town_admin"}  # engage.manage over village A1
# Everyone who sees village A1's selections (engage.view over it, or below it).
SEE_A1 = RUNNERS | {
    "district_admin",
    "department_viewer",
    "subteam_member",
    "other_group_subteam",
    "villager",
    "other_villager",
}
WITH_VIEW = SEE_A1 | {"other_district_admin", "other_town_admin", "neighbour_committee_head"}


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (40, 150, 60)).save(buffer, "PNG")
    return SimpleUploadedFile("yard.png", buffer.getvalue(), content_type="image/png")


def _selection(w):
    from sanxin.engagement.models import Selection
    from sanxin.engagement.services import honours as svc
    from sanxin.households.models import Person
    from sanxin.ratings import standing
    from sanxin.ratings.models import Cycle, CycleState, GradeRecord, GradeSource
    from sanxin.rules.services import scheme_install_default

    found = Selection.objects.filter(region=w.village_a1).first()
    if found is not None:
        return found
    scheme_install_default(district=w.district)
    today = timezone.localdate()
    cycle = Cycle.objects.create(
        village=w.village_a1, period="2025", cut_off=today, state=CycleState.FINAL
    )
    GradeRecord.objects.create(
        household=w.household,
        district_id=w.household.district_id,
        grade="4A",
        source=GradeSource.CYCLE,
        cycle=cycle,
        effective_from=today - timedelta(days=30),
        valid_until=standing.valid_until(today - timedelta(days=30)),
        recorded_at=timezone.now(),
    )
    villager = w.users["villager"]
    villager.person = Person.objects.get(household=w.household, is_head=True)
    villager.save()
    head = w.users["committee_head"]
    svc.representative_add(actor=head, person=villager.person, since=today - timedelta(days=60))
    courtyard = next(
        t for t in svc.honour_types_install_default(district=w.district) if t.name == "美丽庭院"
    )
    return svc.selection_open(
        actor=head,
        honour_type=courtyard,
        region=w.village_a1,
        year=today.year,
        nominate_from=today - timedelta(days=1),
        nominate_until=today + timedelta(days=1),
        vote_from=today + timedelta(days=2),
        vote_until=today + timedelta(days=4),
        quota=1,
    )


def _nominated(w):
    from sanxin.engagement.services import honours as svc

    selection = _selection(w)
    if not selection.nominations.exists():
        svc.nomination_submit(
            actor=w.users["villager"],
            selection=selection,
            household=w.household,
            person=None,
            reason="院子干净整洁，种满月季",
            photos=[_photo()],
        )
    return selection


def _checking(w):
    from sanxin.engagement.models import Selection
    from sanxin.engagement.services import honours as svc

    selection = _nominated(w)
    today = timezone.localdate()
    Selection.objects.filter(pk=selection.pk).update(
        nominate_from=today - timedelta(days=3),
        nominate_until=today - timedelta(days=1),
        vote_from=today,
        vote_until=today + timedelta(days=2),
    )
    selection.refresh_from_db()
    if selection.state == "nominating":
        svc.selection_close_nominations(actor=w.users["committee_head"], selection=selection)
        selection.refresh_from_db()
    return selection


def _voting(w):
    from sanxin.engagement.services import honours as svc

    selection = _checking(w)
    if selection.state == "checking":
        head = w.users["committee_head"]
        svc.nomination_check(actor=head, nomination=selection.nominations.get(), eligible=True)
        svc.selection_open_vote(actor=head, selection=selection)
        selection.refresh_from_db()
    return selection


def _notice(w):
    from sanxin.engagement.services import honours as svc

    selection = _voting(w)
    if selection.state == "voting":
        nomination = selection.nominations.get()
        svc.ballot_cast(actor=w.users["villager"], selection=selection, choices=[nomination.pk])
        svc.selection_count(actor=w.users["committee_head"], selection=selection)
        selection.refresh_from_db()
    return selection


def _objection(w):
    from sanxin.engagement.services import honours as svc

    selection = _notice(w)
    nomination = selection.nominations.get()
    if not nomination.objections.exists():
        svc.objection_raise(
            actor=w.users["other_villager"], nomination=nomination, text="照片是别人家的院子"
        )
    return nomination.objections.get()


def _awarded(w):
    from sanxin.engagement.models import Honour, Selection
    from sanxin.engagement.services import honours as svc
    from sanxin.ledger.services import entry_review

    selection = _notice(w)
    if selection.state == "notice":
        today = timezone.localdate()
        Selection.objects.filter(pk=selection.pk).update(
            notice_from=today - timedelta(days=8), notice_until=today - timedelta(days=1)
        )
        selection.refresh_from_db()
        (honour,) = svc.selection_award(actor=w.users["committee_head"], selection=selection)
        entry_review(actor=w.users["committee_member"], entry=honour.entry, approve=True)
    return Honour.objects.get(selection=selection)


def _representative(w):
    from sanxin.engagement.models import Representative

    _selection(w)
    return Representative.objects.get(village=w.village_a1)


# --- effects ---------------------------------------------------------------------------


def _opened(w, username):
    from sanxin.engagement.models import Selection

    succeeded(w, username)
    assert Selection.objects.filter(created_by=w.users[username], year=2030).exists()
    audited(w, username, "selection.open")


def _stepped(w, username):
    from sanxin.engagement.models import Selection

    succeeded(w, username)
    assert Selection.objects.get(region=w.village_a1).state == "checking"
    audited(w, username, "selection.check")


def _nominated_by(w, username):
    from sanxin.engagement.models import Nomination

    succeeded(w, username)
    nomination = Nomination.objects.get(nominated_by=w.users[username])
    assert nomination.household == w.household and nomination.photos.count() == 1
    audited(w, username, "nomination.submit")


def _checked(w, username):
    succeeded(w, username)
    from sanxin.engagement.models import Nomination

    assert Nomination.objects.get().state == "ineligible"
    audited(w, username, "nomination.check")


def _voted(w, username):
    from sanxin.engagement.models import Ballot, BallotCast

    succeeded(w, username)
    assert BallotCast.objects.filter(voter=w.users[username]).count() == 1
    assert Ballot.objects.count() == 1
    audited(w, username, "ballot.cast")


def _objected(w, username):
    from sanxin.engagement.models import HonourObjection

    succeeded(w, username)
    assert HonourObjection.objects.filter(raised_by=w.users[username]).exists()
    audited(w, username, "honour_objection.raise")


def _answered(w, username):
    from sanxin.engagement.models import HonourObjection

    succeeded(w, username)
    objection = HonourObjection.objects.get()
    assert objection.answered_by == w.users[username] and objection.upheld is False
    audited(w, username, "honour_objection.answer")


def _withdrawn(w, username):
    from sanxin.engagement.models import HonourWithdrawal
    from sanxin.ledger.models import Entry

    succeeded(w, username)
    withdrawal = HonourWithdrawal.objects.get()
    assert withdrawal.withdrawn_by == w.users[username]
    assert Entry.objects.filter(reversal_of=withdrawal.honour.entry).exists()
    audited(w, username, "honour.withdraw")


def _rep_added(w, username):
    from sanxin.engagement.models import Representative

    succeeded(w, username)
    rep = Representative.objects.get(added_by=w.users[username], person__name="李二河")
    audited(w, username, "representative.add", object_id=str(rep.pk))


def _rep_ended(w, username):
    from sanxin.engagement.models import Representative

    assert not errors_shown(w)
    assert Representative.objects.get(village=w.village_a1).ended_by == w.users[username]
    audited(w, username, "representative.end")


def _new_selection_data(w):
    return {
        "honour_type": f"new:{w.district.pk}:道德模范",
        "region": w.village_a1.pk,
        "year": 2030,
        "nominate_from": "2030-03-01",
        "nominate_until": "2030-03-10",
        "vote_from": "2030-03-12",
        "vote_until": "2030-03-14",
        "quota": 3,
        "voters": "committee",
        "quorum_percent": 66,
        "tie_rule": "all_tied",
        "notice_days": 7,
    }


def _nominate_data(w):
    return {
        "household_number": w.household.number,
        "reason": "院子干净整洁，种满月季",
        "photos": [_photo()],
    }


def _sel(w) -> int:
    from sanxin.engagement.models import Selection

    return Selection.objects.get(region=w.village_a1).pk


def _token(w) -> str:
    from sanxin.engagement.certificates import token_for

    return token_for(_awarded(w))


CASES = [
    Case("engagement:honours", lambda w: "/village/honours/", WITH_VIEW, setup=_selection),
    Case(
        "engagement:selection_new",
        lambda w: "/village/honours/new/",
        RUNNERS | {"other_town_admin", "neighbour_committee_head"},
    ),
    Case(
        "engagement:selection_new",
        lambda w: "/village/honours/new/",
        RUNNERS,
        method="post",
        data=_new_selection_data,
        effect=_opened,
    ),
    Case("engagement:selection", lambda w: f"/village/honours/{_sel(w)}/", SEE_A1, setup=_awarded),
    Case("engagement:selection", lambda w: f"/village/honours/{_sel(w)}/", SEE_A1, setup=_voting),
    Case(
        "engagement:selection_step",
        lambda w: f"/village/honours/{_sel(w)}/step/",
        RUNNERS,
        method="post",
        data=lambda w: {"step": "close_nominations"},
        setup=lambda w: (_nominated(w), _move_nomination_window(w)),
        effect=_stepped,
    ),
    Case(
        "engagement:nominate",
        lambda w: f"/village/honours/{_sel(w)}/nominate/",
        RUNNERS | {"subteam_member", "other_group_subteam", "villager", "other_villager"},
        setup=_selection,
    ),
    Case(
        "engagement:nominate",
        lambda w: f"/village/honours/{_sel(w)}/nominate/",
        RUNNERS | {"subteam_member", "villager", "other_villager"},
        method="post",
        data=_nominate_data,
        setup=_selection,
        effect=_nominated_by,
    ),
    Case(
        "engagement:nomination_check",
        lambda w: f"/village/honours/nominations/{_checking(w).nominations.get().pk}/check/",
        RUNNERS,
        method="post",
        data=lambda w: {
            f"c{_checking(w).nominations.get().pk}-eligible": "0",
            f"c{_checking(w).nominations.get().pk}-reason": "照片不是本户院子",
        },
        setup=_checking,
        effect=_checked,
    ),
    Case(
        "engagement:vote",
        lambda w: f"/village/honours/{_sel(w)}/vote/",
        {"villager"},
        setup=_voting,
    ),
    Case(
        "engagement:vote",
        lambda w: f"/village/honours/{_sel(w)}/vote/",
        {"villager"},
        method="post",
        data=lambda w: {"choices": [_voting(w).nominations.get().pk]},
        setup=_voting,
        effect=_voted,
    ),
    Case(
        "engagement:nomination_photo",
        lambda w: f"/village/honours/photos/{_nominated(w).nominations.get().photos.get().pk}/",
        RUNNERS | {"villager"},
        setup=_nominated,
    ),
    Case(
        "engagement:objection_raise",
        lambda w: f"/village/honours/nominations/{_notice(w).nominations.get().pk}/object/",
        SEE_A1,
        method="post",
        data=lambda w: {f"o{_notice(w).nominations.get().pk}-text": "院子里其实堆满了杂物"},
        setup=_notice,
        effect=_objected,
    ),
    Case(
        "engagement:objection_answer",
        lambda w: f"/village/honours/objections/{_objection(w).pk}/answer/",
        RUNNERS,
        method="post",
        data=lambda w: {"upheld": "0", "answer": "经核实，照片为本户院子"},
        setup=_objection,
        effect=_answered,
    ),
    Case(
        "engagement:honour_withdraw",
        lambda w: f"/village/honours/awarded/{_awarded(w).pk}/withdraw/",
        COMMITTEE,
        method="post",
        data=lambda w: {"reason": "院子已改作他用"},
        setup=_awarded,
        effect=_withdrawn,
    ),
    Case(
        "engagement:honour_certificate",
        lambda w: f"/village/honours/awarded/{_awarded(w).pk}/certificate.pdf",
        RUNNERS | {"district_admin", "department_viewer", "subteam_member", "villager"},
        setup=_awarded,
    ),
    Case(
        "engagement:honour_verify",
        lambda w: f"/village/honours/verify/{_token(w)}/",
        set(ALL_USERS),
        public=True,
        setup=_awarded,
    ),
    Case(
        "engagement:honour_roll",
        lambda w: f"/village/honours/roll/{w.village_a1.pk}/",
        SEE_A1,
        setup=_awarded,
    ),
    Case(
        "engagement:representatives",
        lambda w: f"/village/honours/representatives/{w.village_a1.pk}/",
        RUNNERS,
        setup=_selection,
    ),
    Case(
        "engagement:representatives",
        lambda w: f"/village/honours/representatives/{w.village_a1.pk}/",
        RUNNERS,
        method="post",
        data=lambda w: {"household_number": "002", "person_name": "李二河", "since": "2026-01-01"},
        setup=_selection,
        effect=_rep_added,
    ),
    Case(
        "engagement:representative_end",
        lambda w: f"/village/honours/representatives/end/{_representative(w).pk}/",
        RUNNERS,
        method="post",
        setup=_selection,
        effect=_rep_ended,
    ),
]


def _move_nomination_window(w):
    from sanxin.engagement.models import Selection

    today = timezone.localdate()
    Selection.objects.filter(region=w.village_a1).update(
        nominate_from=today - timedelta(days=3),
        nominate_until=today - timedelta(days=1),
        vote_from=today,
        vote_until=today + timedelta(days=2),
    )


def _scheme(w):
    from sanxin.rules.services import scheme_install_default

    scheme_install_default(district=w.district)


def _type_added(w, username):
    from sanxin.engagement.models import HonourType

    if username == "other_district_admin":  # their district has no scheme: nothing added
        assert not HonourType.objects.filter(name="好婆婆").exists()
        return
    succeeded(w, username)
    added = HonourType.objects.get(district=w.district, name="好婆婆")
    assert (added.item_code, added.min_grade, added.repeat_years) == ("honour.village", "4A", 2)
    audited(w, username, "honour_type.add")


CASES += [
    Case(
        "engagement:honour_types",
        lambda w: "/village/honours/types/",
        {"district_admin", "other_district_admin"},
        setup=_scheme,
    ),
    Case(
        "engagement:honour_types",
        lambda w: "/village/honours/types/",
        {"district_admin", "other_district_admin"},
        method="post",
        data=lambda w: {
            "name": "好婆婆",
            "item_code": "honour.village",
            "min_grade": "4A",
            "no_active_veto": "on",
            "repeat_years": 2,
        },
        setup=_scheme,
        effect=_type_added,
    ),
]
