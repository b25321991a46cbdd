"""A year of points of 大贵口村 (December to 20 October of the demo's calendar)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sanxin.accounts.models import User
from sanxin.audit.services import audit
from sanxin.credit.models import CreditAssessment
from sanxin.households.models import Household, Person
from sanxin.ledger.models import Entry, Review
from sanxin.ledger.tiers import household_tier_of, person_tier
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules import engine
from sanxin.rules.models import SchemeVersion
from sanxin.rules.selectors import scheme_for_village
from sanxin.rules.services import scheme_install_default, scheme_version_mark_in_use
from sanxin.web.demo.accounts import DEMO_LOGINS
from sanxin.web.demo.calendar import Calendar
from sanxin.web.demo.calendar import at as _at
from sanxin.web.demo.credit import CreditAnswers, write_credit
from sanxin.web.demo.drafts import Draft, HouseholdLedger
from sanxin.web.demo.fixtures import (
    COMMITTEE_LOGINS,
    CREDIT_LOGIN,
    PARTY_RECORDERS,
    PENDING_ENTRIES,
    PILOT_HOUSEHOLDS,
    PILOT_REVERSALS,
    PILOT_SHAPE,
    PILOT_VETOES,
    REFERENCE_YEAR,
    REJECT_RATE,
    SEED,
    VETO,
)
from sanxin.web.demo.people import age, spread
from sanxin.web.demo.plan import DemoPlan, PlannedPerson
from sanxin.web.demo.regions import DISTRICT_NAME, PILOT_VILLAGE, village_path

if TYPE_CHECKING:
    from sanxin.web.demo.result import BuildResult


# --- a year of points ---------------------------------------------------------------
#
# Planned in memory, then written. The plan follows the rules the services apply
# (who may record and review, recusal, the scheme in force, caps, repeats and tier
# multipliers); the points of every entry are frozen with `engine.points_for_entry`
# and the same prior-occurrence count `ledger.services.entry_plan` would use at the
# moment the entry was recorded. Writing goes set-based for speed: Entry and Review
# rows with bulk_create and one summary audit row for the whole demo ledger, instead
# of `entry_record`/`entry_review` (and their audit row) per entry. The 双基
# assessments go through `assessment_record`, one per household.
#
# The grades: each household of 大贵口村 is given a target grade (in proportion to
# the pilot's year), its conduct over the year is drawn to fit (more volunteering and
# tidier courtyards for the higher grades, deductions for the lower ones), and the
# credit union's answers are then chosen, among plausible ones, so that the engine
# gives the target grade as of the cut-off (`Calendar.as_of`). One deduction of cunmin2's household is
# the one it disputes in the cycle's notice: its answers are chosen so that the
# household keeps its grade with or without it (the appeal is upheld, the
# distribution stays the pilot's).


# Base points (counted as of the cut-off) each target grade's conduct aims at; the
# credit union's answers take care of the rest.
_BASE_AIM = {
    "5A": (16, 26),
    "4A": (8, 16),
    "3A": (1, 10),
    "2A": (-6, 4),
    "A": (-20, -10),
    VETO: (-4, 4),
}
# How common each positive item is in a year's ledger (relative weights).
_POSITIVE_WEIGHTS = {
    "public.labour": 5, "env.tidy": 6, "affairs.meeting_on_time": 6, "public.volunteer": 3, "affairs.training": 2,
    "env.model_household": 1.5, "public.donation": 1.5, "neighbour.help": 2, "affairs.suggestion": 0.8,
    "public.army_support": 0.8, "public.blood": 0.3, "public.repair": 0.8, "honour.village": 1,
}  # fmt: skip
# Deductions: (item, weight, what happened).
_DEDUCTIONS = (
    ("env.burning", 4, "在地头焚烧玉米秸秆，经网格员劝阻后熄灭"),
    ("env.dumping", 4, "将生活垃圾和建筑垃圾倒在村口沟边"),
    ("neighbour.refuse_mediation", 2, "与邻居因宅基地边界发生纠纷，拒不接受村调解委员会调解"),
    ("law.fighting", 0.7, "酒后与邻居发生口角并动手，经派出所调解"),
    ("affairs.meeting_late", 3, "村民学习会迟到半小时以上"),
    ("env.untidy", 3, "院内柴草杂物乱堆，“六齐”检查不达标"),
    ("env.sewage", 1.5, "生活污水直排街道"),
    ("law.dog", 0.3, "犬只未拴养，追咬过路村民"),
)
_VETO_ITEMS = (
    ("filial.abuse", "长期不赡养年迈的母亲，经村调解委员会多次调解仍拒不履行赡养义务"),
    ("integrity.fraud", "隐瞒家庭收入和车辆骗取低保补贴，经镇民政办核查属实"),
)
# The deduction cunmin2's household disputes in the cycle's notice (upheld there).
DISPUTED_ITEM = "env.untidy"
DISPUTED_EVIDENCE = "9月“六齐”检查：院内柴草杂物乱堆，不达标"
_REJECT_REASONS = (
    "事实依据不清，未附签到表，请补充后重新记录",
    "发生日期与活动记录不符，请核实后重新记录",
    "经核实该户当天未参加此项活动，不予通过",
    "数量填写有误，请按实际次数重新记录",
)
_REVERSAL_REASONS = (
    "经村民反映并核实，该户当天外出务工，未参加，属误记",
    "同一次活动重复记录，冲销重复的一条",
    "签到表与实际出工人员不符，经评信团核实予以冲正",
)


def _targets(count: int) -> list[str]:
    """The target grades for `count` households, shaped like the pilot's year."""
    vetoes = max(2, round(PILOT_VETOES * count / PILOT_HOUSEHOLDS))
    sizes = spread(count - vetoes, tuple(n for _, n in PILOT_SHAPE))
    return [VETO] * vetoes + [
        g for (g, _), n in zip(PILOT_SHAPE, sizes, strict=True) for _ in range(n)
    ]


