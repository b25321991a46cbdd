"""The demo data set (`sanxin demo-data`): built small here for speed (24 households);
the default 300 is checked on the plan, which needs no database, and built once for
the shape of its grades."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from sanxin.accounts.choices import Role
from sanxin.accounts.models import RoleAssignment, User
from sanxin.accounts.scope import PERMISSIONS, Perm
from sanxin.audit.models import AuditEvent
from sanxin.credit.models import CreditAssessment
from sanxin.households.choices import CadrePost, PoliticalStatus
from sanxin.households.models import Household, Person
from sanxin.ledger import services
from sanxin.ledger.models import Entry, Review
from sanxin.ledger.services import EntryRequest
from sanxin.lib import idcard
from sanxin.lib.append_only import append_only_tables
from sanxin.notifications.models import Notification
from sanxin.ratings import certificates
from sanxin.ratings.choices import CycleState, GradeSource
from sanxin.ratings.facts import household_grade
from sanxin.ratings.models import (
    Adjustment,
    Appeal,
    AppealDecision,
    Certificate,
    Cycle,
    GradeRecord,
    Rating,
    ReviewMeeting,
)
from sanxin.ratings.selectors import effective_grades
from sanxin.ratings.standing import grade_in_force
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.models import SchemeVersion
from sanxin.web import demo
from sanxin.web.demo import ledger_year
from sanxin.web.demo.calendar import CYCLE_DAYS, year_shift

SMALL = 24


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # Argon2 costs ~0.1 s per password and the demo creates 25 logins.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def built(db):
    return demo.build(households=SMALL)


@pytest.fixture
def cal():
    """The calendar of a demo built today (the project's local date)."""
    return demo.Calendar.on()


def _counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "households": Household.objects.count(),
        "people": Person.objects.count(),
        "users": User.objects.count(),
        "assignments": RoleAssignment.objects.count(),
        "audit": AuditEvent.objects.count(),
        "schemes": SchemeVersion.objects.count(),
        "assessments": CreditAssessment.objects.count(),
        "entries": Entry.objects.count(),
        "reviews": Review.objects.count(),
        "linked": User.objects.filter(person__isnull=False).count(),
        "points": sorted(
            Entry.objects.values_list("household__number", "item_code", "occurred_on", "points")
        ),
        "cycles": sorted(Cycle.objects.values_list("period", "state", "current_run")),
        "ratings": Rating.objects.count(),
        "adjustments": Adjustment.objects.count(),
        "meetings": ReviewMeeting.objects.count(),
        "appeals": AppealDecision.objects.count() + Appeal.objects.count(),
        "grade_records": GradeRecord.objects.count(),
        "certificates": Certificate.objects.count(),
        "notifications": Notification.objects.count(),
    }


def _login(username: str, password: str = demo.PASSWORD):
    return authenticate(request=RequestFactory().post("/"), username=username, password=password)


