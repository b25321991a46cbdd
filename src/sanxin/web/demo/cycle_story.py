"""The rating cycles of 大贵口村: the demo year's, finished, and the next, open."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sanxin.accounts.models import User
from sanxin.households.models import Household
from sanxin.ledger.models import Entry
from sanxin.regions.models import Region
from sanxin.rules import engine
from sanxin.rules.scheme import GRADE_LABELS, grade_rank
from sanxin.rules.selectors import scheme_for_village
from sanxin.web.demo.accounts import DEMO_LOGINS
from sanxin.web.demo.calendar import (
    ADJUST_DAY,
    COMPUTED_DAY,
    FINAL_DAY,
    MEETING_DAY,
    NOTICE_DAY,
    REVIEW_DAY,
    VETO_DAY,
    Calendar,
)
from sanxin.web.demo.fixtures import COMMITTEE_LOGINS, CREDIT_LOGIN
from sanxin.web.demo.ledger_year import DISPUTED_ITEM
from sanxin.web.demo.regions import PILOT_VILLAGE, village_path
from sanxin.web.demo.result import DemoAppeal

if TYPE_CHECKING:
    from sanxin.web.demo.result import BuildResult


# --- the rating cycles --------------------------------------------------------------
#
# 大贵口村's cycle of the demo's year, finished through the real services with past
# dates (see calendar.py): computed as of the cut-off, two grade
# adjustments in the committee's review (one down, one up: the distribution stays
# the pilot's), the review meeting, seven days of public notice with three appeals
# (one upheld: the disputed deduction is reversed and the household recomputed
# without leaving its grade), final the day after the window, a few certificates,
# and a veto after the final that lowers one household at once (动态调整) and revokes
# its certificate. Then next year's cycle, opened and waiting (at the build's own
# moment). Every step of the finished cycle is stamped with its day in the story.


_ADJUST_DOWN = "群众反映该户长期占用村道堆放建材和柴草，影响通行，经村干部多次劝导仍未清理；评信团讨论认为评为2A偏高，下调一级。"
_ADJUST_UP = "汛期户主主动参加巡堤值守三天，因未在值守签到表上登记而没有积分；经评信团向值班干部核实属实，上调一级。"
_MEETING_DECISION = "同意本年度评定结果及两项等级调整（一户下调、一户上调），自 {day.year}年{day.month}月{day.day}日起在村务公开栏和平台上公示 7 天。"


def build_cycles(
    cal: Calendar, regions: dict[tuple[str, ...], Region], result: BuildResult
) -> None:
    """The finished cycle of the demo's year and the open one of the next, for 大贵口村."""
    from sanxin.ratings.models import Cycle
    from sanxin.ratings.services.cycles import cycle_open

    village = regions[village_path(PILOT_VILLAGE)]
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).select_related(
            "person"
        )
    }
    if any(name not in users for name in (*COMMITTEE_LOGINS, CREDIT_LOGIN)):
        return
    if not Entry.objects.filter(household__village=village).exists():
        return  # no year of points (another scheme in force): nothing to rate
    if not Cycle.objects.filter(village=village, period=cal.cycle_period).exists():
        _finish_cycle(cal, village, users, result)
    if not Cycle.objects.filter(village=village, period=cal.next_period).exists():
        cycle_open(
            actor=users["tuanzhang"],
            village=village,
            period=cal.next_period,
            cut_off=cal.next_cut_off,
        )
        result.cycles += 1


def open_for_review(cal: Calendar, village: Region, head: User):
    """Open the cycle of `cal`'s period, compute it and take it to committee review, on
    the demo's timeline (the day after the cut-off, then the review day)."""
    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.models import Cycle
    from sanxin.ratings.services.cycles import cycle_advance, cycle_compute, cycle_open

    cycle = cycle_open(
        actor=head,
        village=village,
        period=cal.cycle_period,
        cut_off=cal.as_of,
        today=cal.as_of + timedelta(days=COMPUTED_DAY),
    )
    cycle_compute(actor=head, cycle=cycle)
    # Opening and computing stamp the build's moment; the cycle's own timeline says
    # it was opened and computed the day after the cut-off.
    Cycle.objects.filter(pk=cycle.pk).update(
        created_at=cal.cycle_day(COMPUTED_DAY, 8, 30),
        computed_at=cal.cycle_day(COMPUTED_DAY, 8, 40),
    )
    return cycle_advance(
        actor=head,
        cycle=cycle,
        to_state=CycleState.REVIEW,
        today=cal.as_of + timedelta(days=REVIEW_DAY),
        at=cal.cycle_day(REVIEW_DAY, 9, 10),
    )


