"""The rest of 双滦区: the towns and villages that rolled the model out after the
pilot, so that the district's dashboards, drill-down, assessment and report have a
district to show.

Each town has a strength (how far it has taken the model up) and a number of
villages that joined; each of those villages draws, from the demo's seed, its own
quality around its town's strength, and from that everything else: how many
households it registered (about 25 to 55), how many of them the credit union has
assessed (the others stay unrated), how its households' grades are shaped, how
diligently its committee reviews (days to review, rejections, the backlog left and
how old), whether it runs a points supermarket, how much of its credit lines is used,
how many honours, activities and suggestions it has. One village of the weakest
street office is still on public notice (its cycle not yet final); every town has
villages with graded households. The same build gives the same data.

Everything is done through the services — households and people
(`households.services`), the district's set-based cycle computation
(`cycles_compute_district`), each village's review, meeting, notice and final, the
credit officers' assessments and grants, loans and repayments, shops, redemptions,
honours, activities and suggestions (`district_life`) — except the year of entries
and their reviews, which are written set-based with their dates in the story, as the
pilot's year is (`district_ledger`). Logins of the villages' committees, the towns'
credit officers and admins and the shops' clerks are created without a usable
password (they act in the story; the README's demo logins stay the pilot's).
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sanxin.accounts.choices import Role
from sanxin.accounts.models import RoleAssignment, User
from sanxin.households.models import Household, Person
from sanxin.lib import crypto
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.regions.services import region_get_or_create
from sanxin.rules.selectors import scheme_for_village
from sanxin.web.demo.calendar import (
    COMPUTED_DAY,
    FINAL_DAY,
    MEETING_DAY,
    NOTICE_DAY,
    REVIEW_DAY,
    Calendar,
)
from sanxin.web.demo.district_ledger import Planner, write_village
from sanxin.web.demo.fixtures import SEED
from sanxin.web.demo.people import _Inventor, _plan_village, build_households, plan_demo
from sanxin.web.demo.plan import PlannedPerson, VillagePlan
from sanxin.web.demo.regions import (
    DISTRICT_NAME,
    NEIGHBOUR_VILLAGE,
    PILOT_TOWN,
    PILOT_VILLAGE,
    UNITS,
    group_name,
)

if TYPE_CHECKING:
    from sanxin.web.demo.result import BuildResult, DistrictSummary

logger = logging.getLogger(__name__)

# Town → (strength 0–1, villages that joined, of which the last `stalled` are still
# on public notice). 双塔山镇's villages are besides the pilot and its neighbour.
TOWNS: dict[str, tuple[float, int, int]] = {
    "元宝山街道": (0.55, 2, 0),
    "钢城街道": (0.28, 2, 1),
    "秀水街道": (0.5, 1, 0),
    "双塔山镇": (0.8, 1, 0),
    "滦河镇": (0.7, 2, 0),
    "大庙镇": (0.42, 1, 0),
    "偏桥子镇": (0.6, 2, 0),
    "西地镇": (0.25, 1, 0),
    "陈栅子乡": (0.38, 2, 0),
}
FINAL, NOTICE = "final", "notice"
DISTRICT_ADMIN = "quadmin"
PILOT_TOWN_LOGINS = {"credit": "xinyongshe", "town": "zhenadmin"}


@dataclass(frozen=True)
class VillageProfile:
    """How far one village has taken the model up (all drawn from its `quality`)."""

    town: str
    name: str
    quality: float  # 0 (lagging) … 1 (like the pilot)
    households: int
    groups: int
    stage: str  # FINAL or NOTICE: where its cycle of the demo's year stands
    seed: int

    @property
    def review_days(self) -> int:
        """At most this many days from recording to review."""
        return 1 + round(16 * (1 - self.quality))

    @property
    def backlog_days(self) -> int:
        """Entries recorded in the last this many days before the cut-off may wait."""
        return 14 + round(70 * (1 - self.quality))

    @property
    def pending_share(self) -> float:
        return 0.02 + 0.3 * (1 - self.quality) ** 2

    @property
    def reject_share(self) -> float:
        return 0.01 + 0.05 * (1 - self.quality)

    @property
    def assessed_share(self) -> float:
        """The share of households the credit union has assessed (the rest unrated)."""
        return min(1.0, 0.7 + 0.45 * self.quality)

    @property
    def late(self) -> int:
        """Days the village's cycle runs behind the pilot's."""
        return 0 if self.quality >= 0.5 else 1

    @property
    def final_day(self) -> int:
        """Days after the cut-off its cycle became final."""
        return FINAL_DAY + self.late

    @property
    def has_shop(self) -> bool:
        return self.quality >= 0.5

    @property
    def loan_share(self) -> float:
        """The share of 3A-and-above households with a line that borrowed on it."""
        return 0.04 + 0.3 * self.quality**2

    @property
    def attendance(self) -> int:
        """People checked in at each of its activities."""
        return round(3 + 8 * self.quality)


def profiles() -> list[VillageProfile]:
    """The villages that joined, the same on every run."""
    rng = random.Random(SEED + 500)
    found = []
    for unit in UNITS:
        strength, joined, stalled = TOWNS[unit.name]
        names = [v for v in unit.villages if v not in (PILOT_VILLAGE, NEIGHBOUR_VILLAGE)]
        for i, name in enumerate(names[:joined]):
            quality = min(0.95, max(0.1, strength + rng.uniform(-0.1, 0.1)))
            households = max(20, round(20 + 22 * quality + rng.randint(-3, 3)))
            found.append(
                VillageProfile(
                    town=unit.name, name=name, quality=round(quality, 2), households=households,
                    groups=3 if households < 36 else 4,
                    stage=NOTICE if i >= joined - stalled else FINAL, seed=SEED + 600 + len(found),
                )
            )  # fmt: skip
    return found


@dataclass
class BuiltVillage:
    """A district village as built: its region, plan, profile and logins."""

    profile: VillageProfile
    region: Region
    plan: VillagePlan
    committee: list[User]  # head first, then two members
    officer: User  # the town's credit officer
    town_admin: User

    @property
    def head(self) -> User:
        return self.committee[0]


def build_district(
    cal: Calendar,
    regions: dict[tuple[str, ...], Region],
    result: BuildResult,
    *,
    today: date | None = None,
) -> DistrictSummary:
    """The district's other villages, unless any of them has households already."""
    from sanxin.web.demo import district_life

    summary = result.district
    chosen = profiles()
    region_of = {p.name: regions[(DISTRICT_NAME, p.town, p.name)] for p in chosen}
    admin = User.objects.filter(username=DISTRICT_ADMIN).first()
    if admin is None or Household.objects.filter(village__in=region_of.values()).exists():
        return summary
    version = scheme_for_village(region_of[chosen[0].name], cal.as_of)
    if version is None or scheme_for_village(region_of[chosen[0].name], cal.ledger_from) != version:
        return summary  # another scheme in force over the year (see ledger_year)
    clock = time.perf_counter()

    def lap(part: str) -> None:
        nonlocal clock
        summary.seconds[part] = round(time.perf_counter() - clock, 1)
        clock = time.perf_counter()

    plans = _plan_people(chosen, result)
    built = []
    for profile in chosen:
        village = region_of[profile.name]
        groups = _groups(village, profile.groups, result)
        before = (result.households, result.people)
        build_households(village, groups, plans[profile.name], result)
        summary.households += result.households - before[0]
        summary.people += result.people - before[1]
        built.append(_logins(profile, village, plans[profile.name], regions, summary))
    summary.towns = len({p.town for p in chosen})
    summary.villages = len(chosen)
    lap("people")

    for b in built:
        households = list(
            Household.objects.filter(village=b.region)
            .select_related("village", "villager_group")
            .order_by("number")
        )
        users = {u.username: u for u in b.committee}
        planned = Planner(cal, version, b.profile, households, b.committee).plan()
        counts, _expected = write_village(
            planned, version, b.region, users, b.officer, b.profile.assessed_share
        )
        summary.entries += counts.entries
        summary.reviews += counts.reviews
        summary.pending += counts.pending
        summary.rejected += counts.rejected
        summary.assessments += counts.assessments
    lap("ledger")

    _cycles(cal, regions[(DISTRICT_NAME,)], admin, built, summary)
    lap("cycles")
    finals = [b for b in built if b.profile.stage == FINAL]
    district_life.build_life(cal, finals, summary, today=today)
    lap("life")
    logger.info(
        "demo district: %d towns, %d villages, %d households, %d rated, %d entries (%d pending), "
        "%d shops, %d redemptions, %d lines, %d loans; seconds %s",
        summary.towns, summary.villages, summary.households, summary.rated, summary.entries,
        summary.pending, summary.shops, summary.redemptions, summary.lines, summary.loans,
        summary.seconds,
    )  # fmt: skip
    return summary


