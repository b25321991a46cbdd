"""The year of points and the 双基 assessments of the district's other villages.

Planned in memory like the pilot's year (`ledger_year`): each household is given a
target grade from its village's shape (better villages have more 3A and above), its
conduct over the year is drawn to fit, and the credit union's answers are chosen by
the pilot's own planner (`credit.CreditAnswers`) so that the engine gives the target
grade as of the cut-off. How diligent the village's committee is decides how fast
entries are reviewed, how many are rejected and how many are still waiting (and for
how long). Entries and reviews are written set-based with their dates in the story
(the services stamp the moment of the call, which would put a whole year of
entries in the build's month), with one summary audit row per village; the
assessments go through `assessment_record`, one per household, as the town's credit
officer.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sanxin.audit.services import audit
from sanxin.credit.services import assessment_record
from sanxin.households.models import Household, Person
from sanxin.ledger.models import Entry, Review
from sanxin.ledger.tiers import household_tier_of, person_tier
from sanxin.rules import engine
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import Scheme
from sanxin.web.demo.calendar import Calendar, at
from sanxin.web.demo.credit import CreditAnswers
from sanxin.web.demo.drafts import Draft, HouseholdLedger
from sanxin.web.demo.fixtures import PILOT_SHAPE, VETO
from sanxin.web.demo.people import age, spread

if TYPE_CHECKING:
    from sanxin.accounts.models import User
    from sanxin.regions.models import Region
    from sanxin.web.demo.district import VillageProfile

# Positive conduct per target grade: how many of the year's occasions a household
# takes part in (share), and the deductions it gets (how many, at most).
_TAKE_PART = {"5A": 0.75, "4A": 0.6, "3A": 0.45, "2A": 0.3, "A": 0.15, VETO: 0.2}
_DEDUCTIONS = {"5A": 0, "4A": 0, "3A": 1, "2A": 2, "A": 4, VETO: 1}
_DEDUCTION_ITEMS = (
    ("env.burning", "在地头焚烧秸秆，经网格员劝阻后熄灭"),
    ("env.dumping", "将生活垃圾倒在村口沟边"),
    ("affairs.meeting_late", "村民学习会迟到半小时以上"),
    ("env.untidy", "院内柴草杂物乱堆，“六齐”检查不达标"),
    ("neighbour.refuse_mediation", "与邻居发生纠纷，拒不接受村调解委员会调解"),
)
_VETO_ITEMS = (
    ("filial.abuse", "长期不赡养年迈的父母，经村调解委员会多次调解仍拒不履行赡养义务"),
    ("integrity.fraud", "隐瞒家庭收入骗取低保补贴，经镇民政办核查属实"),
)
_REJECT_REASONS = (
    "事实依据不清，未附签到表，请补充后重新记录",
    "经核实该户当天未参加此项活动，不予通过",
    "数量填写有误，请按实际次数重新记录",
)


def targets(count: int, quality: float, rng: random.Random) -> list[str]:
    """Target grades for a village of `count` households: the pilot's shape, leaning
    to the higher grades as `quality` (0–1) rises; a veto in the weaker villages."""
    lean = {"5A": 0.3 + 1.4 * quality, "4A": 0.5 + quality, "3A": 1.0, "2A": 1.5 - 0.9 * quality,
            "A": 1.8 - 1.6 * quality}  # fmt: skip
    weights = tuple(max(1, round(n * lean[g])) for g, n in PILOT_SHAPE)
    vetoes = 1 if quality < 0.5 and rng.random() < 0.8 else 0
    sizes = spread(count - vetoes, weights)
    pool = [VETO] * vetoes + [
        g for (g, _), n in zip(PILOT_SHAPE, sizes, strict=True) for _ in range(n)
    ]
    rng.shuffle(pool)
    return pool


@dataclass
class VillageLedger(CreditAnswers):
    """One village's planned year (the attributes `CreditAnswers` works on)."""

    cal: Calendar
    scheme: Scheme
    rng: random.Random
    ledgers: list[HouseholdLedger]
    answers: dict[int, dict[str, str]]
    assessed_on: dict[int, date]
    final_grades: dict[int, str]

    @property
    def drafts(self) -> list[Draft]:
        return [d for lg in self.ledgers for d in lg.drafts]


