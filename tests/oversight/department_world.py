"""The records the department-view tests lay down (party members, vanguard and
conduct entries, grades, vetoes, appeals), written straight into the tables so each
test knows exactly what the pages must count."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from sanxin.households.choices import CadrePost, PoliticalStatus
from sanxin.households.models import Household, Person
from sanxin.ledger.models import Entry, Review, VetoEvent
from sanxin.ratings.models import Appeal, AppealDecision, Cycle, GradeRecord
from tests.factories import make_household


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=timezone.get_default_timezone())


@dataclass
class Laid:
    """What the builder laid down, for the independent counts."""

    party: list[Person] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    vetoes: list[VetoEvent] = field(default_factory=list)
    appeals: list[Appeal] = field(default_factory=list)
    grades: dict[int, str] = field(default_factory=dict)  # household id -> grade shown today


def _party(household: Household, *, cadre: bool = False, probationary: bool = False) -> Person:
    person = Person.objects.filter(household=household).order_by("id").first()
    assert person is not None
    person.political_status = (
        PoliticalStatus.PROBATIONARY if probationary else PoliticalStatus.PARTY_MEMBER
    )
    person.cadre_post = CadrePost.PARTY_SECRETARY if cadre else ""
    person.save(update_fields=["political_status", "cadre_post"])
    return person


def _entry(
    w, scheme, household, *, code, component, points, on, person=None, approved=True, rev=None
):
    entry = Entry.objects.create(
        household=household,
        district_id=household.district_id,
        person=person,
        scheme_version=scheme,
        item_code=code,
        item_name=code,
        component=component,
        occurred_on=on,
        points=Decimal(points),
        tier="masses",
        recorded_by=w.users["committee_member"],
        recorded_at=_at(on),
        reversal_of=rev,
        reason="冲正" if rev else "",
    )
    if approved is not None:
        Review.objects.create(
            entry=entry,
            district_id=entry.district_id,
            approved=approved,
            reason="" if approved else "不属实",
            reviewer=w.users["committee_deputy"],
            reviewed_at=_at(on),
        )
    return entry


def _grade(w, household, grade: str, *, until: date) -> None:
    cycle, _ = Cycle.objects.get_or_create(
        village=household.village, period="2025", defaults={"cut_off": date(2025, 12, 31)}
    )
    GradeRecord.objects.create(
        household=household,
        district_id=household.district_id,
        grade=grade,
        source="cycle",
        cycle=cycle,
        effective_from=date(2026, 1, 10),
        valid_until=until,
        recorded_by=w.users["committee_head"],
        recorded_at=_at(date(2026, 1, 10)),
    )


def lay_down(w, scheme, *, extra_households: int = 0) -> Laid:
    """Party members, vanguard and governance entries, vetoes and appeals in the home
    district (village A1, A2, B1) and one of each in the other district (never counted)."""
    laid = Laid()
    households = [w.household, w.household_a1_2, w.household_a2, w.household_b1]
    for i in range(extra_households):
        village, group = (w.village_a2, w.group_a2_1) if i % 2 else (w.village_b1, w.group_b1_1)
        households.append(
            make_household(village, group, f"{100 + i}", head=f"党员{i}号", head_seq=600 + i)
        )
    laid.party = [
        _party(w.household, cadre=True),
        _party(w.household_a2),
        _party(w.household_b1, probationary=True),
        *(_party(h) for h in households[4:]),
    ]
    _party(w.household_other_district)  # another district: never counted
    _grade(w, w.household, "4A", until=date(2026, 12, 31))
    _grade(w, w.household_a2, "3A", until=date(2026, 3, 31))  # run out: 未评定
    laid.grades = {w.household.pk: "4A", w.household_a2.pk: "unrated", w.household_b1.pk: "unrated"}
    for h in households[4:]:
        _grade(w, h, "5A", until=date(2026, 12, 31))
        laid.grades[h.pk] = "5A"

    def vanguard(person, points, on, **kw):
        laid.entries.append(
            _entry(
                w,
                scheme,
                person.household,
                code="party.meeting",
                component="vanguard",
                points=points,
                on=on,
                person=person,
                **kw,
            )
        )
        return laid.entries[-1]

    first = vanguard(laid.party[0], "3", date(2026, 3, 1))
    vanguard(laid.party[0], "2", date(2026, 4, 1))
    vanguard(laid.party[0], "-3", date(2026, 4, 2), rev=first)  # a reversal, approved
    vanguard(laid.party[1], "5", date(2026, 5, 1), approved=False)
    vanguard(laid.party[1], "3", date(2026, 5, 2), approved=None)  # pending
    vanguard(laid.party[2], "3", date(2025, 5, 2))  # last year
    for p in laid.party[3:]:
        vanguard(p, "2", date(2026, 2, 2))

    def conduct(household, code, points, on, **kw):
        laid.entries.append(
            _entry(w, scheme, household, code=code, component="base", points=points, on=on, **kw)
        )

    conduct(w.household, "env.dumping", "-5", date(2026, 2, 1))
    conduct(w.household, "env.dumping", "-5", date(2026, 2, 3), approved=False)
    conduct(w.household_a1_2, "public.volunteer", "1", date(2026, 3, 3))
    conduct(w.household_a2, "env.dumping", "-5", date(2026, 3, 4))
    conduct(w.household_a2, "honour.village", "5", date(2026, 3, 5))  # an honour: not counted
    conduct(w.household_b1, "law.fighting", "-10", date(2025, 8, 8))  # last year
    conduct(w.household_other_district, "env.dumping", "-5", date(2026, 2, 1))
    for h in households[4:]:
        conduct(h, "public.volunteer", "1", date(2026, 4, 4))

    def veto(household, *, starts, ends=None, revokes=None, recorded=None):
        event = VetoEvent.objects.create(
            household=household,
            scheme_version=scheme,
            rule_code="wd.b.drunk_driving",
            name="醉酒驾驶",
            kind="direct",
            cap_grade="A",
            starts_on=starts,
            ends_on=ends,
            evidence_text="判决书",
            revokes=revokes,
            recorded_by=w.users["committee_head"],
            recorded_at=_at(recorded or starts),
        )
        laid.vetoes.append(event)
        return event

    veto(w.household, starts=date(2026, 2, 1), ends=date(2026, 12, 31))  # running
    wrong = veto(w.household_a1_2, starts=date(2026, 3, 1))
    veto(w.household_a1_2, starts=date(2026, 3, 1), revokes=wrong, recorded=date(2026, 3, 9))
    veto(w.household_a2, starts=date(2025, 1, 1), ends=date(2025, 12, 31))  # ended
    veto(w.household_other_district, starts=date(2026, 2, 1))

    cycle_a1 = Cycle.objects.get(village=w.village_a1, period="2025")

    def appeal(household, cycle, filed: date, *, answered: timedelta | None, upheld=False):
        a = Appeal.objects.create(
            cycle=cycle,
            household=household,
            kind="grade",
            grade_at_filing="3A",
            reason="不服",
            filed_by=w.users["villager"],
            filed_at=_at(filed),
        )
        if answered is not None:
            AppealDecision.objects.create(
                appeal=a,
                upheld=upheld,
                reason="处理",
                to_grade="4A" if upheld else "",
                decided_by=w.users["committee_head"],
                decided_at=_at(filed) + answered,
            )
        laid.appeals.append(a)

    appeal(w.household, cycle_a1, date(2026, 1, 12), answered=timedelta(days=3), upheld=True)
    appeal(w.household_a1_2, cycle_a1, date(2026, 1, 13), answered=timedelta(days=6))
    appeal(w.household_a1_2, cycle_a1, date(2026, 1, 14), answered=None)
    appeal(w.household, cycle_a1, date(2025, 1, 14), answered=timedelta(days=1))  # last year
    return laid


def lay_down_more(w, scheme) -> None:
    for h in Household.objects.filter(village=w.village_a2, number__startswith="9"):
        person = _party(h)
        _entry(
            w,
            scheme,
            h,
            code="party.meeting",
            component="vanguard",
            points="3",
            on=date(2026, 5, 5),
            person=person,
        )
        _entry(w, scheme, h, code="env.dumping", component="base", points="-5", on=date(2026, 5, 5))
        _grade(w, h, "3A", until=date(2026, 12, 31))