# --- people and logins ----------------------------------------------------------------


def _plan_people(chosen: list[VillageProfile], result: BuildResult) -> dict[str, VillagePlan]:
    """The villages' invented people, none sharing an identity number or a phone with
    the pilot's plan (whose inventor ran first)."""
    inventor = _Inventor(random.Random(SEED + 700))
    pilot = result.plan or plan_demo()
    for village in (pilot.pilot, pilot.neighbour):
        for h in village.households:
            inventor.used_phones.add(h.phone)
            inventor.used_ids.update(p.id_number for p in h.members)
    return {
        p.name: _plan_village(inventor, p.name, p.households, (10,) * p.groups, committee=1)
        for p in chosen
    }


def _groups(village: Region, count: int, result: BuildResult) -> list[Region]:
    groups = []
    for g in range(count):
        group, created = region_get_or_create(
            level=Level.GROUP, name=group_name(g), parent=village, sort_order=g + 1
        )
        result.regions += created
        groups.append(group)
    return groups


def _login(
    username: str, display_name: str, role: str, region: Region, summary: DistrictSummary
) -> User:
    """A login that acts in the story: no usable password (not one of the README's)."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": display_name}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        summary.users += 1
    RoleAssignment.objects.get_or_create(
        user=user, role=role, region=region, household=None, department="", ended_at=None
    )
    return user


def _link(user: User, planned: PlannedPerson) -> None:
    """The cadre's own Person (User.person): recusal from their own household."""
    if user.person_id is None:
        user.person = Person.objects.filter(
            id_number_hash=crypto.blind_index(planned.id_number)
        ).first()
        user.save(update_fields=["person"])


