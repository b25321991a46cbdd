"""The home page. A villager sees, for each own household, the grade in force, the
points and the provisional grade they make, how to earn more, and the latest
notifications, with the household's points one tap away. Every other role gets its
three most frequent jobs as big buttons at the top, then what else it can reach and
the open appeals of the villages it reviews."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from sanxin.accounts.choices import Department, Role
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households.models import Household
from sanxin.ratings.facts import household_grade
from sanxin.ratings.selectors import open_appeals_by_cycle
from sanxin.ratings.standing import grades_in_force, is_expired
from sanxin.rules.scheme import GRADE_LABELS, TIER_LABELS

EARN_LIMIT = 6  # items on the villager's "how to earn more" list

# Each role's three most frequent jobs: (label, URL name, permission needed or None).
JOBS: dict[str, list[tuple[object, str, Perm | None]]] = {
    Role.COMMITTEE_HEAD: [
        (gettext_lazy("审核积分"), "points:review", Perm.REVIEW_POINTS),
        (gettext_lazy("评定周期"), "ratings:list", None),
        (gettext_lazy("农户"), "households:list", None),
    ],
    Role.COMMITTEE_DEPUTY: [
        (gettext_lazy("审核积分"), "points:review", Perm.REVIEW_POINTS),
        (gettext_lazy("记录积分"), "points:record", Perm.RECORD_POINTS),
        (gettext_lazy("评定周期"), "ratings:list", None),
    ],
    Role.COMMITTEE_MEMBER: [
        (gettext_lazy("审核积分"), "points:review", Perm.REVIEW_POINTS),
        (gettext_lazy("记录积分"), "points:record", Perm.RECORD_POINTS),
        (gettext_lazy("评定周期"), "ratings:list", None),
    ],
    Role.SUBTEAM_MEMBER: [
        (gettext_lazy("记录积分"), "points:record", Perm.RECORD_POINTS),
        (gettext_lazy("批量记录"), "points:batch", Perm.RECORD_POINTS),
        (gettext_lazy("本组农户"), "households:list", None),
    ],
    Role.CREDIT_OFFICER: [
        (gettext_lazy("信用评定"), "credit:list", Perm.RECORD_CREDIT),
        (gettext_lazy("导入评定表"), "credit:import", Perm.RECORD_CREDIT),
        (gettext_lazy("农户"), "households:list", None),
    ],
    Role.DISTRICT_ADMIN: [
        (gettext_lazy("数据看板"), "oversight:dashboard", Perm.DASHBOARD_VIEW),
        (gettext_lazy("农户"), "households:list", None),
        (gettext_lazy("评定周期"), "ratings:list", None),
    ],
    Role.TOWN_ADMIN: [
        (gettext_lazy("数据看板"), "oversight:dashboard", Perm.DASHBOARD_VIEW),
        (gettext_lazy("农户"), "households:list", None),
        (gettext_lazy("评定周期"), "ratings:list", None),
    ],
    Role.SHOP_CLERK: [
        (gettext_lazy("收银台"), "rewards:counter", Perm.SHOP_REDEEM),
        (gettext_lazy("今日兑换"), "rewards:counter_today", Perm.SHOP_REDEEM),
        (gettext_lazy("补录纸质单据"), "rewards:counter_paper", Perm.SHOP_REDEEM),
    ],
    Role.DEPARTMENT_VIEWER: [
        (gettext_lazy("数据看板"), "oversight:dashboard", Perm.DASHBOARD_VIEW),
        (gettext_lazy("农户"), "households:list", None),
        (gettext_lazy("评定结果"), "ratings:list", None),
    ],
}

# A department viewer lands on what its department guides (oversight's department
# views): its department's page first, then the jobs of the department.
DEPARTMENT_JOBS: dict[str, list[tuple[object, str, tuple[str, ...]]]] = {
    Department.ORGANISATION: [
        (gettext_lazy("党员先锋积分"), "oversight:department", (Department.ORGANISATION,)),
        (gettext_lazy("后备人选"), "rewards:candidates", ()),
        (gettext_lazy("党员名单"), "oversight:department_members", ()),
    ],
    Department.POLITICAL_LEGAL: [
        (gettext_lazy("治理与否决、异议"), "oversight:department", (Department.POLITICAL_LEGAL,)),
    ],
    Department.CIVIL_AFFAIRS: [
        (gettext_lazy("治理与否决、异议"), "oversight:department", (Department.CIVIL_AFFAIRS,)),
    ],
    Department.CREDIT_UNION: [
        (gettext_lazy("授信用信与还款验证"), "oversight:department", (Department.CREDIT_UNION,)),
        (gettext_lazy("用信统计"), "lending:reports", ()),
    ],
    Department.APPROVAL: [
        (gettext_lazy("积分规则与各村自设项"), "oversight:department", (Department.APPROVAL,)),
        (gettext_lazy("积分规则"), "rules:catalogue", ()),
    ],
}


def role_jobs(scope) -> list[dict]:
    """The jobs of the user's roles, in the order of Role, three at most, no repeats; a
    department viewer's department comes first (DEPARTMENT_JOBS)."""
    jobs: list[dict] = []
    seen: set[str] = set()
    if scope.has(Perm.DEPARTMENT_VIEWS):
        for department in Department:
            if department not in scope.departments:
                continue
            for label, url_name, args in DEPARTMENT_JOBS[department]:
                url = reverse(url_name, args=args)
                if url in seen:
                    continue
                seen.add(url)
                jobs.append({"label": label, "url": url})
    for role in Role:
        if role not in scope.roles:
            continue
        for label, url_name, perm in JOBS.get(role, []):
            url = reverse(url_name)
            if url in seen or (perm is not None and not scope.has(perm)):
                continue
            seen.add(url)
            jobs.append({"label": label, "url": url})
    return jobs[:3]


