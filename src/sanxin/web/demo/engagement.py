"""The demo's 全民争信 (issue 13), told after the finished rating cycle of 大贵口村,
between the day its grades took effect and the build's `today`, through the
services of the engagement app:

* 村民代表: the committee members and the three villager logins on the list (they
  vote);
* a finished 美丽庭院 selection of 50 courtyards (the pilot's number; fewer in a
  small demo: every eligible household then) and a finished 道德模范 selection of
  five, each awarded with its pending entries approved by another member;
* an open 劳动模范 nomination window with three nominations;
* a dozen past activities with attendance (checked in on the organiser's list, the
  points approved in bulk) and one upcoming with sign-ups;
* about 40 suggestions with answers (some adopted, with their points);
* the wall-insulation project (外墙保温): about 350,000 yuan from households, labour
  days, and 7,000 斤 of fruit and vegetables given to help households in need.

Deterministic (`random.Random(SEED)`) and idempotent: nothing is built when the
village already has a selection. Every entry it records is approved by a committee
member other than its recorder and outside the entry's household, so the review
queue of the ledger year is left as it was.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.engagement.choices import (
    ActivityKind,
    ContributionKind,
    ProjectKind,
    SuggestionState,
    VoterBody,
)
from sanxin.engagement.models import HonourType, Selection
from sanxin.engagement.services import activities, contributions, honours, suggestions
from sanxin.households.choices import HouseholdStatus
from sanxin.households.models import Household, Person
from sanxin.ledger.models import Entry
from sanxin.ledger.services import entries_review_bulk
from sanxin.ratings.standing import with_grade_in_force
from sanxin.regions.models import Region
from sanxin.rules.choices import Grade
from sanxin.web.demo.calendar import CYCLE_DAYS, FINAL_DAY, Calendar, at
from sanxin.web.demo.fixtures import COMMITTEE_LOGINS, SEED
from sanxin.web.demo.regions import DISTRICT_NAME, PILOT_TOWN, PILOT_VILLAGE

if TYPE_CHECKING:
    from sanxin.web.demo.result import BuildResult

logger = logging.getLogger(__name__)

COURTYARDS = 50
MODELS = 5
INSULATION_TOTAL = Decimal("350000")
INSULATION_GIFTS = tuple(Decimal(n) for n in (2000, 2500, 3000, 3000, 4000, 5000, 6000))
PRODUCE_JIN = 7000
VOTER_LOGINS = (*COMMITTEE_LOGINS, "cunmin1", "cunmin2", "cunmin3")

# (kind, title, place, item) of the past activities, in order.
ACTIVITIES = (
    (ActivityKind.CLEANUP, "村道环境集中整治", "村委会门口集合", "public.labour"),
    (ActivityKind.MEETING, "村民学习会：村规民约修订", "村委会议室", "affairs.meeting_on_time"),
    (ActivityKind.TRAINING, "新时代文明实践：防范电信诈骗", "新时代文明实践站", "affairs.training"),
    (ActivityKind.VOLUNTEER, "重阳节敬老志愿服务", "村老年活动中心", "public.volunteer"),
    (ActivityKind.CLEANUP, "清理河道垃圾", "村北河道", "public.labour"),
    (
        ActivityKind.SUGGESTION_MEETING,
        "建言献策会：外墙保温改造",
        "村委会议室",
        "affairs.meeting_on_time",
    ),
    (ActivityKind.TRAINING, "果树冬季修剪培训", "二组果园", "affairs.training"),
    (ActivityKind.CLEANUP, "拆除废旧大棚清运", "村南大棚区", "public.labour"),
    (ActivityKind.VOLUNTEER, "冬季防火巡查志愿服务", "各村民小组", "public.volunteer"),
    (ActivityKind.MEETING, "村民学习会：冬季安全生产", "村委会议室", "affairs.meeting_on_time"),
    (ActivityKind.CLEANUP, "美丽庭院评比前环境整治", "村委会门口集合", "public.labour"),
    (ActivityKind.TRAINING, "数字乡村：手机办事培训", "新时代文明实践站", "affairs.training"),
)
UPCOMING = (
    ActivityKind.MEETING,
    "村民学习会：年终村务公开",
    "村委会议室",
    "affairs.meeting_on_time",
)

SUGGESTIONS = (
    (
        "在村口和主街装路灯，晚上出行更安全。",
        SuggestionState.ADOPTED,
        "已列入明年村级项目，春节前先装主街 20 盏。",
    ),
    (
        "外墙保温改造时统一外墙颜色，村容更整齐。",
        SuggestionState.ADOPTED,
        "采纳，施工方按统一色卡施工。",
    ),
    ("在村委会旁设一个快递代收点。", SuggestionState.ADOPTED, "已与镇邮政所对接，下月开放。"),
    ("建议给独居老人装一键呼叫器。", SuggestionState.ADOPTED, "采纳，首批 15 户由村里出资安装。"),
    ("河道两侧种柳树，防止水土流失。", SuggestionState.ADOPTED, "采纳，开春后组织义务植树。"),
    ("垃圾桶增加到每个胡同口一个。", SuggestionState.ADOPTED, "采纳，已购置 40 个分类垃圾桶。"),
    ("村里办一个冬季老年食堂。", SuggestionState.UNDER_STUDY, "正在测算费用，年底前答复。"),
    ("修一条通往果园的生产路。", SuggestionState.UNDER_STUDY, "已报镇里申请项目资金。"),
    ("建一个小型文化广场，晚上能跳广场舞。", SuggestionState.UNDER_STUDY, "选址正在征求意见。"),
    ("在学校门口设减速带。", SuggestionState.UNDER_STUDY, "已与交通部门联系。"),
    ("开通到镇上的早班公交。", SuggestionState.NOTED, "已向区交通局反映，等待回复。"),
    ("希望多组织几次农业技术培训。", SuggestionState.NOTED, "已记录，冬季安排三次培训。"),
    ("公示栏换成带玻璃罩的，防雨。", SuggestionState.NOTED, "已记录，随村务公开栏改造一并考虑。"),
    ("给村里的篮球场装照明。", SuggestionState.DECLINED, "今年经费不足，明年再议。"),
    ("把村委会搬到村中心。", SuggestionState.DECLINED, "现址为集体用地，暂不具备搬迁条件。"),
)
TOPICS = (
    "村里的排水沟需要清淤，下雨天积水严重。",
    "希望村卫生室延长周末开放时间。",
    "建议组织一次家庭医生入户体检。",
    "村头的桥栏杆松动了，需要加固。",
    "建议在广场边上装几张长椅。",
    "建议定期公布村集体收支明细。",
    "希望办一个留守儿童周末托管班。",
    "果园需要统一防治病虫害。",
    "建议把废旧大棚的地块统一规划种植。",
    "村里的自来水冬天容易冻，建议给管道做保温。",
)
NOTED_REPLIES = ("已记录，交由村委会研究。", "感谢建议，已转给相关小组。")


def _village(regions: dict) -> Region:
    return regions[(DISTRICT_NAME, PILOT_TOWN, PILOT_VILLAGE)]


class _Reviewers:
    """Approves entries as the normal review would: by a committee member who did
    not record them and whose own household they are not."""

    def __init__(self, users: dict[str, User]):
        self.members = [users[n] for n in COMMITTEE_LOGINS if n in users]
        self.homes = {u.pk: getattr(u.person, "household_id", None) for u in self.members}

    def approve(self, entries: list[Entry]) -> int:
        groups: dict[int, list[Entry]] = defaultdict(list)
        by_pk = {u.pk: u for u in self.members}
        for e in entries:
            reviewer = next(
                u
                for u in self.members
                if u.pk != e.recorded_by_id and self.homes[u.pk] != e.household_id
            )
            groups[reviewer.pk].append(e)
        for pk, group in groups.items():
            entries_review_bulk(actor=by_pk[pk], entries=group, approve=True)
        return len(entries)


def _recorder(members: list[User], homes: dict[int, int | None], household_id: int, i: int):
    """A committee member to record for the household (never for their own)."""
    choices = [u for u in members if homes[u.pk] != household_id]
    return choices[i % len(choices)]


def build_engagement(
    calendar: Calendar, regions: dict, result: BuildResult, *, today: date | None = None
) -> None:
    today = today or timezone.localdate()
    village = _village(regions)
    if Selection.objects.filter(region=village).exists():
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=VOTER_LOGINS).select_related("person")
    }
    head = users["tuanzhang"]
    rng = random.Random(SEED + 13)
    start = calendar.as_of + timedelta(days=FINAL_DAY + 2)  # grades of the final cycle in force
    last = max(today - timedelta(days=1), start + timedelta(days=4))
    assert start + timedelta(days=4) <= today, "the calendar leaves CYCLE_DAYS after the cut-off"
    assert FINAL_DAY + 6 <= CYCLE_DAYS
    reviewers = _Reviewers(users)
    entries: list[Entry] = []

    people = list(
        Person.objects.filter(household__village=village, active=True)
        .select_related("household__villager_group")
        .order_by("household__number", "pk")
    )
    clock = time.perf_counter()
    seconds = {}

    def lap(part: str) -> None:
        nonlocal clock
        seconds[part] = round(time.perf_counter() - clock, 1)
        clock = time.perf_counter()

    representatives = _representatives(head, users, start)
    honour_entries, honours_made = _selections(
        village, head, representatives, start, today, rng, result
    )
    entries += honour_entries
    lap("honours")
    entries += _activities(village, head, people, start, last, today, rng)
    lap("activities")
    entries += _suggestions(village, users, start, last, rng)
    lap("suggestions")
    entries += _contributions(village, users, start, last, rng)
    lap("contributions")
    approved = reviewers.approve([e for e in entries if e is not None])
    lap("reviews")
    logger.info(
        "demo engagement: %d honours, %d entries approved; seconds %s",
        honours_made,
        approved,
        seconds,
    )


def _representatives(head: User, users: dict[str, User], start: date) -> list[User]:
    voters = []
    for name in VOTER_LOGINS:
        user = users.get(name)
        if user is None or user.person is None:
            continue
        honours.representative_add(actor=head, person=user.person, since=start - timedelta(days=60))
        voters.append(user)
    return voters


def _eligible(village: Region, honour_type: HonourType, head: User, on: date, want: int):
    """Households of the village that meet the type's rules on `on` (not the
    committee head's own: he nominates and awards), best grades first."""
    own = getattr(head.person, "household_id", None)
    candidates = (
        with_grade_in_force(
            Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE)
        )
        .filter(grade_in_force__in=[Grade.A5, Grade.A4, Grade.A3])
        .exclude(pk=own)
        .select_related("village", "villager_group")
        .order_by("-grade_in_force", "number")
    )
    found = []
    for household in candidates:
        if not honours.eligibility_problems(honour_type, household, None, year=on.year, today=on):
            found.append(household)
            if len(found) == want:
                break
    return found