def _logins(
    profile: VillageProfile,
    village: Region,
    plan: VillagePlan,
    regions: dict[tuple[str, ...], Region],
    summary: DistrictSummary,
) -> BuiltVillage:
    town = regions[(DISTRICT_NAME, profile.town)]
    cadres = plan.cadres
    committee = [
        _login(f"{village.code}-tz", cadres.secretary.name, Role.COMMITTEE_HEAD, village, summary),
        _login(f"{village.code}-wy1", cadres.director.name, Role.COMMITTEE_MEMBER, village, summary),
        _login(f"{village.code}-wy2", cadres.committee[0].name, Role.COMMITTEE_MEMBER, village, summary),
    ]  # fmt: skip
    for user, person in zip(
        committee, (cadres.secretary, cadres.director, cadres.committee[0]), strict=True
    ):
        _link(user, person)
    if profile.town == PILOT_TOWN:
        officer = User.objects.get(username=PILOT_TOWN_LOGINS["credit"])
        town_admin = User.objects.get(username=PILOT_TOWN_LOGINS["town"])
    else:
        officer = _login(
            f"{town.code}-xys", f"{profile.town}信用社", Role.CREDIT_OFFICER, town, summary
        )
        town_admin = _login(f"{town.code}-zhen", f"{profile.town}管理员", Role.TOWN_ADMIN, town, summary)  # fmt: skip
    return BuiltVillage(profile, village, plan, committee, officer, town_admin)


# --- the cycles -------------------------------------------------------------------------

_MEETING = (
    "同意本年度评定结果，自 {day.year}年{day.month}月{day.day}日起在村务公开栏和平台上公示 7 天。"
)


def _cycles(
    cal: Calendar,
    district: Region,
    admin: User,
    built: list[BuiltVillage],
    summary: DistrictSummary,
) -> None:
    """The district computes the villages' cycles together (set-based), then each
    village's committee reviews, holds its meeting, puts the grades on notice and,
    but for the stalled ones, makes them final — the weaker villages a day or two
    later than the pilot."""
    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.models import Cycle
    from sanxin.ratings.selectors import effective_grades
    from sanxin.ratings.services.cycles import cycle_advance, cycles_compute_district
    from sanxin.ratings.services.review import review_close

    report = cycles_compute_district(
        district=district, period=cal.cycle_period, cut_off=cal.as_of, actor=admin,
        villages=[b.region for b in built], today=cal.as_of + timedelta(days=COMPUTED_DAY),
    )  # fmt: skip
    # Opening and computing stamp the build's moment; the story has them the day after the cut-off.
    Cycle.objects.filter(pk__in=[c.pk for c in report.cycles]).update(
        created_at=cal.cycle_day(COMPUTED_DAY, 8, 0), computed_at=cal.cycle_day(COMPUTED_DAY, 8, 20)
    )
    cycles = {c.village_id: c for c in Cycle.objects.filter(pk__in=[c.pk for c in report.cycles])}
    for b in built:
        cycle = cycles[b.region.pk]
        late = b.profile.late
        cycle = cycle_advance(
            actor=b.head, cycle=cycle, to_state=CycleState.REVIEW,
            today=cal.as_of + timedelta(days=REVIEW_DAY + late), at=cal.cycle_day(REVIEW_DAY + late, 9, 30),
        )  # fmt: skip
        notice_on = cal.as_of + timedelta(days=NOTICE_DAY + late)
        review_close(
            actor=b.head, cycle=cycle, held_on=cal.as_of + timedelta(days=MEETING_DAY + late),
            present_user_ids=[u.pk for u in b.committee], decision=_MEETING.format(day=notice_on),
            at=cal.cycle_day(MEETING_DAY + late, 16, 0),
        )  # fmt: skip
        cycle = cycle_advance(
            actor=b.head, cycle=cycle, to_state=CycleState.NOTICE, today=notice_on,
            at=cal.cycle_day(NOTICE_DAY + late, 8, 30),
        )  # fmt: skip
        summary.appeals += _appeals(cal, b, cycle, late)
        if b.profile.stage != FINAL:
            continue
        cycle_advance(
            actor=b.head, cycle=cycle, to_state=CycleState.FINAL,
            today=cal.as_of + timedelta(days=FINAL_DAY + late), at=cal.cycle_day(FINAL_DAY + late, 9, 0),
        )  # fmt: skip
        summary.final_villages += 1
    for b in built:
        if b.profile.stage == FINAL:
            summary.grades.update(effective_grades(cycles[b.region.pk]).values())
    summary.rated = sum(n for g, n in summary.grades.items() if g != "unrated")


