"""The demo logins: one per role, the superuser with its own generated password,
the staff linked to their own Person (recusal), and the table the command prints.

`DEMO_LOGINS` is the one list of demo logins and what each can do; the README's
table is kept in step with it (`demo_logins()`)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sanxin.accounts.choices import Department, Role
from sanxin.accounts.models import RoleAssignment, User
from sanxin.accounts.services import generate_password
from sanxin.households.models import Household, Person
from sanxin.lib import crypto
from sanxin.regions.models import Region
from sanxin.web.demo.plan import DemoPlan, PlannedPerson
from sanxin.web.demo.regions import (
    DISTRICT_NAME,
    NEIGHBOUR_VILLAGE,
    PILOT_TOWN,
    PILOT_VILLAGE,
    group_name,
    village_path,
)

if TYPE_CHECKING:
    from sanxin.web.demo.result import BuildResult


# The ordinary demo logins' password (README, tests); the superuser has its own.
PASSWORD = "sanxin2026"

# --- logins ---------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    """One demo login: its role, where it is bound, and what it can do."""

    username: str
    role: str  # a Role value; "" for the Django superuser
    region: tuple[str, ...]  # names from the district down; villagers: their village
    can: str  # one line, in the words users see
    display_name: str = ""  # replaced by the demo person's name for cadres and villagers
    department: str = ""  # a department viewer's department (accounts.choices.Department)

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role else "超级用户"

    @property
    def where(self) -> str:
        if not self.region:
            return "—"
        if self.role == Role.VILLAGER:
            return f"{self.region[-1]}的一户"
        if len(self.region) == 4:
            return self.region[-2] + self.region[-1]
        return self.region[-1]


_D = (DISTRICT_NAME,)
_T = (DISTRICT_NAME, PILOT_TOWN)
_V = (DISTRICT_NAME, PILOT_TOWN, PILOT_VILLAGE)

DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin("quadmin", Role.DISTRICT_ADMIN, _D, "查看和管理全区农户、导入花名册、查看完整身份证号、浏览审计日志、管理评分方案、设置年度或季度评定、发布积分兑换办法、把后备人选列入后备、查看用信统计", "区三信办管理员"),
    DemoLogin("zuzhibu", Role.DEPARTMENT_VIEWER, _D, "只读查看全区：党员先锋积分与党员名单、后备人选名单、党员户的信用等级（还能看积分超市报表、用信统计）", "区委组织部", Department.ORGANISATION),
    DemoLogin("zhengfawei", Role.DEPARTMENT_VIEWER, _D, "只读查看全区：村规民约治理积分项的记录和通过次数、一票否决、评定异议（各村）", "区委政法委", Department.POLITICAL_LEGAL),
    DemoLogin("minzheng", Role.DEPARTMENT_VIEWER, _D, "只读查看全区：村规民约治理积分项、一票否决、评定异议（各村）", "区民政局", Department.CIVIL_AFFAIRS),
    DemoLogin("shenpi", Role.DEPARTMENT_VIEWER, _D, "只读查看全区：积分规则的各个版本、现行积分项、各村自己增设的积分项", "区行政审批局", Department.APPROVAL),
    DemoLogin("lianshe", Role.DEPARTMENT_VIEWER, _D, "只读查看全区：授信、放款、贷款余额和用信率（各镇汇总），等级与还款验证", "市郊区信用联社", Department.CREDIT_UNION),
    DemoLogin("daping", Role.DISPLAY, _D, "会议室大屏：登录后直接显示全区“三信”数据大屏（只有汇总数字，不显示任何一户），每分钟自动刷新，不能打开其他页面", "区会议室大屏"),
    DemoLogin("xinyongshe", Role.CREDIT_OFFICER, _T, "查看双塔山镇农户、查看完整身份证号、录入“双基”信用评定、授信、贷款审批与放款、登记和导入还款、查看逾期、用信统计与等级验证", "双塔山信用社"),
    DemoLogin("zhenadmin", Role.TOWN_ADMIN, _T, "管理双塔山镇农户、导入花名册、查看完整身份证号、确认和报送后备人选", "双塔山镇管理员"),
    DemoLogin("tuanzhang", Role.COMMITTEE_HEAD, _V, "管理大贵口村农户、导入花名册、查看完整身份证号、审核积分、本村自设积分项、主持评定周期（计算、公示、定级）、处理异议、出具证书、开设积分超市与登记资金、提名后备人选、主持荣誉评选、发布村内活动、答复建议"),
    DemoLogin("futuanzhang", Role.COMMITTEE_DEPUTY, _V, "管理大贵口村农户、导入花名册、查看完整身份证号、审核积分、主持评定周期、处理异议", "周立华"),
    *(DemoLogin(f"chengyuan{i}", Role.COMMITTEE_MEMBER, _V, "查看大贵口村农户、审核积分、提出和确认等级调整、处理异议") for i in (1, 2, 3)),
    *(
        DemoLogin(f"fentuan{i + 1}", Role.SUBTEAM_MEMBER, (*_V, group_name(i)), "查看本村民小组农户、为本组农户记录积分")
        for i in range(6)
    ),
    DemoLogin("chaoshi", Role.SHOP_CLERK, _V, "收银台兑换（看户号、脱敏户主、在用等级和积分余额）、当天作废、补录纸质单据、打印门牌码、入库、报损、盘点", "刘晓燕"),
    *(DemoLogin(f"cunmin{i}", Role.VILLAGER, _V, "查看本户积分、等级和通知，公示期内提出异议，打印信用等级证书；查看积分超市余额与小票、本户授信与贷款，村务公开、活动报名与扫码签到、建言献策") for i in (1, 2, 3)),
    DemoLogin(
        "linjuntuanzhang",
        Role.COMMITTEE_HEAD,
        (DISTRICT_NAME, PILOT_TOWN, NEIGHBOUR_VILLAGE),
        "管理下营子村农户、导入花名册、查看完整身份证号、审核积分、本村自设积分项（看不到大贵口村）",
    ),
    DemoLogin("admin", "", (), "Django 系统管理后台", "系统管理员"),
]  # fmt: skip


def demo_logins() -> list[DemoLogin]:
    """The demo logins and what each can do (the README's table follows this list)."""
    return list(DEMO_LOGINS)


def _display_names(plan: DemoPlan) -> dict[str, str]:
    cadres = plan.pilot.cadres
    names = {
        "tuanzhang": cadres.secretary.name,
        "linjuntuanzhang": plan.neighbour.cadres.secretary.name,
    }
    for i, p in enumerate(cadres.committee, start=1):
        names[f"chengyuan{i}"] = p.name
    for i, p in enumerate(cadres.group_leaders, start=1):
        names[f"fentuan{i}"] = p.name
    for i, h in enumerate(plan.villager_households(), start=1):
        names[f"cunmin{i}"] = h.head.name
    return names


def build_logins(
    plan: DemoPlan, regions: dict[tuple[str, ...], Region], result: BuildResult
) -> None:
    names = _display_names(plan)
    village = regions[village_path(PILOT_VILLAGE)]
    villager_households = {
        f"cunmin{i}": Household.objects.get(village=village, number=h.number)
        for i, h in enumerate(plan.villager_households(), start=1)
    }
    for login in DEMO_LOGINS:
        household = villager_households.get(login.username)
        user = User.objects.filter(username=login.username).first()
        if user is None:
            display_name = names.get(login.username, login.display_name)
            if not login.role:
                # Its own password, generated, printed once by the command, kept nowhere.
                result.superuser_password = generate_password()
                user = User.objects.create_superuser(
                    username=login.username,
                    email="",
                    password=result.superuser_password,
                    display_name=display_name,
                )
            else:
                phone = household.phone if household and household.phone else None
                if phone and User.objects.filter(phone=phone).exists():
                    phone = None
                user = User.objects.create_user(
                    username=login.username,
                    password=PASSWORD,
                    phone=phone,
                    display_name=display_name,
                )
            result.users += 1
        if login.role:
            region = None if household else regions[login.region]
            department = login.department if login.role == Role.DEPARTMENT_VIEWER else ""
            _, created = RoleAssignment.objects.get_or_create(
                user=user,
                role=login.role,
                region=region,
                household=household,
                department=department,
                ended_at=None,
            )
            result.assignments += created


def link_people(plan: DemoPlan, result: BuildResult) -> None:
    """Staff who are villagers themselves get their own Person (User.person): they
    must stay out of decisions on their own household."""
    cadres = plan.pilot.cadres
    links: dict[str, PlannedPerson] = {
        "tuanzhang": cadres.secretary,
        "linjuntuanzhang": plan.neighbour.cadres.secretary,
    }
    links.update({f"chengyuan{i}": p for i, p in enumerate(cadres.committee, start=1)})
    links.update({f"fentuan{i}": p for i, p in enumerate(cadres.group_leaders, start=1)})
    links.update({f"cunmin{i}": h.head for i, h in enumerate(plan.villager_households(), start=1)})
    users = {
        u.username: u for u in User.objects.filter(username__in=list(links), person__isnull=True)
    }
    if not users:
        return
    hashes = {name: crypto.blind_index(links[name].id_number) for name in users}
    people = {
        p.id_number_hash: p for p in Person.objects.filter(id_number_hash__in=list(hashes.values()))
    }
    taken = set(User.objects.filter(person__isnull=False).values_list("person_id", flat=True))
    for name, user in users.items():
        person = people.get(hashes[name])
        if person is None or person.pk in taken:
            continue
        user.person = person
        user.save(update_fields=["person"])
        taken.add(person.pk)
        result.linked += 1


# --- the logins table ---------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_rows() -> list[tuple[str, str, str, str, str, str]]:
    """(username, name, phone, role, where, can) for each demo login, as the database has it."""
    users = {
        u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])
    }
    rows = []
    for login in DEMO_LOGINS:
        user = users.get(login.username)
        if user is None:
            continue
        where = login.where
        if login.role == Role.VILLAGER:
            a = (
                RoleAssignment.objects.filter(user=user, role=Role.VILLAGER)
                .select_related("household__village")
                .first()
            )
            if a:
                where = f"{a.household.village.name} {a.household.number}号户"
        rows.append(
            (
                login.username,
                user.display_name or "—",
                user.phone or "—",
                login.role_label,
                where,
                login.can,
            )
        )
    return rows


def format_logins() -> str:
    header = ("用户名", "姓名", "手机号", "角色", "辖区", "可以做什么")
    rows = [header, *login_rows()]
    last = len(header) - 1
    widths = [max(_width(r[i]) for r in rows) for i in range(last)]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:last])) + "  " + row[last]
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * _width(header[last]))
    return "\n".join(lines)
