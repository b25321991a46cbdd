"""The demo's party and cadre reserve candidates (政治激励): after the finished cycle
of 大贵口村, the district publishes its criteria, the committee nominates four
villagers from the suggestions (the pilot's number), and the town and district take
them to four different statuses — nominated, confirmed, forwarded, accepted — all
through the services, dated between the final and the build. The accepted one's
household has been told, so its villager login sees it (one of the cunmin logins'
households when one of them qualifies)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sanxin.accounts.models import User
from sanxin.households.models import Household
from sanxin.regions.models import Region
from sanxin.rewards import candidates_selectors as selectors
from sanxin.rewards.models import Candidate, CandidateCriteria
from sanxin.rewards.services import candidates as services
from sanxin.web.demo.calendar import FINAL_DAY
from sanxin.web.demo.regions import DISTRICT_NAME, PILOT_VILLAGE, village_path

if TYPE_CHECKING:
    from sanxin.web.demo.calendar import Calendar
    from sanxin.web.demo.plan import DemoPlan
    from sanxin.web.demo.result import BuildResult

# Days after the cut-off (all before CYCLE_DAYS, so in the past whenever the demo is built).
CRITERIA_DAY = FINAL_DAY + 1
NOMINATE_DAY = FINAL_DAY + 2
CONFIRM_DAY = FINAL_DAY + 3
FORWARD_DAY = FINAL_DAY + 5
ACCEPT_DAY = FINAL_DAY + 6

# (kind preferred, the status it reaches, the committee's reason)
STORY = (
    ("cadre", "accepted", "党性强、先锋积分高，带领群众发展大棚产业，群众公认"),
    ("party", "forwarded", "5A信用户成员，积极参加志愿服务和环境整治，主动递交入党申请书"),
    ("party", "confirmed", "家庭守信，热心村务，在旧棚拆除中带头签字"),
    ("cadre", "nominated", "党员，先锋积分达标，熟悉村里情况，愿意为群众办事"),
)


def build_candidates(
    plan: DemoPlan,
    cal: Calendar,
    regions: dict[tuple[str, ...], Region],
    result: BuildResult,
) -> None:
    village = regions[village_path(PILOT_VILLAGE)]
    district = regions[(DISTRICT_NAME,)]
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["quadmin", "zhenadmin", "tuanzhang"])
    }
    if len(users) < 3 or Candidate.objects.filter(village=village).exists():
        return
    criteria_day = cal.as_of + timedelta(days=CRITERIA_DAY)
    if not CandidateCriteria.objects.filter(district=district).exists():
        services.candidate_criteria_set(
            actor=users["quadmin"],
            district=district,
            effective_from=criteria_day,
            min_grade="4A",
            party_min_age=18,
            party_max_age=45,
            cadre_min_vanguard=Decimal("80"),
            cadre_max_age=55,
            exclude_vetoed=True,
            today=criteria_day,
        )
    nominate_day = cal.as_of + timedelta(days=NOMINATE_DAY)
    found = selectors.suggestions(village, nominate_day)
    own = users["tuanzhang"].person.household_id if users["tuanzhang"].person else None
    told_households = set(
        Household.objects.filter(
            village=village, number__in=[h.number for h in plan.villager_households()]
        ).values_list("pk", flat=True)
    )

    households: set[int] = set()  # one candidate per household where there are enough
    people: set[int] = set()

    def pick(kind: str) -> selectors.Suggestion | None:
        items = found.cadre if kind == "cadre" else found.party
        # The villagers' own households first, so a demo villager login sees one.
        ranked = sorted(
            (s for s in items if s.household.pk != own and s.person.pk not in people),
            key=lambda s: (
                s.household.pk in households,
                s.household.pk not in told_households,
                s.household.number,
            ),
        )
        return ranked[0] if ranked else None

    for minute, (kind, status, reason) in enumerate(STORY):
        # a small demo may lack enough of one kind: the other kind then
        choice = pick(kind) or pick("party" if kind == "cadre" else "cadre")
        if choice is None:
            break
        households.add(choice.household.pk)
        people.add(choice.person.pk)
        candidate = services.candidate_nominate(
            actor=users["tuanzhang"],
            person=choice.person,
            kind=choice.kind,
            reason=reason,
            from_suggestion=True,
            today=nominate_day,
            now=cal.cycle_day(NOMINATE_DAY, 10, minute * 5),
        )
        result.candidates += 1
        if status == "nominated":
            continue
        candidate = services.candidate_confirm(
            actor=users["zhenadmin"],
            candidate=candidate,
            reason="经镇党委审查，同意",
            now=cal.cycle_day(CONFIRM_DAY, 15, minute * 5),
        )
        if status == "confirmed":
            continue
        candidate = services.candidate_forward(
            actor=users["zhenadmin"],
            candidate=candidate,
            now=cal.cycle_day(FORWARD_DAY, 9, minute * 5),
        )
        if status == "forwarded":
            continue
        candidate = services.candidate_accept(
            actor=users["quadmin"],
            candidate=candidate,
            reason="区委组织部审核，列入后备人选库",
            now=cal.cycle_day(ACCEPT_DAY, 10, minute * 5),
        )
        services.candidate_mark_told(
            actor=users["tuanzhang"],
            candidate=candidate,
            today=(cal.as_of + timedelta(days=ACCEPT_DAY)),
            now=cal.cycle_day(ACCEPT_DAY, 16, minute * 5),
        )