def build_ledger_year(
    plan: DemoPlan,
    cal: Calendar,
    regions: dict[tuple[str, ...], Region],
    result: BuildResult,
    before_writing: Callable[[], object] | None = None,
) -> None:
    """The scheme, the credit assessments and the year of entries of 大贵口村:
    whatever of it does not exist yet. When the year is written now, `before_writing`
    runs once it is planned (`result.targets` set) and before anything of it is
    written: the previous year (`previous_year`) is graded on its own 双基
    assessments, which a newer one would hide."""
    district = regions[(DISTRICT_NAME,)]
    village = regions[village_path(PILOT_VILLAGE)]
    existed = SchemeVersion.objects.filter(district=district, village__isnull=True).exists()
    scheme_install_default(district=district)
    result.schemes += not existed

    version = scheme_for_village(village, cal.as_of)
    if version is None or scheme_for_village(village, cal.ledger_from) != version:
        return  # another scheme in force over the year: the demo ledger is not built
    assessed = set(
        CreditAssessment.objects.filter(
            household__village=village, period=cal.credit_period
        ).values_list("household_id", flat=True)
    )
    has_entries = Entry.objects.filter(household__village=village).exists()
    households = list(
        Household.objects.filter(village=village)
        .select_related("village", "villager_group")
        .order_by("number")
    )
    if not households or (has_entries and len(assessed) == len(households)):
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).select_related(
            "person"
        )
    }
    if any(name not in users for name in (*COMMITTEE_LOGINS, CREDIT_LOGIN)):
        return
    ledger = LedgerPlanner(
        plan, cal, version, village, households, users, random.Random(SEED + 1)
    ).plan()
    if not has_entries:
        result.targets = {lg.household.pk: lg.target for lg in ledger.ledgers}
        if before_writing is not None:
            before_writing()
    write_credit(ledger, users[CREDIT_LOGIN], assessed, result)
    if not has_entries:
        write_entries(ledger, version, village, users, result)
        result.grades = Counter(ledger.final_grades.values())