class Planner:
    """Plans a village's entries, reviews and credit answers (see the module's doc)."""

    def __init__(
        self,
        cal: Calendar,
        version: SchemeVersion,
        profile: VillageProfile,
        households: list[Household],
        committee: list[User],
    ):
        self.cal, self.version, self.profile = cal, version, profile
        self.scheme = version.scheme
        self.rng = random.Random(profile.seed)
        self.committee = committee
        self.homes = {u.pk: getattr(u.person, "household_id", None) for u in committee}
        members: dict[int, list[Person]] = {h.pk: [] for h in households}
        for p in Person.objects.filter(household__in=households, active=True).order_by("id"):
            members[p.household_id].append(p)
        grades = targets(len(households), profile.quality, self.rng)
        self.village = VillageLedger(
            cal=cal, scheme=self.scheme, rng=self.rng,
            ledgers=[HouseholdLedger(h, members[h.pk], g) for h, g in zip(households, grades, strict=True)],
            answers={}, assessed_on={}, final_grades={},
        )  # fmt: skip

    def plan(self) -> VillageLedger:
        for ledger in self.village.ledgers:
            self._conduct(ledger)
        self._record_and_review()
        self.village._credit()
        return self.village

    # Conduct ---------------------------------------------------------------------------
    def _draft(self, ledger: HouseholdLedger, code: str, on: date, evidence: str, *,
               person: Person | None = None, quantity: int = 1) -> Draft | None:  # fmt: skip
        item = self.scheme.item(code)
        person = person if item.applies_to == "person" else None
        tier = person_tier(person) if person is not None else household_tier_of(ledger.members)
        if tier not in item.tiers:
            return None
        draft = Draft(household=ledger.household, item=item, occurred_on=on, quantity=quantity,
                      person=person, evidence=evidence, tier=tier)  # fmt: skip
        earlier = [d for d in ledger.drafts if d.key == draft.key]
        prior = sum(
            1
            for d in earlier
            if engine.valid_until(item, d.occurred_on) >= on and d.occurred_on <= on
        )
        draft.points = engine.points_for_entry(self.scheme, code, tier, quantity, prior)
        if item.annual_cap is not None and draft.points > 0:
            used = sum((d.points for d in earlier if d.occurred_on.year == on.year), Decimal(0))
            if used + draft.points > item.annual_cap:
                return None  # the service would refuse it
        ledger.drafts.append(draft)
        return draft

    def _conduct(self, ledger: HouseholdLedger) -> None:
        rng, cal, target = self.rng, self.cal, ledger.target
        share = min(0.95, _TAKE_PART[target] * (0.6 + 0.8 * self.profile.quality))
        adults = ledger.adults
        doer = sorted(adults, key=lambda p: (not p.is_head, abs(age(p) - 45)))[0]
        for on, label in cal.cleanups:
            if rng.random() < share:
                self._draft(ledger, "public.labour", on, f"参加“{label}”义务出工", person=doer)
        for on, label in cal.volunteering:
            if rng.random() < share * 0.6:
                self._draft(ledger, "public.volunteer", on, f"参加“{label}”志愿服务4小时",
                            person=rng.choice(adults))  # fmt: skip
        for on in cal.inspections:
            if rng.random() < share:
                n = rng.choice((1, 2, 2, 3))
                self._draft(
                    ledger, "env.tidy", on, f"{on.month}月“六齐”检查，{n}项达标", quantity=n
                )
        for on, label, most in cal.meetings:
            if rng.random() < share:
                n = rng.randint(1, most)
                self._draft(ledger, "affairs.meeting_on_time", on,
                            f"{label}村民学习会按时参加{n}次（签到表）", person=doer, quantity=n)  # fmt: skip
        for on, topic in cal.trainings:
            if rng.random() < share * 0.5:
                self._draft(ledger, "affairs.training", on, f"参加“{topic}”培训", person=doer)
        for p in ledger.members:
            if not p.is_party_member:
                continue
            for on in cal.party_meetings:
                if rng.random() < 0.55 + 0.4 * self.profile.quality:
                    self._draft(
                        ledger, "party.meeting", on, "参加党支部“三会一课”（签到表）", person=p
                    )
        deductions = rng.randint(0, _DEDUCTIONS[target])
        if target in ("2A", "A"):
            deductions = max(deductions, 1)
        for _ in range(deductions):
            code, text = rng.choice(_DEDUCTION_ITEMS)
            on = cal.ledger_from + timedelta(days=rng.randrange((cal.as_of - cal.ledger_from).days))
            self._draft(ledger, code, on, text, person=rng.choice(adults))
        if target == VETO:
            code, text = rng.choice(_VETO_ITEMS)
            self._draft(ledger, code, cal.d(2025, 6, 1) + timedelta(days=rng.randrange(90)), text,
                        person=ledger.members[0])  # fmt: skip
        ledger.drafts.sort(key=lambda d: d.occurred_on)

    # Who recorded and reviewed what, and when -----------------------------------------
    def _someone(self, household_id: int, *, not_user: User | None = None) -> User | None:
        """A committee member who is not of the household (nor `not_user`)."""
        options = [u for u in self.committee if self.homes[u.pk] != household_id and u != not_user]
        return self.rng.choice(options) if options else None

    def _record_and_review(self) -> None:
        rng, profile, end = self.rng, self.profile, self.cal.ledger_end()
        drafts = sorted(self.village.drafts, key=lambda d: (d.occurred_on, d.household.number))
        for d in drafts:
            recorder = self._someone(d.household.pk)
            assert recorder is not None  # three members never share one household
            d.recorder = recorder.username
            recorded = at(
                d.occurred_on + timedelta(days=rng.randrange(0, 3)), rng.randrange(0, 480)
            )
            d.recorded_at = min(recorded, end - timedelta(minutes=rng.randrange(1, 600)))
            d.recorded_at = max(d.recorded_at, at(d.occurred_on, 0))
            # Veto items are reviewed at once (their household's grade depends on them).
            reviewer = self._someone(d.household.pk, not_user=recorder)
            recent = d.recorded_at >= end - timedelta(days=profile.backlog_days)
            waits = recent and not d.item.veto and rng.random() < profile.pending_share
            if waits or reviewer is None:
                d.decision = "pending"
                continue
            d.reviewer = reviewer.username
            delay = timedelta(days=rng.randint(1, profile.review_days), minutes=rng.randrange(600))
            d.reviewed_at = max(
                min(d.recorded_at + delay, end), d.recorded_at + timedelta(minutes=5)
            )
            if not d.item.veto and rng.random() < profile.reject_share:
                d.decision = "reject"
                d.reject_reason = rng.choice(_REJECT_REASONS)