def _selections(village, head, voters, start, today, rng, result) -> tuple[list[Entry], int]:
    district = Region.objects.get(pk=Region.ids_in_path(village.path)[0])
    types = {t.name: t for t in honours.honour_types_install_default(district=district)}
    award_day = start + timedelta(days=4)
    courtyards = _eligible(village, types["美丽庭院"], head, start, COURTYARDS)
    reasons = ("院内整洁，花草成荫", "庭院绿化美化，垃圾分类到位", "房前屋后干净整齐，种植果蔬有序")
    made = 0
    entries: list[Entry] = []
    for name, nominees in (
        ("美丽庭院", [(h, None, rng.choice(reasons)) for h in courtyards]),
        (
            "道德模范",
            [
                (h, h.members.filter(active=True, is_head=True).first(), reason)
                for h, reason in zip(
                    courtyards[-MODELS:],
                    (
                        "孝老爱亲，照顾瘫痪婆婆十年",
                        "热心公益，义务修路三年",
                        "邻里和睦，常年帮扶孤寡老人",
                        "诚实守信，拾金不昧",
                        "带头拆除违建，支持村里工作",
                    ),
                    strict=False,
                )
            ],
        ),
    ):
        if not nominees:
            continue
        selection = honours.selection_finished(
            committee=head,
            honour_type=types[name],
            region=village,
            year=award_day.year,
            nominees=nominees,
            voters=voters,
            votes_for=list(range(len(nominees))),
            awarded_on=award_day,
        )
        awarded = list(selection.honours.select_related("entry"))
        entries += [h.entry for h in awarded if h.entry is not None]
        made += len(awarded)
    # The 劳动模范 nomination window is open now, with three nominations.
    labour = honours.selection_open(
        actor=head,
        honour_type=types["劳动模范"],
        region=village,
        year=today.year,
        nominate_from=today - timedelta(days=5),
        nominate_until=today + timedelta(days=10),
        vote_from=today + timedelta(days=12),
        vote_until=today + timedelta(days=14),
        quota=5,
        voters=VoterBody.REPRESENTATIVES,
        notice_days=7,
    )
    for household in courtyards[:3]:
        honours.nomination_submit(
            actor=head,
            selection=labour,
            household=household,
            person=household.members.filter(active=True, is_head=True).first(),
            reason="种植大户，带动乡亲发展果品产业",
            today=today,
        )
    return entries, made