class LedgerPlanner(CreditAnswers):
    """Plans the year of 大贵口村: targets, entries, reviews, reversals, frozen points,
    and the credit answers that land each household on its target grade."""

    def __init__(
        self,
        plan: DemoPlan,
        cal: Calendar,
        version: SchemeVersion,
        village: Region,
        households: list[Household],
        users: dict[str, User],
        rng: random.Random,
    ):
        self.demo_plan = plan
        self.cal = cal
        self.version = version
        self.scheme = version.scheme
        self.village = village
        self.households = households
        self.users = users
        self.rng = rng
        members: dict[int, list[Person]] = {h.pk: [] for h in households}
        for p in Person.objects.filter(household__village=village, active=True).order_by(
            "household__number", "id"
        ):
            members[p.household_id].append(p)
        self.ledgers = [HouseholdLedger(h, members[h.pk], "") for h in households]
        self.group_index = {
            g.pk: i
            for i, g in enumerate(
                Region.objects.filter(parent=village, level=Level.GROUP).order_by(
                    "sort_order", "path"
                )
            )
        }
        self.home = {
            name: u.person.household_id for name, u in users.items() if u.person is not None
        }
        self.answers: dict[int, dict[str, str]] = {}
        self.assessed_on: dict[int, date] = {}
        self.final_grades: dict[int, str] = {}
        self.drafts: list[Draft] = []

    # The whole plan ------------------------------------------------------------
    def plan(self) -> LedgerPlanner:
        self._assign_targets()
        for ledger in self.ledgers:
            self._positives(ledger)
            self._party(ledger)
            self._deductions(ledger)
            self._veto(ledger)
            self._disputed(ledger)
        self.drafts = [d for ledger in self.ledgers for d in ledger.drafts]
        self._record_times()
        self._decide()
        self._reverse()
        for ledger in self.ledgers:
            self._freeze(ledger)
        self._credit()
        return self

    # Targets -------------------------------------------------------------------
    def _assign_targets(self) -> None:
        rng = self.rng
        pool = _targets(len(self.ledgers))
        rng.shuffle(pool)
        by_number = {lg.household.number: lg for lg in self.ledgers}
        cadres = self.demo_plan.pilot.cadres
        special: list[tuple[str, tuple[str, ...]]] = []
        # The cadres' households set an example; the three demo villagers differ.
        for person in (cadres.secretary, cadres.director, *cadres.committee):
            special.append((self._number_of(person), ("5A", "4A", "3A")))
        for person in cadres.group_leaders:
            special.append((self._number_of(person), ("4A", "3A", "5A", "2A")))
        for h, wanted in zip(
            self.demo_plan.villager_households(),
            (("4A", "3A"), ("3A", "2A"), ("2A", "A")),
            strict=True,
        ):
            special.append((h.number, wanted))
        done: set[str] = set()
        for number, wanted in special:
            if number in done or number not in by_number:
                continue
            for grade in wanted:
                if grade in pool:
                    pool.remove(grade)
                    by_number[number].target = grade
                    done.add(number)
                    break
        # Vetoes go to ordinary households that fit the item; the rest at random.
        vetoes = pool.count(VETO)
        pool = [g for g in pool if g != VETO]
        others = [lg for lg in self.ledgers if lg.household.number not in done]
        fitting = [
            lg
            for lg in others
            if any(p.relation in ("父亲", "母亲") for p in lg.members) and len(lg.adults) >= 2
        ]
        chosen: list[HouseholdLedger] = []
        for i in range(vetoes):
            code = _VETO_ITEMS[i % len(_VETO_ITEMS)][0]
            candidates = [
                lg for lg in (fitting if code == "filial.abuse" else others) if lg not in chosen
            ] or [lg for lg in others if lg not in chosen]
            veto = rng.choice(candidates)
            veto.target, veto.veto_item = VETO, code
            chosen.append(veto)
        rest = [lg for lg in others if lg not in chosen]
        for lg, grade in zip(rest, pool, strict=True):
            lg.target = grade

    def _number_of(self, planned: PlannedPerson) -> str:
        for h in self.demo_plan.pilot.households:
            if any(p is planned for p in h.members):
                return h.number
        return ""

    # Entries ---------------------------------------------------------------------
    def _draft(
        self,
        ledger: HouseholdLedger,
        code: str,
        on: date,
        *,
        quantity: int = 1,
        person: Person | None = None,
        evidence: str = "",
    ) -> Draft:
        item = self.scheme.item(code)
        members = ledger.members
        tier = (
            person_tier(person)
            if (item.applies_to == "person" and person is not None)
            else household_tier_of(members)
        )
        return Draft(household=ledger.household, item=item, occurred_on=on, quantity=quantity,
                      person=person if item.applies_to == "person" else None, evidence=evidence, tier=tier)  # fmt: skip

    def _estimate(self, drafts: list[Draft], draft: Draft) -> Decimal | None:
        """The points `draft` would get after the drafts before it (repeats), or None
        when it would pass the item's annual cap."""
        item = draft.item
        prior = sum(
            1 for d in drafts
            if d.key == draft.key and d.occurred_on <= draft.occurred_on and engine.valid_until(item, d.occurred_on) >= draft.occurred_on
        )  # fmt: skip
        points = engine.points_for_entry(self.scheme, item.code, draft.tier, draft.quantity, prior)
        if item.annual_cap is not None and points > 0:
            used = sum(
                (
                    d.points
                    for d in drafts
                    if d.key == draft.key
                    and d.occurred_on.year == draft.occurred_on.year
                    and d.points > 0
                ),
                Decimal(0),
            )
            if used + points > item.annual_cap:
                return None
        return points

    def _counted_base(self, ledger: HouseholdLedger) -> Decimal:
        return sum(
            (
                d.points
                for d in ledger.drafts
                if d.item.component == "base"
                and engine.valid_until(d.item, d.occurred_on) >= self.cal.as_of
            ),
            Decimal(0),
        )

    def _add(self, ledger: HouseholdLedger, draft: Draft) -> bool:
        points = self._estimate(ledger.drafts, draft)
        if points is None:
            return False
        draft.points = points
        ledger.drafts.append(draft)
        return True

    def _positive_options(self, ledger: HouseholdLedger) -> list[Draft]:
        rng, adults = self.rng, ledger.adults
        doers = sorted(adults, key=lambda p: (not p.is_head, abs(age(p) - 45)))[:2]
        young = [p for p in adults if age(p) <= 55] or adults
        options: list[Draft] = []
        for on, label in self.cal.cleanups:
            for p in doers:
                options.append(
                    self._draft(
                        ledger, "public.labour", on, person=p, evidence=f"参加“{label}”义务出工"
                    )
                )
        for on, label in self.cal.volunteering:
            hours = rng.choice((4, 4, 8))
            options.append(
                self._draft(
                    ledger,
                    "public.volunteer",
                    on,
                    quantity=hours // 4,
                    person=rng.choice(doers),
                    evidence=f"参加“{label}”志愿服务{hours}小时，有志愿服务队签到表",
                )
            )
        for on in self.cal.inspections:
            n = rng.choice((1, 2, 2, 3))
            options.append(
                self._draft(
                    ledger,
                    "env.tidy",
                    on,
                    quantity=n,
                    evidence=f"{on.month}月“六齐”检查，{n}项达标",
                )
            )
        if ledger.target in ("5A", "4A"):
            for on, label in self.cal.model_household:
                options.append(
                    self._draft(
                        ledger,
                        "env.model_household",
                        on,
                        quantity=len(ledger.members),
                        evidence=f"评为{label}“美在我家”示范户（村务公开栏公示）",
                    )
                )
        for on, label, most in self.cal.meetings:
            n = rng.randint(1, most)
            options.append(
                self._draft(
                    ledger,
                    "affairs.meeting_on_time",
                    on,
                    quantity=n,
                    person=doers[0],
                    evidence=f"{label}村民学习会按时参加{n}次（签到表）",
                )
            )
        for on, topic in self.cal.trainings:
            options.append(
                self._draft(
                    ledger,
                    "affairs.training",
                    on,
                    person=rng.choice(doers),
                    evidence=f"参加新时代文明实践站“{topic}”培训",
                )
            )
        options.append(
            self._draft(
                ledger,
                "public.army_support",
                self.cal.d(2025, 8, 1),
                person=doers[0],
                evidence="参加“八一”走访慰问军烈属活动",
            )
        )
        amount = rng.choice((1, 2, 2, 3, 5))
        options.append(
            self._draft(
                ledger,
                "public.donation",
                self.cal.d(2025, 8, 5),
                quantity=amount,
                evidence=f"为防汛救灾捐款{amount * 100}元（有收据）",
            )
        )
        options.append(
            self._draft(
                ledger,
                "affairs.suggestion",
                self.cal.d(2025, 4, 12),
                person=doers[0],
                evidence="在人居环境整治征求意见会上提出的修建垃圾收集点建议被采纳",
            )
        )
        options.append(
            self._draft(
                ledger,
                "neighbour.help",
                self._day(self.cal.d(2025, 3, 1), self.cal.d(2025, 10, 15)),
                person=rng.choice(doers),
                evidence="帮助邻居抢收玉米",
            )
        )
        options.append(
            self._draft(
                ledger,
                "public.repair",
                self._day(self.cal.d(2025, 2, 1), self.cal.d(2025, 10, 15)),
                person=rng.choice(doers),
                evidence="自费修好村道旁损坏的路灯",
            )
        )
        options.append(
            self._draft(
                ledger,
                "public.blood",
                self.cal.d(2025, 6, 14),
                person=rng.choice(young),
                evidence="参加无偿献血，有献血证",
            )
        )
        if ledger.target == "5A":
            options.append(
                self._draft(
                    ledger,
                    "honour.village",
                    self.cal.d(2025, 9, 28),
                    person=doers[0],
                    evidence="获评村“最美家庭”",
                )
            )
        return options

    def _day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def _positives(self, ledger: HouseholdLedger) -> None:
        rng = self.rng
        low, high = _BASE_AIM[ledger.target]
        aim = (
            rng.uniform(low, high)
            if ledger.target in ("5A", "4A", "3A")
            else rng.uniform(0, 6 if ledger.target != "A" else 3)
        )
        options = self._positive_options(ledger)
        # Weighted order (Efraimidis–Spirakis): common items first, rare ones now and then.
        keyed = sorted(
            options,
            key=lambda d: rng.random() ** (1 / _POSITIVE_WEIGHTS[d.item.code]),
            reverse=True,
        )
        for draft in keyed:
            if draft.occurred_on.year < REFERENCE_YEAR:
                continue  # last December: history, drawn below
            total = self._counted_base(ledger)
            if total >= aim:
                break
            points = draft.item.points * draft.quantity
            if ledger.target not in ("5A",) and total + points > aim + 3:
                continue
            self._add(ledger, draft)
        # Last December: a little history that no longer counts by the cut-off.
        share = {"5A": 0.6, "4A": 0.45, "3A": 0.35, "2A": 0.2, "A": 0.1, VETO: 0.15}[ledger.target]
        for draft in options:
            if draft.occurred_on.year < REFERENCE_YEAR and rng.random() < share:
                self._add(ledger, draft)
        ledger.drafts.sort(key=lambda d: d.occurred_on)

    def _party(self, ledger: HouseholdLedger) -> None:
        rng = self.rng
        attend = {"5A": 0.97, "4A": 0.93, "3A": 0.88, "2A": 0.78, "A": 0.65, VETO: 0.7}[
            ledger.target
        ]
        for p in ledger.members:
            if not p.is_party_member:
                continue
            for on in self.cal.party_meetings:
                if rng.random() < attend:
                    self._add(
                        ledger,
                        self._draft(
                            ledger,
                            "party.meeting",
                            on,
                            person=p,
                            evidence="参加党支部“三会一课”（签到表）",
                        ),
                    )
                elif on.year == REFERENCE_YEAR and rng.random() < 0.6:
                    self._add(
                        ledger,
                        self._draft(
                            ledger,
                            "party.miss_meeting",
                            on,
                            person=p,
                            evidence="无故缺席党支部“三会一课”",
                        ),
                    )
            for on, label in self.cal.theme_days:
                if rng.random() < attend - 0.08:
                    self._add(
                        ledger,
                        self._draft(
                            ledger,
                            "party.theme_day",
                            on,
                            person=p,
                            evidence=f"参加主题党日：{label}",
                        ),
                    )
            for on in self.cal.party_studies:
                if rng.random() < attend - 0.15:
                    self._add(
                        ledger,
                        self._draft(
                            ledger, "party.study", on, person=p, evidence="参加党员冬春训集中学习"
                        ),
                    )
            if ledger.target == "5A" and rng.random() < 0.35:
                on = self._day(self.cal.d(2025, 3, 1), self.cal.d(2025, 10, 15))
                self._add(
                    ledger,
                    self._draft(
                        ledger,
                        "party.post_duty",
                        on,
                        person=p,
                        evidence="党员联系四邻，帮助邻户解决饮水管线冻裂问题",
                    ),
                )
        ledger.drafts.sort(key=lambda d: d.occurred_on)

    def _deductions(self, ledger: HouseholdLedger) -> None:
        rng = self.rng
        target = ledger.target
        if target in ("5A", "4A", "3A"):
            chance = {"5A": 0.0, "4A": 0.05, "3A": 0.15}[target]
            if rng.random() >= chance:
                return
            aim = self._counted_base(ledger) - 1
        elif target == VETO:
            if rng.random() >= 0.4:
                return
            aim = self._counted_base(ledger) - 5
        else:
            aim = Decimal(str(round(rng.uniform(*_BASE_AIM[target]), 2)))
        codes = [c for c, _, _ in _DEDUCTIONS]
        weights = [w for _, w, _ in _DEDUCTIONS]
        texts = {c: t for c, _, t in _DEDUCTIONS}
        for _ in range(8):
            if self._counted_base(ledger) <= aim:
                break
            code = rng.choices(codes, weights)[0]
            if code == "env.burning":
                first, last = rng.choice(
                    (
                        (self.cal.d(2024, 12, 1), self.cal.d(2024, 12, 20)),
                        (self.cal.d(2025, 4, 1), self.cal.d(2025, 4, 25)),
                        (self.cal.d(2025, 9, 28), self.cal.d(2025, 10, 18)),
                    )
                )
            else:
                first, last = self.cal.ledger_from, self.cal.as_of
            on = self._day(first, last)
            person = None
            if self.scheme.item(code).applies_to == "person":
                men = [p for p in ledger.adults if p.sex == "M" and 20 <= age(p) <= 65]
                person = rng.choice(men if code == "law.fighting" and men else ledger.adults)
            self._add(ledger, self._draft(ledger, code, on, person=person, evidence=texts[code]))
        ledger.drafts.sort(key=lambda d: d.occurred_on)

    def _veto(self, ledger: HouseholdLedger) -> None:
        if ledger.target != VETO:
            return
        code, text = ledger.veto_item, dict(_VETO_ITEMS)[ledger.veto_item]
        on = self._day(self.cal.d(2025, 3, 1), self.cal.d(2025, 9, 30))
        person = None
        if self.scheme.item(code).applies_to == "person":
            # The son or daughter who does not support the head's (or their own) parents.
            has_parents = any(p.relation in ("父亲", "母亲") for p in ledger.members)
            heads = [p for p in ledger.members if p.is_head]
            person = heads[0] if has_parents and heads else ledger.adults[0]
        self._add(ledger, self._draft(ledger, code, on, person=person, evidence=text))
        ledger.drafts.sort(key=lambda d: d.occurred_on)

    def _disputed(self, ledger: HouseholdLedger) -> None:
        """cunmin2's household gets the deduction it disputes in the cycle's notice
        (upheld there: see `_finish_cycle`)."""
        if ledger.household.number != self.demo_plan.villager_households()[1].number:
            return
        draft = self._draft(ledger, DISPUTED_ITEM, self.cal.disputed_on, evidence=DISPUTED_EVIDENCE)
        draft.disputed = True
        if self._add(ledger, draft):
            ledger.disputed = draft
            ledger.drafts.sort(key=lambda d: d.occurred_on)

    # Who recorded what, when -----------------------------------------------------
    def _recorder(self, draft: Draft) -> str:
        if draft.item.component == "vanguard":
            options = [u for u in PARTY_RECORDERS if self.home.get(u) != draft.household.pk]
            return self.rng.choice(options)
        subteam = f"fentuan{self.group_index[draft.household.villager_group_id] + 1}"
        if self.home.get(subteam) != draft.household.pk:
            return subteam
        # Nobody records for their own household: the committee records it instead.
        return self.rng.choice(
            [u for u in COMMITTEE_LOGINS if self.home.get(u) != draft.household.pk]
        )

    def _record_times(self) -> None:
        rng, end = self.rng, self.cal.ledger_end()
        scheduled = {"public.labour", "public.volunteer", "env.tidy", "env.model_household", "affairs.meeting_on_time",
                     "affairs.training", "public.army_support", "public.donation", "party.meeting", "party.miss_meeting",
                     "party.theme_day", "party.study"}  # fmt: skip
        batch_items = {"env.tidy", "env.model_household"}
        for d in self.drafts:
            d.recorder = self._recorder(d)
            if d.item.code in scheduled:
                # Recorded from the sign-in sheet the next working morning.
                at = _at(d.occurred_on + timedelta(days=1), rng.randrange(0, 180))
            else:
                at = _at(d.occurred_on + timedelta(days=rng.randrange(0, 4)), rng.randrange(0, 540))
            d.recorded_at = max(
                min(at, end - timedelta(minutes=rng.randrange(1, 60))), _at(d.occurred_on, 0)
            )
            if d.item.code in batch_items:
                d.source = "batch"
                d.batch_key = f"demo-{d.occurred_on:%Y%m%d}-{d.item.code}-{d.recorder}"[:40]

    def _reviewer(self, draft: Draft, *, recorder: str) -> str:
        options = [
            u for u in COMMITTEE_LOGINS if u != recorder and self.home.get(u) != draft.household.pk
        ]
        return self.rng.choice(options)

    def _decide(self) -> None:
        rng, end = self.rng, self.cal.ledger_end()
        pending = max(3, round(PENDING_ENTRIES * len(self.ledgers) / PILOT_HOUSEHOLDS))
        ordered = sorted(self.drafts, key=lambda d: (d.recorded_at, d.household.number))
        # The review queue: some of what was recorded in the last three weeks (party
        # items, recorded in bulk after each meeting, less often than the rest).
        recent = [
            d
            for d in ordered
            if not d.item.veto and not d.disputed and d.recorded_at >= end - timedelta(days=21)
        ]
        recent.sort(
            key=lambda d: rng.random() ** (1 / (0.25 if d.item.component == "vanguard" else 1)),
            reverse=True,
        )
        for d in recent[:pending]:
            d.decision = "pending"
        for d in ordered:
            if d.decision == "pending":
                continue
            d.reviewer = self._reviewer(d, recorder=d.recorder)
            at = d.recorded_at + timedelta(days=rng.randrange(1, 6), minutes=rng.randrange(0, 300))
            d.reviewed_at = max(min(at, end), d.recorded_at + timedelta(minutes=10))
            if not d.item.veto and not d.disputed and rng.random() < REJECT_RATE:
                d.decision = "reject"
                d.reject_reason = rng.choice(_REJECT_REASONS)

    def _reverse(self) -> None:
        rng = self.rng
        count = max(2, round(PILOT_REVERSALS * len(self.ledgers) / PILOT_HOUSEHOLDS))
        candidates = [
            d for d in self.drafts
            if d.decision == "approve" and d.item.code in ("public.labour", "public.volunteer", "env.tidy", "affairs.meeting_on_time")
            and self.cal.d(2025, 1, 1) <= d.occurred_on <= self.cal.d(2025, 9, 15)  # reversed by the cut-off
        ]  # fmt: skip
        by_ledger = {lg.household.pk: lg for lg in self.ledgers}
        for original in rng.sample(candidates, min(count, len(candidates))):
            ledger = by_ledger[original.household.pk]
            recorder = rng.choice(
                [
                    u
                    for u in COMMITTEE_LOGINS
                    if self.home.get(u) != original.household.pk and u != original.reviewer
                ]
            )
            at = original.reviewed_at + timedelta(
                days=rng.randrange(3, 20), minutes=rng.randrange(0, 240)
            )
            reason = rng.choice(_REVERSAL_REASONS)
            reversal = Draft(
                household=original.household, item=original.item, occurred_on=original.occurred_on, quantity=original.quantity,
                person=original.person, evidence=reason, recorder=recorder, recorded_at=at, source="reversal",
                tier=original.tier, reversal_of=original, reversal_reason=reason,
            )  # fmt: skip
            reversal.reviewer = self._reviewer(reversal, recorder=recorder)
            reversal.reviewed_at = at + timedelta(
                days=rng.randrange(1, 4), minutes=rng.randrange(0, 120)
            )
            original.reversed_by = reversal
            ledger.drafts.append(reversal)
            self.drafts.append(reversal)

    # Frozen points -------------------------------------------------------------------
    def _freeze(self, ledger: HouseholdLedger) -> None:
        """The points each entry gets when recorded, in recording order, with the
        live entries of its item at that moment (as `entry_plan` counts them)."""
        done: list[Draft] = []
        for d in sorted(ledger.drafts, key=lambda d: d.recorded_at):
            if d.reversal_of is not None:
                d.dropped = d.reversal_of.dropped
                d.points = -d.reversal_of.points
                continue
            t = d.recorded_at
            live = [
                x for x in done
                if x.key == d.key and not x.dropped
                and not (x.decision == "reject" and x.reviewed_at < t)
                and not (x.reversed_by is not None and x.reversed_by.reviewed_at < t)  # reversal approved
            ]  # fmt: skip
            prior = sum(
                1
                for x in live
                if x.occurred_on <= d.occurred_on
                and engine.valid_until(d.item, x.occurred_on) >= d.occurred_on
            )
            d.points = engine.points_for_entry(self.scheme, d.item.code, d.tier, d.quantity, prior)
            if d.item.annual_cap is not None and d.points > 0:
                year = sum(
                    (
                        x.points
                        for x in live
                        if x.occurred_on.year == d.occurred_on.year and x.points > 0
                    ),
                    Decimal(0),
                )
                if year + d.points > d.item.annual_cap:
                    d.dropped = True  # the service would refuse it
                    continue
            done.append(d)