def _finish_cycle(
    cal: Calendar, village: Region, users: dict[str, User], result: BuildResult
) -> None:
    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.models import Rating
    from sanxin.ratings.selectors import effective_grades
    from sanxin.ratings.services import appeals, certificates, review
    from sanxin.ratings.services.cycles import cycle_advance
    from sanxin.ratings.services.vetoes import veto_record

    head, deputy = users["tuanzhang"], users["futuanzhang"]
    cycle = open_for_review(cal, village, head)
    result.cycles += 1

    ratings = {
        r.household_id: r
        for r in Rating.objects.filter(cycle=cycle, run=cycle.current_run).select_related(
            "household"
        )
    }
    # Households that stay out of the story's choices: the logins' own (recusal and
    # the villagers' own stories) — cunmin1..3 file their own appeals below.
    login_homes = {u.person.household_id for u in users.values() if u.person is not None}
    villagers = {
        u.person.household_id: u
        for name in ("cunmin1", "cunmin2", "cunmin3")
        if (u := users.get(name)) is not None
        and u.person is not None
        and u.person.household_id in ratings
    }
    plain = sorted(
        (r for h, r in ratings.items() if h not in login_homes and not r.vetoed),
        key=lambda r: (r.total if r.total is not None else Decimal(0), r.household.number),
    )

    # Review: one household down (2A → A), one up (A → 2A), proposed by a member and
    # confirmed by the head; the distribution stays the pilot's.
    proposer = users["chengyuan1"]
    down = next((r for r in plain if r.grade == "2A"), None)
    up = next((r for r in reversed(plain) if r.grade == "A"), None)
    if down is not None and up is not None:
        # Proposed and confirmed in the days of review, before the meeting.
        changes = ((down, "A", _ADJUST_DOWN), (up, "2A", _ADJUST_UP))
        for n, (rating, to_grade, reason) in enumerate(changes):
            adjustment = review.adjustment_propose(
                actor=proposer,
                cycle=cycle,
                household=rating.household,
                to_grade=to_grade,
                reason=reason,
                at=cal.cycle_day(ADJUST_DAY, 10 + n, 5),
            )
            review.adjustment_decide(
                actor=head,
                adjustment=adjustment,
                confirm=True,
                at=cal.cycle_day(ADJUST_DAY + 1, 9 + n, 30),
            )
            result.adjustments += 1
    present = [users[name].pk for name in ("tuanzhang", "futuanzhang", "chengyuan1", "chengyuan2")]
    notice_on = cal.as_of + timedelta(days=NOTICE_DAY)
    review.review_close(
        actor=head, cycle=cycle, held_on=cal.as_of + timedelta(days=MEETING_DAY), present_user_ids=present,
        decision=_MEETING_DECISION.format(day=notice_on), at=cal.cycle_day(MEETING_DAY, 17, 0),
    )  # fmt: skip
    cycle = cycle_advance(
        actor=head,
        cycle=cycle,
        to_state=CycleState.NOTICE,
        today=notice_on,
        at=cal.cycle_day(NOTICE_DAY, 8, 30),
    )

    # Appeals in the window. 1) A villager disputes the household's 六齐 deduction; a
    # member other than its recorder upholds it (the entry is reversed and the
    # household recomputed, keeping its grade).
    entry = _disputed_entry(cal, cycle, list(villagers), ratings)
    filer = None
    if entry is not None:
        filer = villagers[entry.household_id]
        appeal = appeals.appeal_file(
            actor=filer, cycle=cycle, household=entry.household, kind="entry", entry=entry,
            reason=f"{entry.occurred_on.month}月{entry.occurred_on.day}日“六齐”检查说我家院内柴草杂物乱堆，扣了 {(-entry.points).normalize():f} 分。那天院里堆的柴草是邻居家翻盖房子临时借放的，第二天就挪走了，不是我家乱堆。",
            evidence_text="邻居可以作证；挪走后的院子照片在手机里，可交分团长核对。",
            today=notice_on + timedelta(days=1), at=cal.cycle_day(NOTICE_DAY + 1, 19, 25),
        )  # fmt: skip
        decider = next(
            u for u in (deputy, users["chengyuan2"], head) if not appeals.cannot_decide(u, appeal)
        )
        decision = appeals.appeal_decide(
            actor=decider, appeal=appeal, upheld=True, at=cal.cycle_day(NOTICE_DAY + 4, 10, 15),
            reason="经分团长向邻户核实，院内柴草系邻户翻盖房屋临时借放，次日已清走，扣分予以冲正；重新计算后综合得分提高，等级不变。",
        )  # fmt: skip
        result.appeals.append(
            DemoAppeal(
                entry.household.number,
                "对某条积分记录",
                filer.username,
                False,
                True,
                decider.username,
                decision.to_grade,
            )
        )

    # 2) A member files for an elderly head without an account; dismissed with reasons.
    grades = effective_grades(cycle)
    adjusted = {r.household_id for r in (down, up) if r is not None}
    no_account = [
        r for r in plain if grades[r.household_id] == "2A" and r.household_id not in adjusted
    ]
    if no_account:
        rating = no_account[-1]  # the 2A household nearest to 3A
        member = users["chengyuan2"]
        appeal = appeals.appeal_file(
            actor=member, cycle=cycle, household=rating.household, kind="grade",
            reason="户主年纪大、没有手机账号，托评信团成员代为提出：本户今年参加了村里的义务出工和学习会，认为应评为3A。",
            today=notice_on + timedelta(days=2), at=cal.cycle_day(NOTICE_DAY + 2, 15, 40),
        )  # fmt: skip
        appeals.appeal_decide(
            actor=head, appeal=appeal, upheld=False, at=cal.cycle_day(NOTICE_DAY + 5, 9, 30),
            reason=f"经核对积分台账和“双基”信用评定，该户各项积分记录完整，综合得分 {rating.total} 分{_gap(rating)}，评定无误；已由评信团成员当面向户主说明。",
        )  # fmt: skip
        result.appeals.append(
            DemoAppeal(
                rating.household.number,
                "对评定等级",
                member.username,
                True,
                False,
                head.username,
                grades[rating.household_id],
            )
        )

    # 3) Another villager asks for a higher grade; dismissed with reasons.
    other = next(
        (u for u in sorted(villagers.values(), key=lambda u: u.username) if u != filer), None
    )
    if other is not None:
        household = ratings[other.person.household_id].household
        rating = ratings[household.pk]
        grade = grades[household.pk]
        wanted = GRADE_LABELS.get(rating.result.get("next_grade") or grade, grade)
        appeal = appeals.appeal_file(
            actor=other, cycle=cycle, household=household, kind="grade",
            reason=f"我家今年参加了村里的义务出工、学习会和志愿服务，觉得应当评为{wanted}，请评信团再核一下。",
            today=notice_on + timedelta(days=3), at=cal.cycle_day(NOTICE_DAY + 3, 20, 5),
        )  # fmt: skip
        decider = next(
            u for u in (users["chengyuan1"], deputy, head) if not appeals.cannot_decide(u, appeal)
        )
        appeals.appeal_decide(
            actor=decider, appeal=appeal, upheld=False, at=cal.cycle_day(NOTICE_DAY + 5, 14, 0),
            reason=f"经核对，该户本年度参加的活动均已记录积分，“双基”信用评定也已如实计入，综合得分 {rating.total} 分{_gap(rating)}，按本区评分方案评为{GRADE_LABELS[grade]}无误。可继续参加村内活动积累积分，下一年度评定时计入。",
        )  # fmt: skip
        result.appeals.append(
            DemoAppeal(
                household.number,
                "对评定等级",
                other.username,
                False,
                False,
                decider.username,
                grade,
            )
        )

    final_on = cal.as_of + timedelta(days=FINAL_DAY)
    cycle = cycle_advance(
        actor=head,
        cycle=cycle,
        to_state=CycleState.FINAL,
        today=final_on,
        at=cal.cycle_day(FINAL_DAY, 9, 0),
    )
    result.final_grades = Counter(effective_grades(cycle).values())

    # Certificates: a villager prints the household's own; the committee issues two
    # more. One of those households defaults on a loan after the final: the credit
    # union's veto lowers its grade at once and revokes the certificate.
    final = effective_grades(cycle)
    issued = []
    for villager in sorted(villagers.values(), key=lambda u: u.username)[:1]:
        issued.append((villager, ratings[villager.person.household_id].household))
    committee_homes = {
        users[name].person.household_id
        for name in COMMITTEE_LOGINS
        if users[name].person is not None
    }
    best = sorted(
        (
            r
            for h, r in ratings.items()
            if h not in committee_homes
            and h not in villagers
            and not r.vetoed
            and grade_rank(final[h]) >= grade_rank("3A")
        ),
        key=lambda r: (grade_rank(final[r.household_id]), r.total),
        reverse=True,
    )
    # The defaulter is not one of the households repaying a loan in the register (the
    # previous cycle's lines carry a year of loans, lending.py): its 50,000 yuan loan
    # is one the register does not hold.
    from sanxin.lending.models import Loan

    borrowers = set(
        Loan.objects.filter(household__village=village).values_list("household_id", flat=True)
    )
    if len(best) >= 2:
        best = [best[0], next((r for r in best[1:] if r.household_id not in borrowers), best[1])]
    for rating in best[:2]:
        issued.append((head, rating.household))
    for n, (actor, household) in enumerate(issued):
        certificates.certificate_issue(
            actor=actor,
            household=household,
            today=final_on + timedelta(days=1),
            at=cal.cycle_day(FINAL_DAY + 1, 9, 10 * n),
        )
        result.certificates += 1
    if len(best) >= 2:
        veto_on = cal.as_of + timedelta(days=VETO_DAY)
        veto_record(
            actor=users[CREDIT_LOGIN], household=best[1].household, rule_code="loan.malicious_default", starts_on=veto_on,
            evidence_text=f"信用社催收通知书（{veto_on.year}）第 17 号：5 万元信用贷款逾期 95 天，三次上门催收仍拒不还款。", today=veto_on,
            at=cal.cycle_day(VETO_DAY, 15, 20),
        )  # fmt: skip
        result.veto_events += 1