def _earn_more(scheme, tier: str) -> list[dict]:
    items = [
        i
        for i in scheme.items
        if i.points > 0 and tier in i.tiers and i.component != "credit" and not i.veto
    ]
    return [
        {"name": i.name, "points": format(i.points.normalize(), "f")} for i in items[:EARN_LIMIT]
    ]


def own_households(scope) -> list[dict]:
    """For each own household: its provisional grade and points, and how to earn more
    (the scheme's positive items of its tier). A query set per household: a villager
    has one household, rarely two."""
    ids = scope.own_household_ids()
    if not ids:
        return []
    today = timezone.localdate()
    in_force = grades_in_force(ids)
    result = []
    for household in Household.objects.filter(pk__in=ids).select_related("village").order_by("pk"):
        grade = household_grade(household, today)
        r = grade.result
        record = in_force.get(household.pk)
        result.append(
            {
                "household": household,
                "record": record,
                "in_force_label": GRADE_LABELS.get(record.grade, record.grade) if record else "",
                "expired": record is not None and is_expired(record),
                "result": r,
                "tier_label": TIER_LABELS.get(r.tier, "") if r else "",
                "base": r.component("base").raw if r else None,
                "earn": _earn_more(grade.version.scheme, r.tier) if r else [],
            }
        )
    return result


@requires()
def home(request):
    scope = request.scope
    if scope.roles == {Role.DISPLAY}:
        # The meeting-room display account has one page: the big screen.
        return redirect("oversight:screen")
    household_count = scope.households().count() if scope.has(Perm.VIEW_REGISTRY) else 0
    villager_only = set(scope.roles) == {Role.VILLAGER}
    return render(
        request,
        "web/home.html",
        {
            "household_count": household_count,
            "villager_only": villager_only,
            "own": own_households(scope),
            "jobs": [] if villager_only else role_jobs(scope),
            "can_change": scope.has(Perm.CHANGE_REGISTRY),
            "can_reveal": scope.has(Perm.REVEAL_ID),
            "open_appeals": open_appeals_by_cycle(scope) if scope.has(Perm.REVIEW_POINTS) else [],
        },
    )
