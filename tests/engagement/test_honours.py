"""Honour selections, through the services: nominations and their rules, the
committee's check, the secret vote, the count, notice, award and withdrawal."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sanxin.engagement.choices import (
    NominationSource,
    NominationState,
    SelectionState,
    TieRule,
    VoterBody,
)
from sanxin.engagement.models import Ballot, BallotCast, Honour, Nomination
from sanxin.engagement.services import honours as svc
from sanxin.ledger.models import Entry, Review
from sanxin.ledger.services import entry_review
from sanxin.ratings.services.vetoes import veto_record
from tests.engagement.conftest import TODAY, give_grade, head_of, open_selection
from tests.factories import make_household

VOTE_DAY = TODAY + timedelta(days=7)


def photo(name="yard.png", fmt="PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 160, 60)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _courtyard(world, types, reps):
    """A 美丽庭院 selection with the villager's own household nominated (with a
    photo), checked, and the vote open."""
    give_grade(world.household, "4A")
    selection = open_selection(world, types["美丽庭院"])
    nomination = svc.nomination_submit(
        actor=world.users["villager"],
        selection=selection,
        household=world.household,
        person=None,
        reason="院内整洁，种花种菜，四季常绿",
        photos=[photo()],
        today=TODAY,
    )
    head = world.users["committee_head"]
    svc.selection_close_nominations(actor=head, selection=selection, today=TODAY + timedelta(6))
    svc.nomination_check(actor=head, nomination=nomination, eligible=True, today=TODAY)
    svc.selection_open_vote(actor=head, selection=selection, today=TODAY + timedelta(6))
    selection.refresh_from_db()
    return selection, nomination


def test_a_courtyard_goes_from_nomination_to_an_approved_honour(world, types, reps):
    selection, nomination = _courtyard(world, types, reps)
    assert nomination.source == NominationSource.VILLAGER
    assert nomination.person is None and nomination.photos.count() == 1
    assert selection.state == SelectionState.VOTING and selection.eligible_voters == 3
    for rep in reps[:2]:
        svc.ballot_cast(actor=rep, selection=selection, choices=[nomination.pk], today=VOTE_DAY)
    result = svc.selection_count(
        actor=world.users["committee_head"], selection=selection, today=VOTE_DAY + timedelta(3)
    )
    assert (result.ballots, result.needed, result.elected) == (2, 2, [nomination.pk])
    selection.refresh_from_db()
    nomination.refresh_from_db()
    assert selection.state == SelectionState.NOTICE and nomination.votes == 2
    assert selection.notice_until - selection.notice_from == timedelta(days=6)
    with pytest.raises(ValidationError, match="公示期"):
        svc.selection_award(
            actor=world.users["committee_head"], selection=selection, today=selection.notice_until
        )
    (honour,) = svc.selection_award(
        actor=world.users["committee_head"],
        selection=selection,
        today=selection.notice_until + timedelta(days=1),
    )
    entry = honour.entry
    assert entry.item_code == "honour.village" and entry.points == 5
    assert entry.person == head_of(world.household)
    assert not Review.objects.filter(entry=entry).exists()  # pending
    with pytest.raises(ValidationError, match="自己记录"):
        entry_review(actor=world.users["committee_head"], entry=entry, approve=True)
    entry_review(actor=world.users["committee_deputy"], entry=entry, approve=True)
    # Withdrawn: the approved points are reversed (pending a second member).
    svc.honour_withdraw(actor=world.users["committee_member"], honour=honour, reason="弄虚作假")
    reversal = Entry.objects.get(reversal_of=entry)
    assert reversal.points == -5 and honour.withdrawal.reversal == reversal


def test_the_ballot_cannot_be_linked_to_its_voter(world, types, reps):
    selection, nomination = _courtyard(world, types, reps)
    for rep in reps:
        svc.ballot_cast(actor=rep, selection=selection, choices=[nomination.pk], today=VOTE_DAY)
    assert BallotCast.objects.filter(selection=selection).count() == 3
    fields = {f.name for f in Ballot._meta.get_fields()}
    assert fields == {"id", "selection", "choices"}
    # Random ids: not the order of casting.
    assert BallotCast.objects.filter(selection=selection).count() == Ballot.objects.count()


def test_a_double_vote_and_an_outsider_vote_are_refused(world, types, reps):
    selection, nomination = _courtyard(world, types, reps)
    svc.ballot_cast(actor=reps[0], selection=selection, choices=[nomination.pk], today=VOTE_DAY)
    with pytest.raises(ValidationError, match="投过票"):
        svc.ballot_cast(actor=reps[0], selection=selection, choices=[], today=VOTE_DAY)
    for outsider in ("villager", "committee_head", "other_villager", "neighbour_committee_head"):
        with pytest.raises(PermissionDenied):
            svc.ballot_cast(
                actor=world.users[outsider],
                selection=selection,
                choices=[nomination.pk],
                today=VOTE_DAY,
            )
    assert Ballot.objects.count() == 1


def test_votes_outside_the_window_and_crafted_ballots_are_refused(world, types, reps):
    selection, nomination = _courtyard(world, types, reps)
    for day in (VOTE_DAY - timedelta(days=1), selection.vote_until + timedelta(days=1)):
        with pytest.raises(ValidationError, match="投票时间"):
            svc.ballot_cast(actor=reps[0], selection=selection, choices=[], today=day)
    other = Nomination.objects.exclude(selection=selection).first()
    for choices in ([nomination.pk, nomination.pk], [nomination.pk + 999], [-1]):
        with pytest.raises(ValidationError):
            svc.ballot_cast(actor=reps[1], selection=selection, choices=choices, today=VOTE_DAY)
    assert other is None and Ballot.objects.count() == 0


def test_a_representative_who_left_the_list_may_not_vote(world, types, reps):
    selection, nomination = _courtyard(world, types, reps)
    rep = svc.Representative.objects.get(person=reps[2].person)
    svc.representative_end(actor=world.users["committee_head"], representative=rep, until=VOTE_DAY)
    with pytest.raises(PermissionDenied, match="村民代表"):
        svc.ballot_cast(actor=reps[2], selection=selection, choices=[], today=VOTE_DAY)


def test_ineligible_nominations_are_refused_in_plain_words(world, types, reps):
    head = world.users["committee_head"]
    selection = open_selection(world, types["道德模范"])
    low = make_household(world.village_a1, world.group_a1_1, "050", head="刘低分", head_seq=800)
    give_grade(low, "2A")
    with pytest.raises(ValidationError, match="在用信用等级为2A，本荣誉要求不低于3A"):
        svc.nomination_submit(
            actor=head,
            selection=selection,
            household=low,
            person=head_of(low),
            reason="乐于助人，热心公益",
            today=TODAY,
        )
    # A villager nominating another household is told the rules, not its grade.
    with pytest.raises(ValidationError) as refused:
        svc.nomination_submit(
            actor=world.users["villager"],
            selection=selection,
            household=low,
            person=head_of(low),
            reason="乐于助人，热心公益",
            today=TODAY,
        )
    assert "2A" not in str(refused.value) and "不低于3A" in str(refused.value)
    # No grade at all.
    with pytest.raises(ValidationError, match="没有在用的信用等级"):
        svc.nomination_submit(
            actor=head,
            selection=selection,
            household=world.household_a1_2,
            person=head_of(world.household_a1_2),
            reason="乐于助人，热心公益",
            today=TODAY,
        )
    # A running veto.
    vetoed = make_household(world.village_a1, world.group_a1_1, "051", head="孙否决", head_seq=810)
    give_grade(vetoed, "5A")
    veto_record(
        actor=head,
        household=vetoed,
        rule_code="wd.c.detention",
        starts_on=date(2026, 3, 1),
        evidence_text="行政拘留决定书",
    )
    with pytest.raises(ValidationError, match="一票否决"):
        svc.nomination_submit(
            actor=world.users["committee_member"],
            selection=selection,
            household=vetoed,
            person=head_of(vetoed),
            reason="乐于助人，热心公益",
            today=TODAY,
        )


def test_the_same_honour_within_n_years_is_refused(world, types, reps):
    give_grade(world.household_a1_2, "4A")
    person = head_of(world.household_a1_2)
    svc.selection_finished(
        committee=world.users["committee_head"],
        honour_type=types["道德模范"],
        region=world.village_a1,
        year=2025,
        nominees=[(world.household_a1_2, person, "孝老爱亲，照顾瘫痪婆婆十年")],
        voters=reps,
        votes_for=[0],
        awarded_on=date(2026, 1, 20),
    )
    assert Honour.objects.filter(person=person, year=2025).exists()
    selection = open_selection(world, types["道德模范"])
    with pytest.raises(ValidationError, match="2025年已获“道德模范”，3年内不能重复评选"):
        svc.nomination_submit(
            actor=world.users["committee_head"],
            selection=selection,
            household=world.household_a1_2,
            person=person,
            reason="孝老爱亲，继续坚持",
            today=TODAY,
        )


def test_self_nomination_only_where_the_type_allows(world, types, reps):
    give_grade(world.household, "4A")
    selection = open_selection(world, types["道德模范"])
    with pytest.raises(ValidationError, match="不能推荐本户"):
        svc.nomination_submit(
            actor=world.users["villager"],
            selection=selection,
            household=world.household,
            person=head_of(world.household),
            reason="我自己很好很好",
            today=TODAY,
        )


def test_nominations_outside_the_window_or_the_village_are_refused(world, types, reps):
    give_grade(world.household, "4A")
    selection = open_selection(world, types["美丽庭院"])
    for day in (TODAY - timedelta(days=6), TODAY + timedelta(days=6)):
        with pytest.raises(ValidationError, match="不在提名时间内"):
            svc.nomination_submit(
                actor=world.users["villager"],
                selection=selection,
                household=world.household,
                person=None,
                reason="院内整洁，种花种菜",
                today=day,
            )
    give_grade(world.household_a2, "4A")
    with pytest.raises(PermissionDenied):
        svc.nomination_submit(
            actor=world.users["villager"],
            selection=selection,
            household=world.household_a2,
            person=None,
            reason="院内整洁，种花种菜",
            today=TODAY,
        )


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("yard.jpg", b"<?php echo 1; ?>", content_type="image/jpeg"),
        SimpleUploadedFile("yard.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, content_type="image/png"),
        SimpleUploadedFile(
            "yard.svg", b"<svg onload=alert(1)></svg>", content_type="image/svg+xml"
        ),
    ],
)
def test_crafted_photos_are_refused(world, types, reps, upload):
    give_grade(world.household, "4A")
    selection = open_selection(world, types["美丽庭院"])
    with pytest.raises(ValidationError):
        svc.nomination_submit(
            actor=world.users["villager"],
            selection=selection,
            household=world.household,
            person=None,
            reason="院内整洁，种花种菜",
            photos=[upload],
            today=TODAY,
        )
    assert not Nomination.objects.exists()


def test_a_photo_is_stored_without_its_metadata(world, types, reps):
    give_grade(world.household, "4A")
    selection = open_selection(world, types["美丽庭院"])
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    Image.new("RGB", (40, 30)).save(buffer, "JPEG", exif=exif)
    upload = SimpleUploadedFile("yard.jpg", buffer.getvalue(), content_type="image/jpeg")
    nomination = svc.nomination_submit(
        actor=world.users["villager"],
        selection=selection,
        household=world.household,
        person=None,
        reason="院内整洁，种花种菜",
        photos=[upload],
        today=TODAY,
    )
    stored = nomination.photos.get().image.read()
    assert b"SpyCam" not in stored


@pytest.mark.parametrize(
    ("votes", "rule", "expected"),
    [
        ({1: 5, 2: 3, 3: 3}, TieRule.NONE_TIED, [1]),
        ({1: 5, 2: 3, 3: 3}, TieRule.ALL_TIED, [1, 3, 2]),
        ({1: 5, 2: 4, 3: 3}, TieRule.NONE_TIED, [1, 2]),
        ({1: 0, 2: 0}, TieRule.ALL_TIED, []),
    ],
)
def test_the_tie_rule(votes, rule, expected):
    assert svc.winners(votes, 2, rule) == expected


def test_without_a_quorum_the_selection_closes(world, types, reps):
    selection, nomination = _courtyard(world, types, reps)
    svc.ballot_cast(actor=reps[0], selection=selection, choices=[nomination.pk], today=VOTE_DAY)
    with pytest.raises(ValidationError, match="投票截止"):
        svc.selection_count(
            actor=world.users["committee_head"], selection=selection, today=VOTE_DAY
        )
    result = svc.selection_count(
        actor=world.users["committee_head"], selection=selection, today=VOTE_DAY + timedelta(3)
    )
    selection.refresh_from_db()
    assert not result.quorum_met and selection.state == SelectionState.CLOSED
    assert "未达到" in selection.closed_reason


def test_an_upheld_objection_takes_the_winner_off(world, types, reps):
    selection, nomination = _courtyard(world, types, reps)
    for rep in reps:
        svc.ballot_cast(actor=rep, selection=selection, choices=[nomination.pk], today=VOTE_DAY)
    svc.selection_count(actor=world.users["committee_head"], selection=selection, today=VOTE_DAY)
    objection = svc.objection_raise(
        actor=world.users["other_villager"],
        nomination=nomination,
        text="院子里堆满了杂物，照片是借别人家的",
        today=VOTE_DAY,
    )
    with pytest.raises(ValidationError, match="异议没有答复"):
        svc.selection_award(
            actor=world.users["committee_head"], selection=selection, today=VOTE_DAY + timedelta(30)
        )
    svc.objection_answer(
        actor=world.users["committee_deputy"],
        objection=objection,
        upheld=True,
        answer="经核实属实，取消当选资格",
    )
    nomination.refresh_from_db()
    assert nomination.state == NominationState.INELIGIBLE
    assert (
        svc.selection_award(
            actor=world.users["committee_head"], selection=selection, today=VOTE_DAY + timedelta(30)
        )
        == []
    )


def test_a_committee_vote_counts_the_committee(world, types, reps):
    give_grade(world.household_a1_2, "4A")
    selection = svc.selection_finished(
        committee=world.users["committee_head"],
        honour_type=types["劳动模范"],
        region=world.village_a1,
        year=2026,
        nominees=[(world.household_a1_2, head_of(world.household_a1_2), "种植大户，带动乡亲致富")],
        voters=[],
        votes_for=[],
        awarded_on=TODAY,
    )
    assert selection.voters == VoterBody.COMMITTEE and selection.eligible_voters == 3
    # No committee member voted: no quorum.
    assert selection.state == SelectionState.CLOSED


def test_a_district_adds_an_honour_type_of_its_scheme_only(world, scheme):
    admin = world.users["district_admin"]
    added = svc.honour_type_add(
        actor=admin,
        district=world.district,
        name="文明家庭",
        item_code="honour.village",
        for_household=True,
        self_nomination=True,
    )
    assert added.for_household and added.min_grade == "3A"
    with pytest.raises(ValidationError, match="不在本区现行评分方案中"):
        svc.honour_type_add(
            actor=admin, district=world.district, name="好媳妇", item_code="no.such.item"
        )
    with pytest.raises(PermissionDenied):
        svc.honour_type_add(
            actor=world.users["committee_head"],
            district=world.district,
            name="好媳妇",
            item_code="honour.village",
        )