@dataclass
class LedgerCounts:
    entries: int = 0
    reviews: int = 0
    pending: int = 0
    rejected: int = 0
    assessments: int = 0


def write_village(
    planned: VillageLedger,
    version: SchemeVersion,
    village: Region,
    users: dict[str, User],
    officer: User,
    assessed_share: float,
) -> tuple[LedgerCounts, Counter[str]]:
    """The village's entries and reviews (set-based), and the 双基 assessments of the
    share of its households the credit union has visited (through the service)."""
    counts = LedgerCounts()
    drafts = sorted(planned.drafts, key=lambda d: (d.recorded_at, d.household.number))
    entries = Entry.objects.bulk_create(
        [
            Entry(
                household=d.household, district_id=d.household.district_id, person=d.person,
                scheme_version=version, item_code=d.item.code,
                item_name=d.item.name, component=d.item.component, quantity=d.quantity, occurred_on=d.occurred_on,
                points=d.points, tier=d.tier, evidence_text=d.evidence, source="manual",
                recorded_by=users[d.recorder], recorded_at=d.recorded_at,
            )
            for d in drafts
        ]
    )  # fmt: skip
    reviews = [
        Review(
            entry=e,
            district_id=e.district_id,
            approved=d.decision == "approve",
            reason=d.reject_reason,
            reviewer=users[d.reviewer],
            reviewed_at=d.reviewed_at,
        )  # fmt: skip
        for d, e in zip(drafts, entries, strict=True)
        if d.decision != "pending"
    ]
    Review.objects.bulk_create(reviews)
    counts.entries, counts.reviews = len(entries), len(reviews)
    counts.pending = sum(1 for d in drafts if d.decision == "pending")
    counts.rejected = sum(1 for d in drafts if d.decision == "reject")
    audit(
        actor=None, action="demo.ledger", obj=village, region_path=village.path,
        after={"entries": counts.entries, "reviews": counts.reviews, "pending": counts.pending,
               "period": f"{planned.cal.ledger_from}–{planned.cal.as_of}"},
    )  # fmt: skip
    # The credit union has visited most households; the weaker villages lag behind
    # (their unvisited households stay unrated).
    ledgers = list(planned.ledgers)
    visited = ledgers[: round(len(ledgers) * assessed_share)] if assessed_share < 1 else ledgers
    for lg in visited:
        household = lg.household
        assessment_record(
            actor=officer, household=household, period=planned.cal.credit_period,
            assessed_on=planned.assessed_on[household.pk],
            answers=planned.answers[household.pk],
        )  # fmt: skip
        counts.assessments += 1
    expected = Counter(planned.final_grades[lg.household.pk] for lg in visited)
    return counts, expected