def _gap(rating) -> str:
    """'，距4A还差 1.5 分' from a rating's frozen result ('' at the top grade)."""
    short, grade = rating.result.get("points_to_next_grade"), rating.result.get("next_grade")
    if not short or not grade:
        return ""
    return f"，距{GRADE_LABELS.get(grade, grade)}还差 {Decimal(short).normalize():f} 分"


def _disputed_entry(cal: Calendar, cycle, households: list[int], ratings) -> Entry | None:
    """The planned disputed deduction (DISPUTED_ITEM on the calendar's `disputed_on`) of one of the
    villagers' households, counted in the cycle, if its reversal leaves the
    household's grade as it is (so the final distribution stays the pilot's)."""
    from sanxin.ratings.facts import household_facts

    version = scheme_for_village(cycle.village, cycle.cut_off)
    candidates = (
        Entry.objects.filter(
            household_id__in=households, item_code=DISPUTED_ITEM, occurred_on=cal.disputed_on, review__approved=True,
            reversal_of__isnull=True, reversals__isnull=True,
        )
        .select_related("household__village")
        .order_by("id")
    )  # fmt: skip
    for entry in candidates:
        facts = household_facts(entry.household, cycle.cut_off)
        undone = engine.Entry(
            id=-1, item_code=entry.item_code, occurred_on=entry.occurred_on, points=-entry.points, quantity=entry.quantity,
            person_id=entry.person_id, tier=entry.tier, reversal_of=entry.pk,
        )  # fmt: skip
        after = engine.grade_household(
            version.scheme, replace(facts, entries=(*facts.entries, undone)), cycle.cut_off
        )
        if after.grade == ratings[entry.household_id].grade:
            return entry
    return None