_APPEAL = "户主年纪大、没有手机账号，托评信团成员代为提出：本户今年参加了村里的义务出工和学习会，认为应评为{want}。"
_DISMISSED = (
    "经核对积分台账和“双基”信用评定，该户各项积分记录完整，评定无误；已由评信团成员当面向户主说明。"
)
_UPHELD = "经评信团核实，该户汛期参加巡堤值守未在签到表上登记，补记后综合得分提高，等级上调一级。"


def _appeals(cal: Calendar, b: BuiltVillage, cycle, late: int) -> int:
    """One appeal on notice, or two in the weaker villages, filed by a member for an
    elderly head without an account: the better villages answer the next day (and
    uphold one), the weaker ones at the end of the window."""
    from sanxin.ratings.models import Rating
    from sanxin.ratings.services import appeals
    from sanxin.rules.scheme import GRADE_LABELS

    rng = random.Random(b.profile.seed + 2)
    homes = {getattr(u.person, "household_id", None) for u in b.committee}
    ratings = [
        r
        for r in Rating.objects.filter(cycle=cycle, run=cycle.current_run, grade__in=["2A", "3A"])
        .select_related("household__village", "household__villager_group")
        .order_by("household__number")
        if r.household_id not in homes and not r.vetoed
    ]
    chosen = rng.sample(ratings, min(1 if b.profile.quality >= 0.5 else 2, len(ratings)))
    filer = b.committee[1]
    for n, rating in enumerate(chosen):
        want = "3A" if rating.grade == "2A" else "4A"
        filed = NOTICE_DAY + late + 1 + n
        appeal = appeals.appeal_file(
            actor=filer, cycle=cycle, household=rating.household, kind="grade",
            reason=_APPEAL.format(want=GRADE_LABELS[want]), today=cal.as_of + timedelta(days=filed),
            at=cal.cycle_day(filed, 15, 10 * n),
        )  # fmt: skip
        answered = filed + 1 if b.profile.quality >= 0.5 else NOTICE_DAY + late + 6
        upheld = b.profile.quality >= 0.65 and n == 0
        decider = next(u for u in (b.committee[2], b.head) if not appeals.cannot_decide(u, appeal))
        appeals.appeal_decide(
            actor=decider, appeal=appeal, upheld=upheld, reason=_UPHELD if upheld else _DISMISSED,
            to_grade=want if upheld else "", at=cal.cycle_day(answered, 10, 30 + n),
        )  # fmt: skip
    return len(chosen)


def format_district(summary: DistrictSummary) -> str:
    """The district's line in the command's summary."""
    return (
        f"全区推广：{DISTRICT_NAME}另有 {summary.towns} 个镇（街道、乡）的 {summary.villages} 个村（社区）"
        f"登记农户 {summary.households} 户，已定级 {summary.rated} 户（{summary.final_villages} 个村定级，"
        f"{summary.villages - summary.final_villages} 个村公示中）；积分记录 {summary.entries} 条"
        f"（待审核 {summary.pending} 条）；异议 {summary.appeals} 项；积分超市 {summary.shops} 个、兑换 {summary.redemptions} 笔；"
        f"授信 {summary.lines} 户、贷款 {summary.loans} 笔 {summary.loans_total:,.0f} 元；"
        f"荣誉 {summary.honours} 项、活动 {summary.activities} 次、建议 {summary.suggestions} 条、"
        f"后备人选 {summary.candidates} 人。"
    )