def _spread(start: date, last: date, count: int) -> list[date]:
    span = max((last - start).days, 0)
    return [start + timedelta(days=span * i // max(count - 1, 1)) for i in range(count)]


def _activities(village, head, people, start, last, today, rng) -> list[Entry]:
    entries: list[Entry] = []
    days = _spread(start, last, len(ACTIVITIES))
    for i, ((kind, title, place, item), day) in enumerate(zip(ACTIVITIES, days, strict=True)):
        starts = at(day, 30 + (i % 2) * 300)  # 09:00 or 14:00
        activity = activities.activity_publish(
            actor=head,
            village=village,
            kind=kind,
            title=title,
            place=place,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            item_code=item,
            now=starts - timedelta(days=3),
        )
        attendees = rng.sample(people, min(len(people), rng.randint(10, 22)))
        activities.checkin_by_list(
            actor=head, activity=activity, people=attendees, now=starts + timedelta(minutes=10)
        )
        done = activities.attendance_record(actor=head, activity=activity, today=max(day, start))
        entries += done.entries
    kind, title, place, item = UPCOMING
    starts = datetime.combine(
        today + timedelta(days=3), datetime.min.time(), tzinfo=timezone.get_default_timezone()
    ) + timedelta(hours=9)
    upcoming = activities.activity_publish(
        actor=head,
        village=village,
        kind=kind,
        title=title,
        place=place,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=80,
        item_code=item,
    )
    for person in rng.sample(people, min(len(people), 12)):
        activities.signup_add(actor=head, activity=upcoming, person=person)
    return entries


def _villager_login(household: Household) -> User:
    """A login for the household's head, as a villager would have (the demo's other
    households have none): the suggestion is theirs, not the committee's."""
    from sanxin.accounts.choices import Role
    from sanxin.accounts.models import RoleAssignment

    # Named apart from the demo's own villager logins (cunmin1–3, listed in the README),
    # linked to the head like every villager's login, and with no usable password.
    head = household.members.filter(is_head=True, user__isnull=True).first()
    user, created = User.objects.get_or_create(
        username=f"hu-{household.number}",
        defaults={"display_name": household.head_name, "person": head},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        RoleAssignment.objects.create(user=user, role=Role.VILLAGER, household=household)
    return user


def _suggestions(village, users, start, last, rng) -> list[Entry]:
    """40 suggestions: the 15 written above with their answers, and 25 on everyday
    topics, mostly noted or still open."""
    # Authors log in on their phones: not the households whose appeal the committee
    # filed on their behalf (they have no login in the story of the cycle).
    households = list(
        Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE)
        .exclude(pk__in=[getattr(u.person, "household_id", 0) for u in users.values()])
        .exclude(appeals__on_behalf=True)
        .select_related("village", "villager_group")
        .order_by("number")
    )
    members = [users[n] for n in COMMITTEE_LOGINS if n in users]
    homes = {u.pk: getattr(u.person, "household_id", None) for u in members}
    texts = list(SUGGESTIONS) + [(TOPICS[i % len(TOPICS)], None, "") for i in range(25)]
    chosen = rng.sample(households, min(len(households), len(texts)))
    chosen += [chosen[i % len(chosen)] for i in range(len(texts) - len(chosen))]  # small demos
    days = _spread(start, last, len(chosen))
    entries: list[Entry] = []
    for i, ((text, state, reply), household, day) in enumerate(
        zip(texts, chosen, days, strict=False)
    ):
        author = _villager_login(household)
        if state is None:  # the everyday topics: a third answered "noted", the rest open
            text = f"{text}（{household.villager_group.name}）"
            state = SuggestionState.NOTED if i % 3 == 0 else None
            reply = NOTED_REPLIES[i % 2]
        suggestion = suggestions.suggestion_submit(
            actor=author,
            household=household,
            text=text,
            show_name=i % 2 == 0,
            now=at(day, 60 + i),
        )
        if state is None:
            continue
        answered = suggestions.suggestion_answer(
            actor=_recorder(members, homes, household.pk, i),
            suggestion=suggestion,
            state=state,
            reply=reply,
            now=at(day, 480 + i),
        )
        if answered.entry is not None:
            entries.append(answered.entry)
    return entries


def _insulation_gifts(count: int, rng: random.Random) -> list[Decimal]:
    """Gifts of the usual sizes adding up to INSULATION_TOTAL (with fewer households,
    the total is what they give)."""
    gifts: list[Decimal] = []
    left = INSULATION_TOTAL
    while left > 0 and len(gifts) < count:
        gift = min(rng.choice(INSULATION_GIFTS), left)
        gifts.append(gift)
        left -= gift
    return gifts


def _contributions(village, users, start, last, rng) -> list[Entry]:
    members = [users[n] for n in COMMITTEE_LOGINS if n in users]
    homes = {u.pk: getattr(u.person, "household_id", None) for u in members}
    head = users["tuanzhang"]
    project = contributions.project_create(
        actor=head,
        village=village,
        name="外墙保温改造",
        kind=ProjectKind.INSULATION,
        description="全村农房外墙加装保温层，村民自愿出资、投工，不足部分申请上级补助。",
        target_amount=INSULATION_TOTAL,
        now=at(start, 0),
    )
    households = list(
        Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE)
        .select_related("village", "villager_group")
        .order_by("number")
    )
    givers = rng.sample(households, min(len(households), 200))
    gifts = _insulation_gifts(len(givers), rng)
    days = _spread(start, last, len(gifts))
    entries: list[Entry] = []

    def record(i: int, household: Household, day: date, **values) -> None:
        c = contributions.contribution_record(
            actor=_recorder(members, homes, household.pk, i),
            household=household,
            contributed_on=day,
            now=at(day, 120 + i % 300),
            today=day,
            **values,
        )
        if c.entry is not None:
            entries.append(c.entry)

    for i, (household, gift, day) in enumerate(zip(givers, gifts, days, strict=False)):
        record(
            i,
            household,
            day,
            project=project,
            kind=ContributionKind.MONEY,
            amount=gift,
            evidence_text=f"收据 WB-{i + 1:04d}，经手人：村会计",
        )
    for i, household in enumerate(givers[:15]):
        record(
            1000 + i,
            household,
            days[min(i * 3, len(days) - 1)],
            project=project,
            kind=ContributionKind.LABOUR,
            labour_days=Decimal(1 + i % 3),
            evidence_text="施工队考勤表",
        )
    produce = (("苹果", 600), ("白菜", 500), ("土豆", 400), ("大葱", 300))
    given, i = 0, 0
    helpers = [h for h in households if h not in givers[:15]] or households
    while given < PRODUCE_JIN:
        name, jin = produce[i % len(produce)]
        jin = min(jin, PRODUCE_JIN - given)
        record(
            2000 + i,
            helpers[i % len(helpers)],
            days[i % len(days)],
            cause="帮扶困难户",
            kind=ContributionKind.GOODS,
            goods=name,
            goods_quantity=Decimal(jin),
            goods_unit="斤",
            evidence_text="村委会登记簿",
        )
        given += jin
        i += 1
    return entries