def grade_distribution(village: Region, as_of: date) -> Counter[str]:
    """The provisional grades of a village's households as of a date, by the same
    selector the household pages use."""
    from sanxin.ratings.facts import household_grade

    grades: Counter[str] = Counter()
    for household in Household.objects.filter(village=village).select_related("village"):
        graded = household_grade(household, as_of)
        grades[graded.result.grade if graded.result else "unrated"] += 1
    return grades


GRADE_ORDER = ("5A", "4A", "3A", "2A", "A", "unrated")


def format_cycle_story(result: BuildResult) -> list[str]:
    """The finished cycle in a few lines, for the command's summary."""
    cal = result.calendar
    notice_on = cal.as_of + timedelta(days=NOTICE_DAY)
    lines = [
        f"评定周期：{PILOT_VILLAGE} {cal.cycle_period} 年度已定级（截止 {cal.as_of:%Y-%m-%d}；"
        f"公示 {notice_on:%Y-%m-%d} 至 {notice_on + timedelta(days=6):%Y-%m-%d}；"
        f"{cal.as_of + timedelta(days=FINAL_DAY):%Y-%m-%d} 定级）：{format_grades(result.final_grades)}；"
        f"审核调整 {result.adjustments} 户。",
    ]
    upheld = sum(a.upheld for a in result.appeals)
    lines.append(
        f"异议 {len(result.appeals)} 项（成立 {upheld} 项，不成立 {len(result.appeals) - upheld} 项）："
    )
    for a in result.appeals:
        who = f"{a.filed_by} 代为提出" if a.on_behalf else f"{a.filed_by} 提出"
        answer = "成立" if a.upheld else "不成立"
        lines.append(
            f"  {a.household}号户 {a.kind}，{who}，{a.decided_by} 处理：{answer}，等级 {GRADE_LABELS.get(a.grade, a.grade)}"
        )
    lines.append(
        f"信用等级证书 {result.certificates} 张；定级后一票否决 {result.veto_events} 户（等级动态下调，证书撤销）；"
        f"{cal.next_period} 年度评定周期已开启（截止 {cal.next_cut_off:%Y-%m-%d}）。"
    )
    return lines


def format_grades(grades: Counter[str]) -> str:
    return "、".join(f"{GRADE_LABELS[g]} {grades[g]} 户" for g in GRADE_ORDER if grades.get(g))
