"""Party and cadre reserve candidates (政治激励): suggestions from the grades in force,
the workflow and its refusals, the live flags, recusal, what a villager sees."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sanxin.audit.models import AuditEvent
from sanxin.households import services as hh
from sanxin.households.models import Person
from sanxin.ledger.models import VetoEvent
from sanxin.lib import idcard
from sanxin.ratings.services.vetoes import veto_record
from sanxin.rewards import candidates_selectors as selectors
from sanxin.rewards.models import Candidate, CandidateEvent, CandidateKind, CandidateStatus
from sanxin.rewards.services import candidates as services
from tests.factories import valid_id
from tests.rewards.candidate_world import downgrade, grade, make_party_member

TODAY = timezone.localdate()


@pytest.fixture
def village(world):
    """Household 001 (village A1) at 4A: its head (born 1980) and two adult children
    (born 2005), the first a party member with a vanguard score of 90, and a child
    born 2015; household 002 at 3A."""
    members = list(Person.objects.filter(household=world.household).order_by("id"))
    member = make_party_member(members[1])
    hh._person_create(
        actor=None,
        household=world.household,
        data=hh.PersonData(
            name="王小童",
            id_number=idcard.parse(valid_id(150, birth=date(2015, 6, 1))),
            relation="孙",
        ),
    )
    grade(world.household, "4A", vanguard={member: "90"})
    grade(world.household_a1_2, "3A")
    world.head, world.party_member, world.adult_child = members
    return world


def names(items):
    return sorted(s.person.name for s in items)


def nominate(world, person, kind=CandidateKind.PARTY, *, actor="committee_head", suggested=True):
    return services.candidate_nominate(
        actor=world.users[actor],
        person=person,
        kind=kind,
        reason="带头致富，热心公益",
        from_suggestion=suggested,
    )


# --- suggestions ----------------------------------------------------------------------


def test_suggestions_are_adult_non_members_and_qualified_party_members_of_4a_5a(village):
    found = selectors.suggestions(village.village_a1, TODAY)
    assert names(found.party) == ["王大山", "王大山家2"]  # not the party member, not the child
    assert names(found.cadre) == ["王大山家1"]
    assert found.cadre[0].vanguard == Decimal("90")
    assert {s.household.pk for s in found.party + found.cadre} == {village.household.pk}


def test_the_districts_criteria_narrow_the_suggestions(village):
    services.candidate_criteria_set(
        actor=village.users["district_admin"],
        district=village.district,
        effective_from=TODAY,
        min_grade="4A",
        party_min_age=18,
        party_max_age=30,
        cadre_min_vanguard=Decimal("95"),
        cadre_max_age=None,
        exclude_vetoed=True,
    )
    found = selectors.suggestions(village.village_a1, TODAY)
    assert names(found.party) == ["王大山家2"]  # the head is over 30
    assert found.cadre == []  # 90 < 95
    event = AuditEvent.objects.get(action="candidate.criteria")
    assert event.after["party_max_age"] == "30"


def test_only_the_districts_own_admin_sets_the_criteria(village):
    with pytest.raises(PermissionDenied):
        services.candidate_criteria_set(
            actor=village.users["town_admin"],
            district=village.district,
            effective_from=TODAY,
            min_grade="4A",
            party_min_age=18,
            party_max_age=None,
            cadre_min_vanguard=Decimal("80"),
            cadre_max_age=None,
            exclude_vetoed=True,
        )


def test_a_household_with_a_running_veto_is_not_suggested(village):
    VetoEvent.objects.create(
        household=village.household,
        scheme_version_id=village.household.ratings.first().scheme_version_id,
        rule_code="x",
        name="测试否决",
        kind="veto",
        cap_grade="5A",
        starts_on=TODAY - timedelta(days=1),
        ends_on=TODAY + timedelta(days=10),
        evidence_text="测试",
        recorded_by=village.users["committee_head"],
        recorded_at=timezone.now(),
    )
    found = selectors.suggestions(village.village_a1, TODAY)
    assert found.party == [] and found.cadre == []
    assert found.vetoed_households == 1


# --- the workflow -----------------------------------------------------------------------


def test_nominate_confirm_forward_accept_writes_history_and_audit(village):
    c = nominate(village, village.adult_child)
    assert (c.status, c.source, c.grade_at_nomination) == ("nominated", "suggested", "4A")
    c = services.candidate_confirm(actor=village.users["town_admin"], candidate=c)
    c = services.candidate_forward(actor=village.users["town_admin"], candidate=c, reason="同意")
    c = services.candidate_accept(actor=village.users["district_admin"], candidate=c)
    assert c.status == CandidateStatus.ACCEPTED
    steps = list(c.events.order_by("id").values_list("action", "from_status", "to_status"))
    assert steps == [
        ("nominate", "", "nominated"),
        ("confirm", "nominated", "confirmed"),
        ("forward", "confirmed", "forwarded"),
        ("accept", "forwarded", "accepted"),
    ]
    actions = list(
        AuditEvent.objects.filter(action__startswith="candidate.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "candidate.nominate",
        "candidate.confirm",
        "candidate.forward",
        "candidate.accept",
    ]


def test_a_cadre_nomination_keeps_the_vanguard_score(village):
    c = nominate(village, village.party_member, CandidateKind.CADRE)
    assert c.vanguard_at_nomination == Decimal("90")


def test_invalid_steps_are_refused_in_chinese(village):
    c = nominate(village, village.adult_child)
    with pytest.raises(ValidationError, match="不能报送"):
        services.candidate_forward(actor=village.users["town_admin"], candidate=c)
    with pytest.raises(ValidationError, match="不能列入后备"):
        services.candidate_accept(actor=village.users["district_admin"], candidate=c)
    c = services.candidate_withdraw(
        actor=village.users["committee_head"], candidate=c, reason="本人婉拒"
    )
    with pytest.raises(ValidationError, match="已撤回"):
        services.candidate_confirm(actor=village.users["town_admin"], candidate=c)


def test_each_step_belongs_to_its_level(village):
    c = nominate(village, village.adult_child)
    with pytest.raises(PermissionDenied):
        services.candidate_confirm(actor=village.users["committee_head"], candidate=c)
    with pytest.raises(PermissionDenied):
        nominate(village, village.head, actor="town_admin")
    c = services.candidate_confirm(actor=village.users["town_admin"], candidate=c)
    c = services.candidate_forward(actor=village.users["town_admin"], candidate=c)
    with pytest.raises(PermissionDenied):
        services.candidate_accept(actor=village.users["town_admin"], candidate=c)
    with pytest.raises(PermissionDenied):
        services.candidate_withdraw(
            actor=village.users["department_viewer"], candidate=c, reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.candidate_confirm(actor=village.users["other_town_admin"], candidate=c)


def test_a_step_done_twice_is_done_once(village):
    c = nominate(village, village.adult_child)
    services.candidate_confirm(actor=village.users["town_admin"], candidate=c)
    services.candidate_confirm(actor=village.users["town_admin"], candidate=c)
    assert c.events.filter(action="confirm").count() == 1
    assert AuditEvent.objects.filter(action="candidate.confirm").count() == 1
    services.candidate_mark_told(actor=village.users["committee_head"], candidate=c)
    services.candidate_mark_told(actor=village.users["committee_head"], candidate=c)
    assert c.events.filter(action="tell").count() == 1


def test_one_live_candidacy_per_person_and_kind(village):
    c = nominate(village, village.adult_child)
    with pytest.raises(ValidationError, match="已是发展党员后备人选"):
        nominate(village, village.adult_child)
    services.candidate_withdraw(actor=village.users["town_admin"], candidate=c, reason="迁出")
    again = nominate(village, village.adult_child)
    assert again.pk != c.pk and Candidate.objects.count() == 2


def test_a_withdrawal_needs_a_reason(village):
    c = nominate(village, village.adult_child)
    with pytest.raises(ValidationError, match="必须写明理由"):
        services.candidate_withdraw(actor=village.users["committee_head"], candidate=c, reason=" ")


def test_by_hand_needs_a_reason_and_suggested_must_be_suggested(village):
    with pytest.raises(ValidationError, match="不在今天的系统建议名单"):
        nominate(village, Person.objects.get(household=village.household_a1_2))
    with pytest.raises(ValidationError, match="必须写明提名理由"):
        services.candidate_nominate(
            actor=village.users["committee_head"],
            person=village.head,
            kind=CandidateKind.PARTY,
            reason="",
            from_suggestion=False,
        )
    manual = nominate(
        village, Person.objects.get(household=village.household_a1_2), suggested=False
    )
    assert (manual.source, manual.grade_at_nomination) == ("manual", "3A")
    with pytest.raises(ValidationError, match="须是党员"):
        nominate(village, village.head, CandidateKind.CADRE, suggested=False)
    with pytest.raises(ValidationError, match="已是党员"):
        nominate(village, village.party_member, suggested=False)
    child = Person.objects.get(name="王小童")
    with pytest.raises(ValidationError, match="年满18周岁"):
        nominate(village, child, suggested=False)


def test_nobody_nominates_or_decides_on_their_own_household(village):
    member = village.users["committee_member"]
    member.person = village.head
    member.save(update_fields=["person"])
    with pytest.raises(ValidationError, match="回避"):
        nominate(village, village.adult_child, actor="committee_member")
    c = nominate(village, village.adult_child)
    with pytest.raises(ValidationError, match="回避"):
        services.candidate_withdraw(actor=member, candidate=c, reason="x")
    town = village.users["town_admin"]
    town.person = village.party_member
    town.save(update_fields=["person"])
    with pytest.raises(ValidationError, match="回避"):
        services.candidate_confirm(actor=town, candidate=c)
    assert c.events.count() == 1


# --- flags ---------------------------------------------------------------------------------


def flags(world):
    return {
        r.candidate.person.name: r.flag_reasons
        for r in selectors.candidate_rows(Candidate.objects.all(), TODAY)
    }


def test_a_downgrade_flags_the_candidate_at_once(village):
    nominate(village, village.adult_child)
    assert flags(village) == {"王大山家2": []}
    downgrade(village.household, "3A")
    assert flags(village) == {"王大山家2": ["户在用等级已降为3A"]}


def test_a_veto_flags_the_candidate_at_once(village):
    nominate(village, village.adult_child)
    veto_record(
        actor=village.users["committee_deputy"],
        household=village.household,
        rule_code="wd.c.detention",
        starts_on=TODAY,
        evidence_text="公安机关行政处罚决定书",
    )
    assert flags(village) == {"王大山家2": ["户在用等级已降为未评级", "该户有生效中的一票否决"]}


def test_a_revoked_veto_no_longer_flags(village):
    nominate(village, village.adult_child)
    from sanxin.ratings.services.vetoes import veto_revoke

    event = veto_record(
        actor=village.users["committee_deputy"],
        household=village.household,
        rule_code="wd.c.detention",
        starts_on=TODAY,
        evidence_text="公安机关行政处罚决定书",
    )
    veto_revoke(actor=village.users["committee_deputy"], event=event, reason="误报")
    assert flags(village) == {"王大山家2": []}


# --- what the villager sees -----------------------------------------------------------


def test_the_household_sees_its_candidacy_only_once_told(village, login):
    c = nominate(village, village.adult_child)
    client = login(village.users["villager"])
    page = client.get("/shop/candidates/mine/").content.decode()
    assert "王大山家2" not in page and "后备人选" in page
    services.candidate_mark_told(actor=village.users["committee_member"], candidate=c)
    page = client.get("/shop/candidates/mine/").content.decode()
    assert "王大山家2已被列为发展党员后备人选" in page
    other = login(village.users["other_villager"]).get("/shop/candidates/mine/")
    assert "王大山家2" not in other.content.decode()


# --- pages -------------------------------------------------------------------------------


def test_the_department_sees_the_list_read_only(village, login):
    c = nominate(village, village.adult_child)
    client = login(village.users["department_viewer"])
    page = client.get("/shop/candidates/").content.decode()
    assert "王大山家2" in page
    detail = client.get(f"/shop/candidates/{c.pk}/").content.decode()
    assert "/confirm/" not in detail and "/withdraw/" not in detail
    # the department is not shown masked ID numbers (docs/access.md)
    assert c.person.id_number_masked not in page


def test_nominating_from_the_village_page(village, login):
    client = login(village.users["committee_head"])
    page = client.get(f"/shop/candidates/villages/{village.village_a1.pk}/").content.decode()
    assert "王大山家1" in page and "王大山家2" in page
    data = {
        "person": village.adult_child.pk,
        "kind": "party",
        "reason": "热心公益",
        "idempotency_key": "k1",
    }
    url = f"/shop/candidates/villages/{village.village_a1.pk}/nominate/"
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # a double submit: once
    assert Candidate.objects.get().reason == "热心公益"
    assert CandidateEvent.objects.count() == 1


def test_the_list_pages_run_a_fixed_number_of_queries(village, login):
    """The same number of queries for four candidates as for eight (no query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_household

    client = login(village.users["district_admin"])
    urls = ["/shop/candidates/", f"/shop/candidates/villages/{village.village_a1.pk}/"]

    def counts():
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    def add(households):
        for household in households:
            grade(household, "5A")
            for person in Person.objects.filter(household=household):
                nominate(village, person, suggested=False)

    add(
        make_household(
            village.village_a1,
            village.group_a1_1,
            f"1{i}",
            head=f"甲{i}",
            head_seq=600 + 10 * i,
            members=1,
        )
        for i in range(2)
    )
    small = counts()
    add(
        make_household(
            village.village_a1,
            village.group_a1_2,
            f"2{i}",
            head=f"乙{i}",
            head_seq=700 + 10 * i,
            members=1,
        )
        for i in range(2)
    )
    assert Candidate.objects.count() == 8
    assert counts() == small
    assert max(small) <= 25, small