def test_region_tree(built):
    district = Region.objects.get(level=Level.DISTRICT, name="双滦区")
    assert district.code == "130803000000"
    towns = {t.name: t for t in Region.objects.filter(parent=district)}
    assert {n: t.kind for n, t in towns.items()} == {
        "双塔山镇": "镇", "滦河镇": "镇", "大庙镇": "镇", "偏桥子镇": "镇", "西地镇": "镇",
        "陈栅子乡": "乡", "元宝山街道": "街道", "钢城街道": "街道", "秀水街道": "街道",
    }  # fmt: skip
    for name, town in towns.items():
        assert (
            town.level == Level.TOWN
            and town.code.startswith("130803")
            and town.code.endswith("000")
        )
        villages = list(Region.objects.filter(parent=town))
        expected = 11 if name == "偏桥子镇" else None
        assert len(villages) == expected if expected else 3 <= len(villages) <= 6
        for v in villages:
            assert v.level == Level.VILLAGE and len(v.code) == 12 and v.code[:9] == town.code[:9]
            assert v.kind == ("社区" if town.kind == "街道" else "村")
            assert v.is_within(town) and v.is_within(district)
    codes = list(Region.objects.exclude(code="").values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == Region.objects.exclude(level=Level.GROUP).count()

    village = Region.objects.get(name="大贵口村", parent__name="双塔山镇")
    assert village.kind == "村"
    assert list(village.children.values_list("name", flat=True)) == [
        "第一村民小组", "第二村民小组", "第三村民小组", "第四村民小组", "第五村民小组", "第六村民小组",
    ]  # fmt: skip
    neighbour = Region.objects.get(name="下营子村", parent__name="双塔山镇")
    assert neighbour.children.count() == 2
    assert set(Region.objects.filter(level=Level.GROUP).values_list("parent__name", flat=True)) == {
        "大贵口村",
        "下营子村",
    }


def test_households_and_people(built):
    village = Region.objects.get(name="大贵口村")
    households = list(Household.objects.filter(village=village).order_by("number"))
    assert [h.number for h in households] == [f"{i:04d}" for i in range(1, SMALL + 1)]
    assert Household.objects.filter(village__name="下营子村").count() == demo.NEIGHBOUR_HOUSEHOLDS
    assert len({h.villager_group_id for h in households}) == 6
    for h in households:
        members = list(h.members.all())
        heads = [p for p in members if p.is_head and p.active]
        assert len(heads) == 1 and heads[0].relation == "户主"
        assert 1 <= len(members) <= 6 and h.member_count == len(members)
        assert h.head_name == heads[0].name
        assert (
            h.phone == heads[0].phone and len(h.phone) == 11 and h.phone[:2] in ("13", "15", "18")
        )
        group_numeral = h.villager_group.name[1]
        assert h.address.startswith(f"大贵口村{group_numeral}组") and h.address.endswith("号")

    for person in Person.objects.all():
        value = person.reveal_id_number()
        parsed = idcard.parse(value)
        assert value.startswith("130803")
        assert parsed.birth_date == person.birth_date and parsed.sex == person.sex
        assert value not in person.id_number_encrypted
        assert person.id_number_masked == idcard.mask(value)
        assert person.relation in {
            "户主",
            "配偶",
            "子",
            "女",
            "父亲",
            "母亲",
            "儿媳",
            "孙子",
            "孙女",
        }


def test_ages_fit_relations(built):
    for h in Household.objects.prefetch_related("members"):
        head = next(p for p in h.members.all() if p.is_head)
        for p in h.members.all():
            if p.relation in ("子", "女"):
                assert p.birth_date > head.birth_date
            elif p.relation in ("父亲", "母亲"):
                assert p.birth_date < head.birth_date
            elif p.relation == "配偶":
                assert p.sex != head.sex


def test_cadres_and_party_members(built):
    village = Region.objects.get(name="大贵口村")
    people = Person.objects.filter(household__village=village)
    posts = Counter(people.exclude(cadre_post="").values_list("cadre_post", flat=True))
    assert posts == {
        CadrePost.PARTY_SECRETARY: 1,
        CadrePost.COMMITTEE_DIRECTOR: 1,
        CadrePost.TWO_COMMITTEES_MEMBER: 3,
        CadrePost.GROUP_LEADER: 6,
    }
    leaders = people.filter(cadre_post=CadrePost.GROUP_LEADER)
    assert len({p.household.villager_group_id for p in leaders}) == 6
    for p in people.exclude(cadre_post__in=["", CadrePost.GROUP_LEADER]):
        assert p.political_status == PoliticalStatus.PARTY_MEMBER
    assert people.filter(political_status=PoliticalStatus.PROBATIONARY).exists()


def test_every_demo_login_authenticates_with_its_roles(built):
    village = Region.objects.get(name="大贵口村")
    people = Person.objects.filter(household__village=village)
    secretary = people.get(cadre_post=CadrePost.PARTY_SECRETARY)
    committee = set(
        people.filter(cadre_post=CadrePost.TWO_COMMITTEES_MEMBER).values_list("name", flat=True)
    )
    for login in demo.demo_logins():
        if login.role:
            user = _login(login.username)
        else:
            # The superuser has its own generated password, not the shared one.
            assert built.superuser_password and built.superuser_password != demo.PASSWORD
            assert _login(login.username) is None
            user = _login(login.username, built.superuser_password)
        assert user is not None and user.username == login.username, login.username
        assignments = list(
            RoleAssignment.objects.filter(user=user).select_related("region", "household")
        )
        if not login.role:
            assert user.is_superuser and user.is_staff and assignments == []
            continue
        assert [a.role for a in assignments] == [login.role]
        a = assignments[0]
        assert a.department == login.department, login.username
        if login.role == Role.VILLAGER:
            assert a.household.village == village
            assert user.phone == a.household.phone and user.display_name == a.household.head_name
        else:
            names = [a.region.name]
            node = a.region
            while node.parent_id:
                node = node.parent
                names.insert(0, node.name)
            assert tuple(names) == login.region
    assert User.objects.get(username="tuanzhang").display_name == secretary.name
    assert {User.objects.get(username=f"chengyuan{i}").display_name for i in (1, 2, 3)} == committee
    for i in range(1, 7):
        user = User.objects.get(username=f"fentuan{i}")
        group = RoleAssignment.objects.get(user=user).region
        assert (
            people.get(cadre_post=CadrePost.GROUP_LEADER, household__villager_group=group).name
            == user.display_name
        )
    neighbour_secretary = Person.objects.get(
        household__village__name="下营子村", cadre_post=CadrePost.PARTY_SECRETARY
    )
    assert User.objects.get(username="linjuntuanzhang").display_name == neighbour_secretary.name


def test_phone_login_for_villager(built):
    cunmin1 = User.objects.get(username="cunmin1")
    assert cunmin1.phone and len(cunmin1.phone) == 11
    assert _login(cunmin1.phone) == cunmin1


def test_running_twice_changes_nothing(built):
    before = _counts()
    again = demo.build(households=SMALL)
    assert not again.changed
    assert _counts() == before


def test_command_prints_the_logins(db):
    out = StringIO()
    call_command("demo_data", households=SMALL, stdout=out)
    text = out.getvalue()
    assert "演示数据已生成" in text and demo.PASSWORD in text
    # The superuser's own password is printed once, and it is the one that works.
    (line,) = [x for x in text.splitlines() if "超级用户 admin 的密码" in x]
    password = line.rsplit("：", 1)[1].strip()
    assert password and password != demo.PASSWORD and _login("admin", password) is not None
    for login in demo.demo_logins():
        assert login.username in text and login.can in text
    assert "异议 3 项（成立 1 项，不成立 2 项）" in text and "已定级" in text
    out = StringIO()
    call_command("demo_data", households=SMALL, stdout=out)
    assert "演示数据已存在，没有改动" in out.getvalue()


def test_reset_starts_over_and_keeps_the_audit_log_append_only(built, settings):
    settings.DEBUG = True  # `make demo` runs in debug mode
    fresh = _counts()
    User.objects.create_user(username="someone-else", password="x")
    call_command("demo_data", households=SMALL, reset=True, stdout=StringIO(), stderr=StringIO())
    assert _counts() == fresh
    assert not User.objects.filter(username="someone-else").exists()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM oversight_auditevent")
    assert "oversight_auditevent" in append_only_tables() and "ledger_entry" in append_only_tables()


def test_full_plan_is_shaped_like_daguikou():
    plan = demo.plan_demo()
    households = plan.pilot.households
    assert len(households) == 300
    people = [p for h in households for p in h.members]
    assert 2.8 <= len(people) / len(households) <= 3.3
    adults = [p for p in people if p.age >= 18]
    party = [p for p in adults if p.political_status != PoliticalStatus.MASSES]
    assert 0.06 <= len(party) / len(adults) <= 0.10
    assert len({p.id_number for p in people}) == len(people)
    assert len({h.phone for h in households}) == len(households)
    # Deterministic: the same people on every run.
    assert [p.id_number for p in people] == [
        p.id_number for h in demo.plan_demo().pilot.households for p in h.members
    ]


def test_capability_lines_follow_the_permissions():
    for login in demo.demo_logins():
        if not login.role:
            continue
        assert ("完整身份证号" in login.can) == (login.role in PERMISSIONS[Perm.REVEAL_ID]), (
            login.username
        )
        assert ("管理" in login.can) == (login.role in PERMISSIONS[Perm.CHANGE_REGISTRY]), (
            login.username
        )
        assert ("审计" in login.can) == (login.role in PERMISSIONS[Perm.VIEW_AUDIT]), login.username
        assert ("审核积分" in login.can) == (login.role in PERMISSIONS[Perm.REVIEW_POINTS]), (
            login.username
        )
        assert ("信用评定" in login.can) == (login.role in PERMISSIONS[Perm.RECORD_CREDIT]), (
            login.username
        )
        assert ("评分方案" in login.can) == (login.role in PERMISSIONS[Perm.MANAGE_SCHEME]), (
            login.username
        )
        assert ("自设积分项" in login.can) == (
            login.role in PERMISSIONS[Perm.MANAGE_VILLAGE_ITEMS]
        ), login.username
        if "记录积分" in login.can:
            assert login.role in PERMISSIONS[Perm.RECORD_POINTS], login.username


# --- the year of points -------------------------------------------------------------

COMMITTEE_ROLES = {Role.COMMITTEE_HEAD, Role.COMMITTEE_DEPUTY, Role.COMMITTEE_MEMBER}


def test_staff_who_are_villagers_are_linked_to_their_person(built):
    village = Region.objects.get(name="大贵口村")
    people = Person.objects.filter(household__village=village)
    assert User.objects.get(username="tuanzhang").person == people.get(
        cadre_post=CadrePost.PARTY_SECRETARY
    )
    committee = set(people.filter(cadre_post=CadrePost.TWO_COMMITTEES_MEMBER))
    assert {User.objects.get(username=f"chengyuan{i}").person for i in (1, 2, 3)} == committee
    for i in range(1, 7):
        user = User.objects.select_related("person__household__villager_group").get(
            username=f"fentuan{i}"
        )
        assert user.person.cadre_post == CadrePost.GROUP_LEADER
        assert user.person.household.villager_group == RoleAssignment.objects.get(user=user).region
    for i in (1, 2, 3):
        user = User.objects.get(username=f"cunmin{i}")
        assert (
            user.person.is_head
            and user.person.household == RoleAssignment.objects.get(user=user).household
        )
    assert User.objects.get(username="futuanzhang").person is None  # the credit co-op's director


def test_every_household_has_a_credit_assessment(built, cal):
    village = Region.objects.get(name="大贵口村")
    # One for the demo's year and one for the year before (its previous cycle).
    for year in (cal, cal.previous):
        assessments = CreditAssessment.objects.filter(
            household__village=village, period=year.credit_period
        )
        assert assessments.count() == SMALL == Household.objects.filter(village=village).count()
        assert set(assessments.values_list("assessed_by__username", flat=True)) == {"xinyongshe"}
        dates = sorted(assessments.values_list("assessed_on", flat=True))
        assert year.d(2025, 2, 1) <= dates[0] and dates[-1] <= year.d(2025, 4, 30)
        totals = [a.total for a in assessments]
        assert max(totals) - min(totals) >= 20, "a realistic spread of scores"
    assert CreditAssessment.objects.filter(household__village=village).count() == 2 * SMALL
    assert AuditEvent.objects.filter(action="credit.assess").count() == 2 * SMALL


def test_a_year_of_entries_recorded_and_reviewed_by_the_rules(built, cal):
    village = Region.objects.get(name="大贵口村")
    # The year of points up to the cut-off; 全民争信's entries come after the finished
    # cycle (tests/engagement/test_demo_engagement.py).
    # Before it, the previous year's model households and commendations (the previous
    # cycle's points, web/demo/previous_year.py), recorded by the same rules.
    entries = list(
        Entry.objects.filter(household__village=village, occurred_on__lte=cal.as_of).select_related(
            "household__villager_group", "recorded_by", "review__reviewer__person", "reversal_of"
        )
    )
    year = [e for e in entries if cal.ledger_from <= e.occurred_on]
    assert len(year) >= 8 * SMALL
    earlier = [e for e in entries if e.occurred_on < cal.ledger_from]
    days = {
        "env.model_household": {on for on, _label in cal.previous.model_household},
        "honour.village": {cal.previous.d(2025, 1, 10)},
    }
    assert earlier and all(
        e.occurred_on in days[e.item_code] and e.review.approved for e in earlier
    )
    assert {e.item_code for e in earlier} == set(days)
    assert all(e.recorded_at.date() >= e.occurred_on for e in entries)
    assert {e.scheme_version.code for e in entries} == {"sanxin-default"}
    codes = Counter(e.item_code for e in entries)
    for code in (
        "public.volunteer",
        "public.labour",
        "env.tidy",
        "affairs.meeting_on_time",
        "party.meeting",
    ):
        assert codes[code], code
    assert (
        sum(
            n
            for code, n in codes.items()
            if code.startswith(("env.dumping", "env.burning", "neighbour."))
        )
        > 0
    )
    roles = {
        a.user.username: a for a in RoleAssignment.objects.select_related("user__person", "region")
    }
    # Each villager group's sub-team member's own household.
    roles_home = {
        a.region_id: a.user.person.household_id
        for a in roles.values()
        if a.role == Role.SUBTEAM_MEMBER and a.user.person_id
    }
    scheme = entries[0].scheme_version.scheme
    # Reversals made by an upheld appeal are approved under the appeal's decision.
    appealed = set(AppealDecision.objects.exclude(reversal=None).values_list("reversal", flat=True))
    for e in entries:
        recorder = roles[e.recorded_by.username]
        if e.pk in appealed:
            assert recorder.role in COMMITTEE_ROLES and e.review.reviewer_id == e.recorded_by_id
            assert e.points == -e.reversal_of.points and e.review.approved
            assert e.reversal_of.recorded_by_id != e.recorded_by_id, "not by the recorder"
            continue
        if e.reversal_of_id:
            assert (
                recorder.role in COMMITTEE_ROLES and e.reason and e.points == -e.reversal_of.points
            )
        elif e.component == "vanguard":
            assert recorder.role in COMMITTEE_ROLES, e
        elif e.household_id == getattr(e.recorded_by.person, "household_id", None):
            raise AssertionError(f"recorded for the recorder's own household: {e}")
        elif recorder.role != Role.SUBTEAM_MEMBER:
            # The sub-team member's own household: the committee records it instead.
            assert recorder.role in COMMITTEE_ROLES, e
            assert roles_home.get(e.household.villager_group_id) == e.household_id, e
        else:
            assert recorder.region == e.household.villager_group, e
        assert (e.person_id is not None) == (scheme.item(e.item_code).applies_to == "person"), e
        review = getattr(e, "review", None)
        if review is None:
            continue
        assert roles[review.reviewer.username].role in COMMITTEE_ROLES
        assert review.reviewer_id != e.recorded_by_id, "maker-checker"
        assert (
            review.reviewer.person is None or review.reviewer.person.household_id != e.household_id
        ), "recusal"
        assert review.reviewed_at >= e.recorded_at
        assert review.approved or review.reason
    pending = [e for e in entries if getattr(e, "review", None) is None]
    assert 3 <= len(pending) <= 20 and all(e.occurred_on >= cal.d(2025, 9, 20) for e in pending)
    assert any(not e.review.approved for e in entries if getattr(e, "review", None) is not None), (
        "some rejected"
    )
    reversals = [e for e in entries if e.reversal_of_id]
    assert len(reversals) >= 3 and all(e.review.approved for e in reversals)
    assert AuditEvent.objects.filter(action="demo.ledger").count() == 2  # and the year before
    assert SchemeVersion.objects.get(village__isnull=True).in_use_since is not None


def test_grades_are_spread_with_vetoes(built, cal):
    village = Region.objects.get(name="大贵口村")
    grades = demo.grade_distribution(village, cal.as_of)
    assert sum(grades.values()) == SMALL and set(grades) <= {"A", "2A", "3A", "4A", "5A"}
    assert grades["3A"] + grades["4A"] + grades["5A"] >= SMALL // 3 and grades["5A"] >= 1
    vetoed = Entry.objects.filter(
        household__village=village,
        item_code__in=["filial.abuse", "integrity.fraud"],
        review__approved=True,
    )
    assert 2 <= vetoed.count() <= 4
    for entry in vetoed:
        result = household_grade(entry.household, cal.as_of).result
        assert result.grade == "A" and result.vetoes, entry.household


def test_frozen_points_are_those_the_services_compute(db, monkeypatch, cal):
    """Replay the demo's plan through the ledger services, in recording order: every
    entry, review and reversal is accepted, with the same frozen points, and the
    households end on the grades the demo aimed at."""
    captured = {}
    # Without the demo's year written, nothing is built on it (nor the year before).
    monkeypatch.setattr(demo, "build_previous_year", lambda *args: None)
    monkeypatch.setattr(
        ledger_year,
        "write_entries",
        lambda ledger, version, village, users, result: captured.update(ledger=ledger, users=users),
    )
    demo.build(households=SMALL)
    ledger, users = captured["ledger"], captured["users"]
    events = []
    for d in ledger.drafts:
        if d.dropped:
            continue
        events.append((d.recorded_at, 0, d))
        if d.decision != "pending":
            events.append((d.reviewed_at, 1, d))
    saved = {}
    for _at, kind, d in sorted(events, key=lambda e: (e[0], e[1])):
        if kind == 1:
            services.entry_review(
                actor=users[d.reviewer],
                entry=saved[id(d)],
                approve=d.decision == "approve",
                reason=d.reject_reason,
            )
        elif d.reversal_of is None:
            request = EntryRequest(
                household=d.household, item_code=d.item.code, occurred_on=d.occurred_on, quantity=d.quantity,
                person=d.person, evidence_text=d.evidence,
            )  # fmt: skip
            saved[id(d)] = services.entry_record(actor=users[d.recorder], request=request)
        else:
            saved[id(d)] = services.entry_reverse(
                actor=users[d.recorder], entry=saved[id(d.reversal_of)], reason=d.reversal_reason
            )
        if kind == 0:
            entry = saved[id(d)]
            assert (entry.points, entry.tier) == (d.points, d.tier), (
                d.item.code,
                d.household.number,
                d.occurred_on,
            )
            # The row the bulk path writes (ledger_year.write_entries) holds what the
            # service wrote, but for the moment and the batch marks the services stamp.
            assert (
                entry.item_name, entry.component, entry.quantity, entry.occurred_on,
                entry.person_id, entry.household_id, entry.recorded_by_id, entry.scheme_version_id,
                entry.reason,
            ) == (
                d.item.name, d.item.component, d.quantity, d.occurred_on,
                d.person.pk if d.person is not None else None, d.household.pk,
                users[d.recorder].pk, ledger.version.pk, d.reversal_reason,
            ), (d.item.code, d.household.number)  # fmt: skip
            if d.reversal_of is None:
                assert entry.evidence_text == d.evidence
    assert len(saved) > 8 * SMALL
    for lg in ledger.ledgers:
        assert (
            household_grade(lg.household, cal.as_of).result.grade
            == ledger.final_grades[lg.household.pk]
        )


def test_the_full_village_is_graded_like_the_pilot(db, cal):
    """300 households: 5A 29, 4A 26, 3A 75 as in the pilot's year; the rest 2A and A.
    The finished cycle ends with the same distribution as the cut-off's grades."""
    result = demo.build()
    village = Region.objects.get(name="大贵口村")
    grades = demo.grade_distribution(village, cal.as_of)
    assert grades == result.grades
    for grade, pilot in (("5A", 29), ("4A", 26), ("3A", 75)):
        assert abs(grades[grade] - pilot) <= 3, grades
    cycle = Cycle.objects.get(village=village, period=cal.cycle_period)
    final = Counter(
        GradeRecord.objects.filter(cycle=cycle, source=GradeSource.CYCLE).values_list(
            "grade", flat=True
        )
    )
    assert final == result.final_grades == grades
    assert (final["5A"], final["4A"], final["3A"]) == (29, 26, 75), final
    assert grades["2A"] + grades["A"] >= 150 and grades["unrated"] <= 5
    assert 2 <= result.vetoes <= 4 and 15 <= result.pending <= 25 and result.reversals >= 3
    assert Entry.objects.filter(review__isnull=True).count() == result.pending
    # The pilot's year of loans, on the previous cycle's lines: 28 loans of exactly
    # 4,820,000 yuan, enough behind the validation page's AUC (not "数据不足").
    from sanxin.lending.models import Loan
    from sanxin.lending.validation import MIN_LOANS

    loans = Loan.objects.filter(credit_line__village=village)
    assert loans.count() == 28
    assert sum(loan.principal for loan in loans) == Decimal("4820000.00")
    _loan_history(timezone.localdate(), min_loans=MIN_LOANS)


# --- the rating cycles ---------------------------------------------------------------


def test_the_calendar_fits_the_finished_cycle_in_the_past(cal):
    assert cal.as_of.month == 10 and cal.as_of.day == 20
    today = timezone.localdate()
    assert cal.as_of + timedelta(days=CYCLE_DAYS) <= today
    assert today < cal.as_of.replace(year=cal.as_of.year + 1) + timedelta(days=CYCLE_DAYS), (
        "the most recent such 20 October"
    )
    for today, shift in (
        (date(2026, 11, 25), 1), (date(2026, 11, 10), 1), (date(2026, 11, 9), 0), (date(2027, 1, 5), 1),
        (date(2025, 11, 10), 0),
    ):  # fmt: skip
        assert year_shift(today) == shift, today
    # The previous cycle (whose lines carry the year of loans): the same dates a year earlier.
    previous = cal.previous
    assert previous.as_of == cal.as_of.replace(year=cal.as_of.year - 1)
    assert previous.next_cut_off == cal.as_of and previous.next_period == cal.cycle_period
    assert previous.model_household[0][0] == cal.model_household[0][0].replace(
        year=cal.model_household[0][0].year - 1
    )


def test_the_finished_cycle_of_the_demo_year(built, cal):
    village = Region.objects.get(name="大贵口村")
    cycle = Cycle.objects.get(village=village, period=cal.cycle_period)
    cut_off = cal.as_of
    assert cycle.state == CycleState.FINAL and cycle.cut_off == cut_off
    assert cycle.notice_starts_on == cut_off + timedelta(days=7)
    assert cycle.notice_ends_on == cycle.notice_starts_on + timedelta(days=6)
    final_on = cycle.notice_ends_on + timedelta(days=1)
    assert cycle.finalised_at.date() == final_on <= timezone.localdate()
    assert cycle.computed_at < cycle.review_at < cycle.notice_at < cycle.finalised_at
    meeting = ReviewMeeting.objects.get(cycle=cycle)
    assert cut_off < meeting.held_on < cycle.notice_starts_on
    assert len(meeting.members_present) * 2 > meeting.committee_size

    # Two adjustments (one down, one up), each proposed by one member and confirmed by another.
    adjustments = list(Adjustment.objects.filter(cycle=cycle).select_related("decision"))
    assert sorted((a.from_grade, a.to_grade) for a in adjustments) == [("2A", "A"), ("A", "2A")]
    for a in adjustments:
        assert a.decision.confirmed and a.decision.decided_by_id != a.proposed_by_id and a.reason

    # Three appeals filed in the window, one upheld: its reversal exists and is approved.
    appeals = list(
        Appeal.objects.filter(cycle=cycle).select_related(
            "decision__reversal__review", "entry", "filed_by"
        )
    )
    assert len(appeals) == 3
    for appeal in appeals:
        assert (
            cycle.notice_starts_on
            <= appeal.filed_at.astimezone(timezone.get_default_timezone()).date()
            <= cycle.notice_ends_on
        )
        assert appeal.decision.reason and appeal.decision.decided_by_id != appeal.filed_by_id
    upheld = [a for a in appeals if a.decision.upheld]
    assert len(upheld) == 1
    (appeal,) = upheld
    assert (
        appeal.kind == "entry"
        and appeal.filed_by.username.startswith("cunmin")
        and not appeal.on_behalf
    )
    reversal = appeal.decision.reversal
    assert reversal.reversal_of == appeal.entry and reversal.points == -appeal.entry.points
    assert reversal.review.approved and appeal.decision.decided_by_id != appeal.entry.recorded_by_id
    assert appeal.decision.to_grade == appeal.grade_at_filing, "recomputed, same grade"
    dismissed = [a for a in appeals if not a.decision.upheld]
    assert {a.kind for a in dismissed} == {"grade"}
    assert any(a.on_behalf and not a.filed_by.username.startswith("cunmin") for a in dismissed)
    assert not RoleAssignment.objects.filter(
        household=next(a for a in dismissed if a.on_behalf).household
    ).exists()

    # Every household holds a grade in force: the cycle's, one lowered since by a veto.
    households = list(Household.objects.filter(village=village))
    grades = effective_grades(cycle)
    records = GradeRecord.objects.filter(cycle=cycle)
    assert records.filter(source=GradeSource.CYCLE).count() == len(households) == len(grades)
    dynamic = list(records.filter(source=GradeSource.DYNAMIC).select_related("veto_event"))
    assert len(dynamic) == 1
    (lowered,) = dynamic
    assert lowered.veto_event is not None and lowered.effective_from > final_on
    assert lowered.effective_from <= timezone.localdate() and "恶意拖欠信用社贷款" in lowered.reason
    from sanxin.lending.models import Loan

    assert not Loan.objects.filter(household=lowered.household).exists(), (
        "the defaulter's loan is not one of the register's, repaid on time"
    )
    for household in households:
        record = grade_in_force(household)
        assert record is not None
        if household.pk == lowered.household_id:
            assert record == lowered and record.grade == "unrated"
        else:
            assert record.source == GradeSource.CYCLE and record.grade == grades[household.pk]
    assert Notification.objects.filter(household=lowered.household, kind="grade_changed").exists()

    # Certificates: valid, and the vetoed household's revoked.
    statuses = {
        c.household_id: certificates.verify(
            certificates.certificate_from_token(certificates.token_for(c))
        ).status
        for c in Certificate.objects.all()
    }
    assert len(statuses) == 3 and statuses.pop(lowered.household_id) == certificates.Status.REVOKED
    assert set(statuses.values()) == {certificates.Status.VALID}
    villager_homes = set(
        RoleAssignment.objects.filter(role=Role.VILLAGER).values_list("household", flat=True)
    )
    assert set(statuses) & villager_homes, "a villager printed the household's own"

    # The next cycle, open.
    following = Cycle.objects.get(village=village, period=cal.next_period)
    assert following.state == CycleState.OPEN and following.current_run == 0
    assert following.cut_off == cut_off.replace(year=cut_off.year + 1)
    # And the previous cycle, a year earlier, final before this one was computed.
    previous = Cycle.objects.get(village=village, period=cal.previous.cycle_period)
    assert previous.state == CycleState.FINAL and previous.cut_off == cal.previous.as_of
    assert previous.finalised_at < cycle.computed_at
    assert Cycle.objects.filter(village=village).count() == 3


def test_the_finished_cycle_keeps_the_cut_off_distribution(built, cal):
    village = Region.objects.get(name="大贵口村")
    cycle = Cycle.objects.get(village=village, period=cal.cycle_period)
    final = Counter(effective_grades(cycle).values())
    assert (
        final == built.final_grades == built.grades == demo.grade_distribution(village, cal.as_of)
    )


# --- the calendar follows the Shanghai date; --reset is guarded -----------------------


def test_the_calendar_uses_the_shanghai_date_near_midnight(monkeypatch):
    """2026-11-09 16:30 UTC is already 2026-11-10 00:30 in Shanghai: the day the
    demo's year moves on (the 2026 cut-off is then 21 days past). A build at that
    moment uses the Shanghai date, not the machine's UTC date."""
    moment = datetime(2026, 11, 9, 16, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert timezone.localdate() == date(2026, 11, 10)
    cal = demo.Calendar.on()
    assert cal.as_of == date(2026, 10, 20) and cal.cycle_period == "2026"
    assert cal.next_period == "2027" and cal.next_cut_off == date(2027, 10, 20)
    assert demo.Calendar.on(moment.date()).as_of == date(2025, 10, 20), "UTC's day is still before"


def test_reset_is_refused_outside_debug_mode(built, settings):
    settings.DEBUG = False
    before = _counts()
    err = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("demo_data", households=SMALL, reset=True, stdout=StringIO(), stderr=err)
    assert "--yes-really" in str(refused.value) and "没有删除任何数据" in str(refused.value)
    assert "Nothing was erased" in str(refused.value)
    assert _counts() == before
    call_command(
        "demo_data", households=SMALL, reset=True, yes_really=True, stdout=StringIO(), stderr=err
    )
    assert _counts()["households"] == before["households"]


def test_reset_refusal_exits_non_zero(tmp_path):
    """From the command line: a non-zero exit code and the message, nothing touched."""
    import secrets
    import subprocess
    import sys

    db = tmp_path / "demo.sqlite3"
    env = {
        **os.environ,
        "SANXIN_DEBUG": "0",
        "SANXIN_DATABASE_URL": f"sqlite:///{db}",
        "SANXIN_SECRET_KEY": secrets.token_urlsafe(48),
        "SANXIN_DATA_KEY": secrets.token_urlsafe(48),
    }
    done = subprocess.run(
        [sys.executable, "-m", "sanxin", "demo-data", "--reset", "--households", "12"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0, done.stdout + done.stderr
    assert "--yes-really" in done.stderr and "Nothing was erased" in done.stderr, done.stderr
    assert not db.exists() or db.stat().st_size == 0


def test_the_demo_story_happens_in_order(built, cal):
    """Nothing is issued after it was revoked, adjustments come before the meeting that
    confirmed them, the notice before the final, appeals inside the notice window,
    reviews after recording, and nothing after the build (issue 10, item 12)."""
    from sanxin.ledger.models import VetoEvent
    from sanxin.notifications.choices import Kind

    now = timezone.now()
    village = Region.objects.get(name="大贵口村")
    cycle = Cycle.objects.get(village=village, period=cal.cycle_period)
    local = timezone.localtime
    assert (
        cycle.created_at
        <= cycle.computed_at
        <= cycle.review_at
        < cycle.notice_at
        < cycle.finalised_at
        < now
    )
    meeting = ReviewMeeting.objects.get(cycle=cycle)
    assert local(meeting.recorded_at).date() == meeting.held_on
    assert meeting.recorded_at < cycle.notice_at
    adjustments = list(Adjustment.objects.filter(cycle=cycle).select_related("decision"))
    assert adjustments
    for a in adjustments:
        assert cycle.review_at < a.proposed_at < a.decision.decided_at, a.reason
        assert local(a.decision.decided_at).date() < meeting.held_on, (
            "an adjustment is dated before the meeting that confirmed it"
        )

    appeals = list(Appeal.objects.filter(cycle=cycle).select_related("decision"))
    assert appeals
    for appeal in appeals:
        assert cycle.notice_starts_on <= local(appeal.filed_at).date() <= cycle.notice_ends_on
        assert appeal.filed_at < appeal.decision.decided_at < cycle.finalised_at

    # (The previous cycle's notice and final came a year earlier.)
    notices = Notification.objects.filter(kind=Kind.NOTICE_OPEN, created_at__gt=cycle.created_at)
    finals = Notification.objects.filter(kind=Kind.GRADE_FINAL, created_at__gt=cycle.created_at)
    assert notices.exists() and finals.exists()
    assert max(n.created_at for n in notices) < min(n.created_at for n in finals)
    for n in Notification.objects.filter(kind=Kind.APPEAL_ANSWERED):
        assert cycle.notice_at < n.created_at < cycle.finalised_at

    # Certificates are issued while their grade record is the one in force: before a
    # later record (the veto's dynamic downgrade) took its place.
    certificates_ = list(Certificate.objects.select_related("grade_record"))
    assert certificates_
    for cert in certificates_:
        assert cert.issued_at >= cycle.finalised_at
        assert local(cert.issued_at).date() >= cert.grade_record.effective_from
        later = GradeRecord.objects.filter(household=cert.household_id, id__gt=cert.grade_record_id)
        for record in later:
            assert cert.issued_at < record.recorded_at, (
                f"certificate {cert.serial} issued after its grade record was replaced"
            )
            assert local(cert.issued_at).date() < record.effective_from
    dynamic = GradeRecord.objects.filter(source=GradeSource.DYNAMIC)
    assert dynamic.exists()
    for record in dynamic:
        assert local(record.recorded_at).date() == record.effective_from
        assert record.recorded_at < now
    for event in VetoEvent.objects.all():
        assert local(event.recorded_at).date() >= event.starts_on
        assert event.recorded_at < now

    # Entries: reviewed after they were recorded, recorded on or after they happened.
    late = [
        r.entry_id
        for r in Review.objects.select_related("entry")
        if r.reviewed_at < r.entry.recorded_at
    ]
    assert not late, f"reviews before their entry was recorded: {late[:5]}"
    early = [e.pk for e in Entry.objects.all() if local(e.recorded_at).date() < e.occurred_on]
    assert not early, f"entries recorded before they happened: {early[:5]}"
    for kind in (Kind.ENTRY_APPROVED, Kind.ENTRY_REJECTED, Kind.ENTRY_RECORDED):
        assert all(n.created_at < now for n in Notification.objects.filter(kind=kind))
    assert not AuditEvent.objects.filter(at__gt=now).exists()


# --- the loan book has a history whatever the build day (issue 12) -----------------------
#
# The loans run on the previous cycle's lines over the year up to the demo's cut-off, so
# they are between one and two years old on any build day. Built today (the `built`
# fixture), at full size (the pilot test above), as if in June (tests/lending) and here
# on the days around the year's turning points: the winter, the cut-off itself, and the
# day the demo's year moves on (20 October + CYCLE_DAYS).


def _loan_history(today: date, *, min_loans: int = 1):
    """Repayments that fell due and were paid, one loan 90+ days overdue with nothing
    paid, every other loan up to date, and the validation report with its AUC."""
    from sanxin.accounts.scope import scope_for
    from sanxin.lending.models import Loan, Repayment
    from sanxin.lending.report_selectors import validation_loans_for
    from sanxin.lending.validation import validation_report

    village = Region.objects.get(name="大贵口村")
    loans = Loan.objects.filter(credit_line__village=village).prefetch_related("instalments")
    assert loans.count() >= 5
    first = loans.order_by("disbursed_on", "pk").first()
    assert first.days_past_due >= 90 and not first.repayments.exists()
    others = loans.exclude(pk=first.pk)
    assert all(loan.days_past_due == 0 for loan in others)
    with_dues = 0
    for loan in others:  # (the latest ones may have nothing due yet)
        due = [i for i in loan.instalments.all() if i.due_on < today]
        with_dues += bool(due)
        paid = sum((r.amount for r in loan.repayments.all()), 0)
        assert paid == sum(i.principal + i.interest for i in due), loan
    assert with_dues * 4 >= others.count() * 3, "a year of loans: most have paid instalments"
    assert all(r.paid_on < today for r in Repayment.objects.all())
    assert Repayment.objects.filter(loan__in=others).count() > others.count()
    officer = User.objects.get(username="xinyongshe")
    report = validation_report(
        validation_loans_for(scope_for(officer), None, today), min_loans=min_loans
    )
    assert report.overall.discrimination.auc is not None, report.overall.discrimination.reason
    assert report.overall.discrimination.bad == 1
    return report


def test_built_today_the_loans_have_a_history(built):
    _loan_history(timezone.localdate())


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2027, 2, 15, 2, 0, tzinfo=UTC),  # the winter: 4 months after the cut-off
        datetime(2027, 10, 20, 2, 0, tzinfo=UTC),  # the next cut-off's day
        datetime(2027, 11, 9, 17, 0, tzinfo=UTC),  # 10 November in Shanghai: the year moves on
    ],
    ids=["15-february", "20-october", "10-november"],
)
def test_built_any_day_the_loans_have_a_history(db, monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)
    today = timezone.localdate()
    result = demo.build(households=SMALL)
    cal = result.calendar
    assert cal.as_of + timedelta(days=CYCLE_DAYS) <= today
    _loan_history(today)
    # The demo's own year stays where the calendar puts it; the loans are those of the
    # twelve months to yesterday: on the previous cycle's lines up to the demo's
    # cut-off, on the demo cycle's after they were granted.
    from sanxin.accounts.scope import scope_for
    from sanxin.lending.models import CreditLine, Loan
    from sanxin.lending.report_selectors import Period, worth_report_for
    from sanxin.web.demo.lending import GRANT_DAY

    village = Region.objects.get(name="大贵口村")
    periods = {cal.cycle_period, cal.previous.cycle_period}
    lines = CreditLine.objects.filter(village=village)
    assert set(lines.values_list("cycle__period", flat=True)) == periods
    loans = Loan.objects.filter(credit_line__village=village).select_related("credit_line__cycle")
    window = Period.year_to(today)
    granted = cal.as_of + timedelta(days=GRANT_DAY)
    for loan in loans:
        assert window.start <= loan.disbursed_on < today
        on_previous = loan.credit_line.cycle.period == cal.previous.cycle_period
        assert loan.disbursed_on <= cal.as_of if on_previous else loan.disbursed_on > granted
    officer = User.objects.get(username="xinyongshe")
    total = worth_report_for(scope_for(officer), None, window).total
    assert total.loans == loans.count() and total.interest_saved > 0