def write_entries(
    ledger: LedgerPlanner,
    version: SchemeVersion,
    village: Region,
    users: dict[str, User],
    result: BuildResult,
) -> None:
    """The planned entries and reviews, set-based (see the section's comment)."""
    drafts = sorted(
        (d for d in ledger.drafts if not d.dropped),
        key=lambda d: (d.recorded_at, d.household.number),
    )
    rows: dict[int, Entry] = {}

    def row(d: Draft) -> Entry:
        return Entry(
            household=d.household, district_id=d.household.district_id, person=d.person, scheme_version=version,
            item_code=d.item.code, item_name=d.item.name,
            component=d.item.component, quantity=d.quantity, occurred_on=d.occurred_on, points=d.points, tier=d.tier,
            evidence_text=d.evidence, source=d.source, recorded_by=users[d.recorder], recorded_at=d.recorded_at,
            reversal_of=rows[id(d.reversal_of)] if d.reversal_of is not None else None, reason=d.reversal_reason,
            batch_key=d.batch_key,
        )  # fmt: skip

    originals = [d for d in drafts if d.reversal_of is None]
    reversals = [d for d in drafts if d.reversal_of is not None]
    for d, entry in zip(
        originals, Entry.objects.bulk_create([row(d) for d in originals]), strict=True
    ):
        rows[id(d)] = entry
    for d, entry in zip(
        reversals, Entry.objects.bulk_create([row(d) for d in reversals]), strict=True
    ):
        rows[id(d)] = entry
    reviews = [
        Review(
            entry=rows[id(d)], district_id=rows[id(d)].district_id, approved=d.decision == "approve", reason=d.reject_reason, reviewer=users[d.reviewer],
            reviewed_at=d.reviewed_at,
        )
        for d in drafts
        if d.decision != "pending"
    ]  # fmt: skip
    Review.objects.bulk_create(reviews)
    scheme_version_mark_in_use(version)
    result.entries += len(drafts)
    result.reviews += len(reviews)
    result.pending += sum(1 for d in drafts if d.decision == "pending")
    result.rejected += sum(1 for d in drafts if d.decision == "reject")
    result.reversals += len(reversals)
    result.vetoes += sum(1 for d in drafts if d.item.veto and d.reversal_of is None)
    audit(
        actor=None, action="demo.ledger", obj=village, region_path=village.path,
        after={
            "entries": result.entries, "reviews": result.reviews, "pending": result.pending,
            "reversals": result.reversals, "period": f"{ledger.cal.ledger_from}–{ledger.cal.as_of}",
        },
    )  # fmt: skip
