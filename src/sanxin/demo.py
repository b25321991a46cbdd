"""The demo data set behind `sanxin demo-data`.

双滦区 with its towns and villages, the pilot village 大贵口村 in full (300
households of invented people in six villager groups), a small neighbouring village
下营子村 to try scoping, and one login per role. Everything is deterministic
(`random.Random(SEED)`), so every run invents the same people, and idempotent: what
already exists is left alone. The region codes are illustrative, not the official
statistical codes.

On top of the people, a year of points under the default scheme (see "a year of
points" below): the scheme installed for 双滦区, the staff logins linked to their
own Person (recusal), a 双基 credit-union assessment for every household of
大贵口村, and a year of entries (December to 20 October, see `_year_shift`) with
their reviews, some rejected, a few reversed, a few vetoes and about twenty waiting
for review. The grades as of `DEMO_AS_OF` (20 October, the cut-off of the demo's
cycle) are shaped like the pilot's year (75 households 3A, 26 4A, 29 5A of 300; the
rest 2A and A).

Then the rating cycles of 大贵口村 (see "the rating cycles" below): the demo year's
cycle, finished through the real services with past dates — computed, reviewed
with two adjustments, seven days of notice with three appeals (one upheld), final
with the pilot's distribution, certificates, and a veto after the final that lowers
one household's grade at once — and next year's cycle, open. So every state of a
cycle can be seen.

`DEMO_LOGINS` is the one list of demo logins and what each can do; the README's
table is kept in step with it (`demo_logins()`).
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from sanxin.accounts.choices import Role
from sanxin.accounts.models import RoleAssignment, User
from sanxin.audit.services import audit
from sanxin.households import services as hh
from sanxin.households.choices import CadrePost, PoliticalStatus
from sanxin.households.models import Household, Person
from sanxin.ledger.credit import assessment_record
from sanxin.ledger.models import CreditAssessment, Entry, Review
from sanxin.ledger.tiers import household_tier_of, person_tier
from sanxin.lib import append_only, crypto, idcard
from sanxin.regions.models import Level, Region
from sanxin.regions.services import region_get_or_create
from sanxin.rules import engine
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import GRADE_LABELS, Item, grade_rank
from sanxin.rules.selectors import scheme_for_village
from sanxin.rules.services import scheme_install_default, scheme_version_mark_in_use

SEED = 20210824
PASSWORD = "sanxin2026"
PILOT_HOUSEHOLDS = 300
NEIGHBOUR_HOUSEHOLDS = 20
# Ages are counted from this year, so the people stay the same whatever today is.
REFERENCE_YEAR = 2025
ID_REGION = "130803"

# --- regions --------------------------------------------------------------------

DISTRICT_NAME = "双滦区"
DISTRICT_CODE = "130803000000"
PILOT_TOWN = "双塔山镇"
PILOT_VILLAGE = "大贵口村"
NEIGHBOUR_VILLAGE = "下营子村"


@dataclass(frozen=True)
class Unit:
    """A town-level unit and its villages (or communities), with illustrative codes."""

    name: str
    kind: str  # 镇 / 乡 / 街道
    code: str  # 3 digits after 130803
    villages: tuple[str, ...]

    @property
    def village_kind(self) -> str:
        return "社区" if self.kind == "街道" else "村"


UNITS: tuple[Unit, ...] = (
    Unit("元宝山街道", "街道", "001", ("元宝山社区", "铁路社区", "滦河路社区")),
    Unit("钢城街道", "街道", "002", ("钢城社区", "钢花社区", "建设社区")),
    Unit("秀水街道", "街道", "003", ("秀水社区", "东方红社区", "西山社区", "翠柳社区")),
    Unit("双塔山镇", "镇", "100", ("大贵口村", "下营子村", "双塔山村", "南园子村", "北山根村", "老西营村")),
    Unit("滦河镇", "镇", "101", ("滦河村", "东山村", "瓦房村", "小北沟村")),
    Unit("大庙镇", "镇", "102", ("大庙村", "铁马村", "娘娘庙村", "张家沟村", "石洞子村")),
    Unit(
        "偏桥子镇",
        "镇",
        "103",
        (
            "偏桥子村", "郭杖子村", "北沟村", "红旗村", "前营子村", "后营子村",
            "大龙潭村", "小龙潭村", "马营子村", "东梁村", "西台村",
        ),
    ),
    Unit("西地镇", "镇", "104", ("西地村", "头道沟村", "二道沟村", "苇塘村")),
    Unit("陈栅子乡", "乡", "200", ("陈栅子村", "小营村", "苇子沟村", "大南沟村", "窟窿山村")),
)  # fmt: skip

GROUP_NUMERALS = "一二三四五六七八九十"
PILOT_GROUP_WEIGHTS = (52, 48, 55, 47, 50, 48)  # households per group at 300
NEIGHBOUR_GROUP_WEIGHTS = (10, 10)


def group_name(index: int) -> str:
    return f"第{GROUP_NUMERALS[index]}村民小组"


def village_code(unit: Unit, index: int) -> str:
    # As in the statistical codes: communities 001…, villages 201….
    first = 1 if unit.village_kind == "社区" else 201
    return f"130803{unit.code}{first + index:03d}"


# --- logins ---------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    """One demo login: its role, where it is bound, and what it can do."""

    username: str
    role: str  # a Role value; "" for the Django superuser
    region: tuple[str, ...]  # names from the district down; villagers: their village
    can: str  # one line, in the words users see
    display_name: str = ""  # replaced by the demo person's name for cadres and villagers

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
    DemoLogin("quadmin", Role.DISTRICT_ADMIN, _D, "查看和管理全区农户、导入花名册、查看完整身份证号、浏览审计日志、管理评分方案、设置年度或季度评定", "区三信办管理员"),
    DemoLogin("zuzhibu", Role.DEPARTMENT_VIEWER, _D, "只读查看全区", "区委组织部"),
    DemoLogin("xinyongshe", Role.CREDIT_OFFICER, _T, "查看双塔山镇农户、查看完整身份证号、录入“双基”信用评定", "双塔山信用社"),
    DemoLogin("zhenadmin", Role.TOWN_ADMIN, _T, "管理双塔山镇农户、导入花名册、查看完整身份证号", "双塔山镇管理员"),
    DemoLogin("tuanzhang", Role.COMMITTEE_HEAD, _V, "管理大贵口村农户、导入花名册、查看完整身份证号、审核积分、本村自设积分项、主持评定周期（计算、公示、定级）、处理异议、出具证书"),
    DemoLogin("futuanzhang", Role.COMMITTEE_DEPUTY, _V, "管理大贵口村农户、导入花名册、审核积分、主持评定周期、处理异议", "周立华"),
    *(DemoLogin(f"chengyuan{i}", Role.COMMITTEE_MEMBER, _V, "查看大贵口村农户、审核积分、提出和确认等级调整、处理异议") for i in (1, 2, 3)),
    *(
        DemoLogin(f"fentuan{i + 1}", Role.SUBTEAM_MEMBER, (*_V, group_name(i)), "查看本村民小组农户、为本组农户记录积分")
        for i in range(6)
    ),
    DemoLogin("chaoshi", Role.SHOP_CLERK, _V, "查看大贵口村农户", "刘晓燕"),
    *(DemoLogin(f"cunmin{i}", Role.VILLAGER, _V, "查看本户积分、等级和通知，公示期内提出异议，打印信用等级证书") for i in (1, 2, 3)),
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


# --- invented people --------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


_SURNAMES = (
    ("王", 14), ("李", 12), ("张", 11), ("刘", 10), ("杨", 6), ("赵", 6), ("孙", 5), ("马", 5),
    ("高", 5), ("郭", 4), ("陈", 4), ("周", 3), ("吴", 3), ("徐", 3), ("于", 3), ("冯", 2),
    ("田", 2), ("董", 2), ("付", 2), ("白", 2), ("宋", 2), ("韩", 2), ("曹", 2), ("孟", 2),
    ("常", 1), ("邢", 1), ("崔", 1), ("姜", 1), ("尹", 1), ("佟", 1),
)  # fmt: skip
_SURNAME_NAMES = [s for s, _ in _SURNAMES]
_SURNAME_WEIGHTS = [w for _, w in _SURNAMES]

# Given names by generation (born before 1966, 1966–1990, after 1990) and sex.
_GIVEN = {
    ("old", "M"): _words("德福 振山 宝山 永顺 福来 长林 国华 文志 树林 玉山 殿臣 广田 连生 春生 占山 凤祥 福山 万山 义和 庆余 宝全 景春 贵 林"),
    ("old", "F"): _words("桂兰 秀英 玉珍 淑珍 凤英 桂芝 玉兰 秀兰 素芬 翠英 凤琴 秀珍 淑华 桂珍 玉芹 金凤 兰英 淑兰 秀云 荣"),
    ("mid", "M"): _words("建国 建军 志强 海涛 立新 卫东 国庆 金龙 晓光 宏伟 永刚 春雷 海军 东升 志刚 文斌 红军 振华 学军 军 伟 强 刚 勇 磊"),
    ("mid", "F"): _words("红梅 丽娟 春燕 秀梅 玉霞 艳华 丽华 海燕 晓红 亚萍 凤霞 艳玲 淑芬 春梅 立华 丽 霞 燕 敏 静 娜 红"),
    ("young", "M"): _words("浩然 子轩 宇航 博文 思远 俊杰 鹏飞 浩宇 家豪 天佑 梓豪 一鸣 子墨 明轩 晨阳 嘉诚 宇 鑫 昊 磊 帅"),
    ("young", "F"): _words("梓涵 欣怡 雨萱 佳琪 紫萱 雪婷 诗涵 一诺 可馨 梦瑶 思琪 语桐 晓雨 婉婷 佳怡 悦 璐 琳 萌"),
}  # fmt: skip

_PHONE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "180 181 182 183 185 186 187 188 189"
)

# Household size → (weight, relations); "child", "parent" and "grandchild" are
# resolved to 子/女, 父亲/母亲 and 孙子/孙女. Sizes average about 3.1.
_SIZE_WEIGHTS = {1: 10, 2: 25, 3: 28, 4: 20, 5: 12, 6: 5}
_PATTERNS: dict[int, list[tuple[int, tuple[str, ...]]]] = {
    1: [(1, ("户主",))],
    2: [(8, ("户主", "配偶")), (2, ("户主", "child"))],
    3: [
        (12, ("户主", "配偶", "child")),
        (5, ("户主", "配偶", "parent")),
        (3, ("户主", "子", "儿媳")),
    ],
    4: [
        (5, ("户主", "配偶", "child", "child")),
        (3, ("户主", "配偶", "child", "parent")),
        (2, ("户主", "配偶", "子", "儿媳")),
    ],
    5: [
        (4, ("户主", "配偶", "child", "child", "parent")),
        (3, ("户主", "配偶", "child", "父亲", "母亲")),
        (3, ("户主", "配偶", "子", "儿媳", "grandchild")),
    ],
    6: [
        (6, ("户主", "配偶", "child", "child", "父亲", "母亲")),
        (4, ("户主", "配偶", "子", "儿媳", "grandchild", "grandchild")),
    ],
}


@dataclass
class PlannedPerson:
    name: str
    id_number: str
    relation: str
    sex: str
    age: int
    phone: str = ""
    political_status: str = PoliticalStatus.MASSES
    cadre_post: str = ""

    @property
    def is_head(self) -> bool:
        return self.relation == "户主"


@dataclass
class PlannedHousehold:
    number: str
    group: int  # 0-based index of the villager group
    address: str
    phone: str
    members: list[PlannedPerson]

    @property
    def head(self) -> PlannedPerson:
        return self.members[0]


@dataclass
class Cadres:
    secretary: PlannedPerson
    director: PlannedPerson
    committee: list[PlannedPerson]
    group_leaders: list[PlannedPerson]


@dataclass
class VillagePlan:
    name: str
    group_count: int
    households: list[PlannedHousehold]
    cadres: Cadres


@dataclass
class DemoPlan:
    pilot: VillagePlan
    neighbour: VillagePlan

    def villager_households(self) -> list[PlannedHousehold]:
        """The households cunmin1..3 belong to: one in each of the first three groups,
        with three or more members and no cadre."""
        chosen = []
        for g in range(3):
            in_group = [h for h in self.pilot.households if h.group == g]
            fitting = [
                h
                for h in in_group
                if len(h.members) >= 3 and not any(p.cadre_post for p in h.members)
            ]
            chosen.append((fitting or in_group)[0])
        return chosen


class _Inventor:
    """Invents people with unique identity numbers and phone numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()

    def surname(self, avoid: str = "") -> str:
        while True:
            s = self.rng.choices(_SURNAME_NAMES, _SURNAME_WEIGHTS)[0]
            if s != avoid:
                return s

    def given(self, sex: str, birth_year: int, taken: set[str]) -> str:
        era = "old" if birth_year < 1966 else "mid" if birth_year <= 1990 else "young"
        pool = [n for n in _GIVEN[(era, sex)] if n not in taken] or _GIVEN[(era, sex)]
        return self.rng.choice(pool)

    def id_number(self, sex: str, age: int) -> str:
        while True:
            born = date(REFERENCE_YEAR - age, 1, 1) + timedelta(days=self.rng.randrange(365))
            seq = self.rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            first17 = f"{ID_REGION}{born:%Y%m%d}{seq:03d}"
            value = first17 + idcard.check_char(first17)
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def phone(self) -> str:
        while True:
            value = self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if value not in self.used_phones:
                self.used_phones.add(value)
                return value

    # A household: relations first, then ages that fit them, then names.
    def household(self, number: str, group: int, address: str) -> PlannedHousehold:
        rng = self.rng
        sizes = list(_SIZE_WEIGHTS)
        size = rng.choices(sizes, [_SIZE_WEIGHTS[s] for s in sizes])[0]
        patterns = _PATTERNS[size]
        shape = rng.choices([p for _, p in patterns], [w for w, _ in patterns])[0]
        relations = []
        for r in shape:
            if r == "child":
                r = rng.choice(("子", "女"))
            elif r == "parent":
                r = "母亲" if rng.random() < 0.65 else "父亲"
            elif r == "grandchild":
                r = rng.choice(("孙子", "孙女"))
            relations.append(r)

        has_spouse = "配偶" in relations
        children = [r for r in relations if r in ("子", "女")]
        if "孙子" in relations or "孙女" in relations:
            head_age = rng.randint(56, 74)
        elif "儿媳" in relations:
            head_age = rng.randint(50, 72)
        elif "父亲" in relations or "母亲" in relations:
            head_age = rng.randint(30, 50) if children else rng.randint(32, 58)
        elif children and not has_spouse:
            head_age = rng.randint(45, 75)  # widowed, with a grown child at home
        elif children:
            head_age = rng.randint(30, 56)
        elif has_spouse:
            head_age = rng.randint(38, 80)
        else:
            head_age = rng.randint(40, 86)
        if has_spouse:
            head_sex = "M" if rng.random() < 0.88 else "F"
        elif size == 1:
            head_sex = "M" if rng.random() < 0.6 else "F"
        else:
            head_sex = "M" if rng.random() < 0.45 else "F"

        ages: dict[int, int] = {0: head_age}
        sexes: dict[int, str] = {0: head_sex}
        spouse_age = head_age
        for i, r in enumerate(relations):
            if r == "配偶":
                spouse_age = head_age + (
                    rng.randint(-6, 2) if head_sex == "M" else rng.randint(-2, 6)
                )
                ages[i], sexes[i] = max(spouse_age, 20), "F" if head_sex == "M" else "M"
        younger_parent = min(head_age, spouse_age)
        previous_child = None
        son_age = None
        previous_grandchild = None
        for i, r in enumerate(relations):
            if r in ("子", "女"):
                if previous_child is None:
                    n_children = len(children)
                    age = younger_parent - rng.randint(21, 30)
                    age = max(age, 1 + 3 * (n_children - 1) + rng.randint(0, 2))
                else:
                    age = max(previous_child - rng.randint(2, 7), 1)
                ages[i], sexes[i] = age, "M" if r == "子" else "F"
                previous_child = age
                if r == "子":
                    son_age = age
            elif r == "父亲":
                ages[i], sexes[i] = min(head_age + rng.randint(22, 32), 92), "M"
            elif r == "母亲":
                father = next(
                    (ages[j] for j, x in enumerate(relations) if x == "父亲" and j in ages), None
                )
                age = father + rng.randint(-5, 1) if father else head_age + rng.randint(21, 30)
                ages[i], sexes[i] = min(age, 94), "F"
        for i, r in enumerate(relations):
            if r == "儿媳":
                ages[i], sexes[i] = max((son_age or 25) + rng.randint(-4, 1), 20), "F"
            elif r in ("孙子", "孙女"):
                if previous_grandchild is None:
                    age = max((son_age or 25) - rng.randint(22, 30), 1)
                else:
                    age = max(previous_grandchild - rng.randint(2, 6), 1)
                ages[i], sexes[i] = age, "M" if r == "孙子" else "F"
                previous_grandchild = age

        # Surnames: children take the father's; the head's parents the head's.
        head_surname = self.surname()
        spouse_surname = self.surname(avoid=head_surname)
        if head_sex == "M":
            family = head_surname
        elif has_spouse:
            family = spouse_surname
        else:
            family = self.surname(avoid=head_surname)
        taken: set[str] = set()
        members = []
        for i, r in enumerate(relations):
            if r == "户主" or r == "父亲":
                surname = head_surname
            elif r == "配偶":
                surname = spouse_surname
            elif r in ("子", "女", "孙子", "孙女"):
                surname = family
            else:  # 母亲, 儿媳
                surname = self.surname(avoid=head_surname)
            given = self.given(sexes[i], REFERENCE_YEAR - ages[i], taken)
            taken.add(given)
            members.append(
                PlannedPerson(
                    name=surname + given,
                    id_number=self.id_number(sexes[i], ages[i]),
                    relation=r,
                    sex=sexes[i],
                    age=ages[i],
                )
            )
        phone = self.phone()
        members[0].phone = phone
        return PlannedHousehold(
            number=number, group=group, address=address, phone=phone, members=members
        )


def _spread(total: int, weights: tuple[int, ...]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders)."""
    exact = [total * w / sum(weights) for w in weights]
    sizes = [int(x) for x in exact]
    for i in sorted(range(len(weights)), key=lambda i: exact[i] - sizes[i], reverse=True)[
        : total - sum(sizes)
    ]:
        sizes[i] += 1
    return sizes


def _plan_village(
    inventor: _Inventor, name: str, households: int, weights: tuple[int, ...], committee: int
) -> VillagePlan:
    rng = inventor.rng
    planned: list[PlannedHousehold] = []
    number = 0
    for g, size in enumerate(_spread(households, weights)):
        doors = sorted(rng.sample(range(1, int(size * 1.4) + 2), size))
        for door in doors:
            number += 1
            address = f"{name}{GROUP_NUMERALS[g]}组{door}号"
            planned.append(inventor.household(f"{number:04d}", g, address))
    cadres = _assign_politics(rng, planned, group_count=len(weights), committee=committee)
    return VillagePlan(name=name, group_count=len(weights), households=planned, cadres=cadres)


def _assign_politics(
    rng: random.Random, planned: list[PlannedHousehold], *, group_count: int, committee: int
) -> Cadres:
    """Cadres, then party members up to about 8% of adults (a few probationary)."""
    adults = [(h, p) for h in planned for p in h.members if p.age >= 18]
    chosen: set[int] = set()

    def pick(candidates: list[tuple[PlannedHousehold, PlannedPerson]], fallback) -> PlannedPerson:
        pool = [c for c in candidates if id(c[1]) not in chosen] or [
            c for c in fallback if id(c[1]) not in chosen
        ]
        person = rng.choice(pool)[1]
        chosen.add(id(person))
        return person

    heads = [(h, p) for h, p in adults if p.is_head]
    working_age = [(h, p) for h, p in adults if 28 <= p.age <= 60]
    secretary = pick([(h, p) for h, p in heads if p.sex == "M" and 42 <= p.age <= 60], working_age)
    director = pick([(h, p) for h, p in heads if 38 <= p.age <= 58], working_age)
    members = [pick([(h, p) for h, p in working_age if p.sex == "F" and p.age <= 55], working_age)]
    members += [
        pick([(h, p) for h, p in working_age if p.age <= 58], adults) for _ in range(committee - 1)
    ]
    leaders = []
    for g in range(group_count):
        in_group = [(h, p) for h, p in adults if h.group == g]
        leaders.append(
            pick([(h, p) for h, p in in_group if p.is_head and 35 <= p.age <= 65], in_group)
        )

    secretary.cadre_post = CadrePost.PARTY_SECRETARY
    director.cadre_post = CadrePost.COMMITTEE_DIRECTOR
    for p in members:
        p.cadre_post = CadrePost.TWO_COMMITTEES_MEMBER
    for p in leaders:
        p.cadre_post = CadrePost.GROUP_LEADER
    party = [secretary, director, *members, *[p for p in leaders if rng.random() < 0.5]]
    for p in party:
        p.political_status = PoliticalStatus.PARTY_MEMBER

    target = round(0.08 * len(adults))
    probationary = max(1, target // 20)
    others = [p for _, p in adults if id(p) not in chosen]
    young = [p for p in others if 20 <= p.age <= 40]
    for p in rng.sample(young, min(probationary, len(young))):
        p.political_status = PoliticalStatus.PROBATIONARY
        party.append(p)
    rest = [p for p in others if p.political_status == PoliticalStatus.MASSES and p.age >= 20]
    # Men and older villagers are more often members, as in the real rolls.
    weights = [(2 if p.sex == "M" else 1) * (1.5 if p.age >= 40 else 1) for p in rest]
    while len(party) < target and rest:
        i = rng.choices(range(len(rest)), weights)[0]
        rest[i].political_status = PoliticalStatus.PARTY_MEMBER
        party.append(rest.pop(i))
        weights.pop(i)
    return Cadres(secretary=secretary, director=director, committee=members, group_leaders=leaders)


def plan_demo(households: int = PILOT_HOUSEHOLDS) -> DemoPlan:
    """The invented villages, the same on every run for the same `households`."""
    if households < 2 * len(PILOT_GROUP_WEIGHTS):
        raise ValueError(f"演示村至少需要 {2 * len(PILOT_GROUP_WEIGHTS)} 户")
    inventor = _Inventor(random.Random(SEED))
    pilot = _plan_village(inventor, PILOT_VILLAGE, households, PILOT_GROUP_WEIGHTS, committee=3)
    neighbour = _plan_village(
        inventor, NEIGHBOUR_VILLAGE, NEIGHBOUR_HOUSEHOLDS, NEIGHBOUR_GROUP_WEIGHTS, committee=1
    )
    return DemoPlan(pilot=pilot, neighbour=neighbour)


# --- building ---------------------------------------------------------------------


@dataclass
class BuildResult:
    regions: int = 0
    households: int = 0
    people: int = 0
    users: int = 0
    assignments: int = 0
    skipped_people: int = 0
    schemes: int = 0
    linked: int = 0  # logins linked to their own Person
    assessments: int = 0
    entries: int = 0
    reviews: int = 0
    pending: int = 0
    rejected: int = 0
    reversals: int = 0
    vetoes: int = 0
    # Provisional grades of 大贵口村 as of DEMO_AS_OF, when the entries were built now.
    grades: Counter[str] = field(default_factory=Counter)
    cycles: int = 0  # rating cycles opened
    adjustments: int = 0
    appeals: list[DemoAppeal] = field(default_factory=list)
    certificates: int = 0
    veto_events: int = 0
    # Grades in force from the finished cycle, when it was built now.
    final_grades: Counter[str] = field(default_factory=Counter)
    plan: DemoPlan | None = field(default=None, repr=False)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.regions, self.households, self.people, self.users, self.assignments,
                self.schemes, self.linked, self.assessments, self.entries, self.reviews,
                self.cycles,
            )
        )  # fmt: skip


def build_demo(*, households: int = PILOT_HOUSEHOLDS) -> BuildResult:
    """Create whatever of the demo does not exist yet, in one transaction."""
    plan = plan_demo(households)
    result = BuildResult(plan=plan)
    with transaction.atomic():
        regions = _build_regions(result)
        for village_plan in (plan.pilot, plan.neighbour):
            village = regions[(DISTRICT_NAME, PILOT_TOWN, village_plan.name)]
            groups = []
            for g in range(village_plan.group_count):
                group, created = region_get_or_create(
                    level=Level.GROUP, name=group_name(g), parent=village, sort_order=g + 1
                )
                result.regions += created
                regions[(*village_path(village_plan.name), group.name)] = group
                groups.append(group)
            _build_households(village, groups, village_plan, result)
        _build_logins(plan, regions, result)
        _build_ledger(plan, regions, result)
        _build_cycles(regions, result)
    return result


def village_path(village: str) -> tuple[str, str, str]:
    return (DISTRICT_NAME, PILOT_TOWN, village)


def _build_regions(result: BuildResult) -> dict[tuple[str, ...], Region]:
    district, created = region_get_or_create(
        level=Level.DISTRICT, name=DISTRICT_NAME, kind="区", code=DISTRICT_CODE
    )
    result.regions += created
    regions: dict[tuple[str, ...], Region] = {(DISTRICT_NAME,): district}
    for t, unit in enumerate(UNITS):
        town, created = region_get_or_create(
            level=Level.TOWN,
            name=unit.name,
            parent=district,
            kind=unit.kind,
            code=f"130803{unit.code}000",
            sort_order=t + 1,
        )
        result.regions += created
        regions[(DISTRICT_NAME, unit.name)] = town
        for v, name in enumerate(unit.villages):
            village, created = region_get_or_create(
                level=Level.VILLAGE,
                name=name,
                parent=town,
                kind=unit.village_kind,
                code=village_code(unit, v),
                sort_order=v + 1,
            )
            result.regions += created
            regions[(DISTRICT_NAME, unit.name, name)] = village
    return regions


def _build_households(
    village: Region, groups: list[Region], plan: VillagePlan, result: BuildResult
) -> None:
    existing = set(Household.objects.filter(village=village).values_list("number", flat=True))
    todo = [h for h in plan.households if h.number not in existing]
    if not todo:
        return
    # People already on the register (by identity number) are not added twice.
    hashes = {p.id_number: crypto.blind_index(p.id_number) for h in todo for p in h.members}
    known: set[str] = set()
    values = list(hashes.values())
    for i in range(0, len(values), 500):
        known.update(
            Person.objects.filter(id_number_hash__in=values[i : i + 500]).values_list(
                "id_number_hash", flat=True
            )
        )
    created_ids = []
    for planned in todo:
        household = hh.household_create(
            actor=None, village=village, villager_group=groups[planned.group], number=planned.number,
            address=planned.address, phone=planned.phone,
        )  # fmt: skip
        created_ids.append(household.pk)
        result.households += 1
        for p in planned.members:
            if hashes[p.id_number] in known:
                result.skipped_people += 1
                continue
            data = hh.PersonData(
                name=p.name, id_number=idcard.parse(p.id_number), relation=p.relation, phone=p.phone,
                political_status=p.political_status, cadre_post=p.cadre_post,
            )  # fmt: skip
            hh.person_create(actor=None, household=household, data=data)
            result.people += 1
    hh.refresh_household_summary(created_ids)


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


def _build_logins(
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
                user = User.objects.create_superuser(
                    username=login.username, email="", password=PASSWORD, display_name=display_name
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
            _, created = RoleAssignment.objects.get_or_create(
                user=user, role=login.role, region=region, household=household, ended_at=None
            )
            result.assignments += created


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
# gives the target grade as of DEMO_AS_OF. One deduction of cunmin2's household is
# the one it disputes in the cycle's notice: its answers are chosen so that the
# household keeps its grade with or without it (the appeal is upheld, the
# distribution stays the pilot's).


# Days from the cut-off to the last of the finished cycle's events: notice from
# cut-off + 7 to + 13, final on + 14, certificates, and a veto on + 18.
CYCLE_DAYS = 21


def _year_shift(today: date) -> int:
    """Whole years to move the demo's calendar by, so that its year of points ends
    on the most recent 20 October that is at least CYCLE_DAYS before today: built
    today, the demo shows a current year (bonuses count until the end of the
    calendar year they happen in) and its finished cycle lies wholly in the past."""
    ready = date(today.year, 10, 20) + timedelta(days=CYCLE_DAYS)  # this year's cut-off fits
    return today.year - 2025 if today >= ready else today.year - 2026


YEAR_SHIFT = _year_shift(date.today())


def _d(year: int, month: int, day: int) -> date:
    """A date of the demo's calendar, written as in its first year (points from
    2024-12 to 2025-10-20, the cycle finished in 2025-11)."""
    return date(year + YEAR_SHIFT, month, day)


DEMO_AS_OF = _d(2025, 10, 20)  # the demo's reference date and its cycle's cut-off
LEDGER_FROM = _d(2024, 12, 1)
CREDIT_PERIOD = str(2025 + YEAR_SHIFT)
CREDIT_FROM = _d(2025, 2, 10)  # the credit union's visits: 10 February to 28 April
CREDIT_DAYS = 78
# The pilot's year at 300 households: 3A 75, 4A 26, 5A 29; the rest (2A, A) inferred.
PILOT_SHAPE: tuple[tuple[str, int], ...] = (
    ("5A", 29),
    ("4A", 26),
    ("3A", 75),
    ("2A", 110),
    ("A", 57),
)
PILOT_VETOES = 3  # households under a veto (一票否决), graded A at most
PENDING_ENTRIES = 20  # left for the review queue (at 300 households)
PILOT_REVERSALS = 5
REJECT_RATE = 0.025
VETO = "veto"

COMMITTEE_LOGINS = ("tuanzhang", "futuanzhang", "chengyuan1", "chengyuan2", "chengyuan3")
PARTY_RECORDERS = ("chengyuan1", "chengyuan2", "chengyuan3", "tuanzhang")
CREDIT_LOGIN = "xinyongshe"

_DAY_START = time(8, 30)

# Village activities of the year (dates and names invented).
_CLEANUPS = (
    (_d(2024, 12, 14), "冬季村庄清洁行动"), (_d(2025, 3, 15), "春季村庄清洁行动"), (_d(2025, 5, 24), "清理村内沟渠"),
    (_d(2025, 8, 9), "清理滦河河道"), (_d(2025, 10, 18), "秋季人居环境整治"),
)  # fmt: skip
_VOLUNTEERING = (
    (_d(2024, 12, 21), "走访慰问孤寡老人"), (_d(2025, 1, 18), "春节前为困难户打扫房屋"), (_d(2025, 4, 4), "清明节森林防火值守"),
    (_d(2025, 6, 14), "滦河河道清理"), (_d(2025, 7, 26), "汛期巡堤值守"), (_d(2025, 9, 20), "帮助留守老人秋收"),
    (_d(2025, 10, 11), "秋季森林防火巡查"),
)  # fmt: skip
_INSPECTIONS = (
    _d(2024, 12, 27),
    _d(2025, 3, 28),
    _d(2025, 6, 27),
    _d(2025, 9, 26),
)  # 六齐, quarterly
_MODEL_HOUSEHOLD = (
    (_d(2025, 3, 31), "第一季度"),
    (_d(2025, 6, 30), "第二季度"),
    (_d(2025, 9, 30), "第三季度"),
)
_MEETINGS = (
    (_d(2024, 12, 10), f"{2024 + YEAR_SHIFT}年12月", 1), (_d(2025, 3, 10), f"{2025 + YEAR_SHIFT}年第一季度", 3),
    (_d(2025, 6, 10), f"{2025 + YEAR_SHIFT}年第二季度", 3), (_d(2025, 9, 10), f"{2025 + YEAR_SHIFT}年第三季度", 3),
    (_d(2025, 10, 16), f"{2025 + YEAR_SHIFT}年10月", 2),
)  # fmt: skip
_TRAININGS = (
    (_d(2025, 5, 16), "移风易俗"),
    (_d(2025, 8, 22), "防汛安全"),
    (_d(2025, 10, 15), "防范电信诈骗"),
)
_PARTY_MEETINGS = (
    _d(2024, 12, 24),
    _d(2025, 2, 25),
    _d(2025, 5, 27),
    _d(2025, 8, 26),
    _d(2025, 10, 17),
)
_THEME_DAYS = (
    (_d(2025, 3, 5), "学雷锋志愿服务"), (_d(2025, 7, 1), "“七一”重温入党誓词"), (_d(2025, 9, 30), "烈士纪念日祭扫"),
    (_d(2025, 10, 13), "走访慰问老党员"),
)  # fmt: skip
_PARTY_STUDIES = (_d(2025, 1, 14), _d(2025, 4, 15), _d(2025, 6, 17), _d(2025, 10, 14))

# Base points (counted as of DEMO_AS_OF) each target grade's conduct aims at; the
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
DISPUTED_ON = _d(2025, 9, 26)  # the third quarter's 六齐 inspection
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
# Credit-union answers: weights by target grade for each option, best option first.
_APPRAISAL_WEIGHTS = {"5A": (6, 3, 0.2, 0), "4A": (3, 6, 1, 0), "3A": (1, 6, 2, 0.05), "2A": (0.3, 4, 4, 0.3), "A": (0, 1.5, 5, 1.5), VETO: (0, 0.3, 3, 4)}  # fmt: skip
_WEALTH_WEIGHTS = {"5A": (3, 5, 2, 0.5), "4A": (2, 5, 3, 0.7), "3A": (1, 4, 4, 1), "2A": (0.5, 3, 5, 2), "A": (0.3, 2, 5, 3), VETO: (0.5, 2, 4, 3)}  # fmt: skip
_REPAYMENT_WEIGHTS = {"5A": (10, 0.3, 0), "4A": (10, 0.8, 0.05), "3A": (10, 1.5, 0.2), "2A": (8, 2, 0.5), "A": (5, 3, 1.5), VETO: (4, 3, 3)}  # fmt: skip
_FREE_INDICATORS = (
    "village_appraisal",
    "total_assets",
    "net_assets",
    "net_income",
    "deposits",
    "repayment",
)


@dataclass(eq=False)
class _Draft:
    """One entry of the demo ledger, planned."""

    household: Household
    item: Item
    occurred_on: date
    quantity: int = 1
    person: Person | None = None
    evidence: str = ""
    recorder: str = ""
    recorded_at: datetime | None = None
    source: str = "manual"
    batch_key: str = ""
    tier: str = ""
    points: Decimal = Decimal(0)
    decision: str = "approve"  # approve | reject | pending
    reviewer: str = ""
    reviewed_at: datetime | None = None
    reject_reason: str = ""
    reversal_of: _Draft | None = None
    reversed_by: _Draft | None = None
    reversal_reason: str = ""
    dropped: bool = False  # the service would refuse it (over the cap): left out
    disputed: bool = False  # approved as recorded; appealed in the cycle's notice

    @property
    def key(self) -> tuple[int, str, int | None]:
        person = (
            self.person.pk
            if (self.person is not None and self.item.applies_to == "person")
            else None
        )
        return (self.household.pk, self.item.code, person)


@dataclass
class _HouseholdLedger:
    household: Household
    members: list[Person]
    target: str
    veto_item: str = ""  # the item of a VETO target
    disputed: _Draft | None = None  # the deduction a villager disputes in the cycle's notice
    drafts: list[_Draft] = field(default_factory=list)

    @property
    def adults(self) -> list[Person]:
        return [p for p in self.members if 18 <= _age(p) <= 75] or self.members


def _age(person: Person) -> int:
    return REFERENCE_YEAR - person.birth_date.year


def _at(day: date, minutes: int) -> datetime:
    """A moment on `day`, `minutes` after 08:30, in the project's time zone."""
    start = datetime.combine(day, _DAY_START, tzinfo=timezone.get_default_timezone())
    return start + timedelta(minutes=minutes)


def _ledger_end() -> datetime:
    """17:30 on DEMO_AS_OF: nothing in the demo ledger happens later."""
    return _at(DEMO_AS_OF, 9 * 60)


def _targets(count: int) -> list[str]:
    """The target grades for `count` households, shaped like the pilot's year."""
    vetoes = max(2, round(PILOT_VETOES * count / PILOT_HOUSEHOLDS))
    sizes = _spread(count - vetoes, tuple(n for _, n in PILOT_SHAPE))
    return [VETO] * vetoes + [
        g for (g, _), n in zip(PILOT_SHAPE, sizes, strict=True) for _ in range(n)
    ]


def _build_ledger(
    plan: DemoPlan, regions: dict[tuple[str, ...], Region], result: BuildResult
) -> None:
    """The scheme, the staff's own Person, the credit assessments and the year of
    entries of 大贵口村: whatever of it does not exist yet."""
    district = regions[(DISTRICT_NAME,)]
    village = regions[village_path(PILOT_VILLAGE)]
    existed = SchemeVersion.objects.filter(district=district, village__isnull=True).exists()
    scheme_install_default(district=district)
    result.schemes += not existed
    _link_people(plan, result)

    version = scheme_for_village(village, DEMO_AS_OF)
    if version is None or scheme_for_village(village, LEDGER_FROM) != version:
        return  # another scheme in force over the year: the demo ledger is not built
    assessed = set(
        CreditAssessment.objects.filter(
            household__village=village, period=CREDIT_PERIOD
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
    ledger = _LedgerPlanner(
        plan, version, village, households, users, random.Random(SEED + 1)
    ).plan()
    _write_credit(ledger, users[CREDIT_LOGIN], assessed, result)
    if not has_entries:
        _write_entries(ledger, version, village, users, result)
        result.grades = Counter(ledger.final_grades.values())


def _link_people(plan: DemoPlan, result: BuildResult) -> None:
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


class _LedgerPlanner:
    """Plans the year of 大贵口村: targets, entries, reviews, reversals, frozen points,
    and the credit answers that land each household on its target grade."""

    def __init__(
        self,
        plan: DemoPlan,
        version: SchemeVersion,
        village: Region,
        households: list[Household],
        users: dict[str, User],
        rng: random.Random,
    ):
        self.demo_plan = plan
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
        self.ledgers = [_HouseholdLedger(h, members[h.pk], "") for h in households]
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
        self.drafts: list[_Draft] = []

    # The whole plan ------------------------------------------------------------
    def plan(self) -> _LedgerPlanner:
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
        chosen: list[_HouseholdLedger] = []
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
        ledger: _HouseholdLedger,
        code: str,
        on: date,
        *,
        quantity: int = 1,
        person: Person | None = None,
        evidence: str = "",
    ) -> _Draft:
        item = self.scheme.item(code)
        members = ledger.members
        tier = (
            person_tier(person)
            if (item.applies_to == "person" and person is not None)
            else household_tier_of(members)
        )
        return _Draft(household=ledger.household, item=item, occurred_on=on, quantity=quantity,
                      person=person if item.applies_to == "person" else None, evidence=evidence, tier=tier)  # fmt: skip

    def _estimate(self, drafts: list[_Draft], draft: _Draft) -> Decimal | None:
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

    def _counted_base(self, ledger: _HouseholdLedger) -> Decimal:
        return sum(
            (
                d.points
                for d in ledger.drafts
                if d.item.component == "base"
                and engine.valid_until(d.item, d.occurred_on) >= DEMO_AS_OF
            ),
            Decimal(0),
        )

    def _add(self, ledger: _HouseholdLedger, draft: _Draft) -> bool:
        points = self._estimate(ledger.drafts, draft)
        if points is None:
            return False
        draft.points = points
        ledger.drafts.append(draft)
        return True

    def _positive_options(self, ledger: _HouseholdLedger) -> list[_Draft]:
        rng, adults = self.rng, ledger.adults
        doers = sorted(adults, key=lambda p: (not p.is_head, abs(_age(p) - 45)))[:2]
        young = [p for p in adults if _age(p) <= 55] or adults
        options: list[_Draft] = []
        for on, label in _CLEANUPS:
            for p in doers:
                options.append(
                    self._draft(
                        ledger, "public.labour", on, person=p, evidence=f"参加“{label}”义务出工"
                    )
                )
        for on, label in _VOLUNTEERING:
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
        for on in _INSPECTIONS:
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
            for on, label in _MODEL_HOUSEHOLD:
                options.append(
                    self._draft(
                        ledger,
                        "env.model_household",
                        on,
                        quantity=len(ledger.members),
                        evidence=f"评为{label}“美在我家”示范户（村务公开栏公示）",
                    )
                )
        for on, label, most in _MEETINGS:
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
        for on, topic in _TRAININGS:
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
                _d(2025, 8, 1),
                person=doers[0],
                evidence="参加“八一”走访慰问军烈属活动",
            )
        )
        amount = rng.choice((1, 2, 2, 3, 5))
        options.append(
            self._draft(
                ledger,
                "public.donation",
                _d(2025, 8, 5),
                quantity=amount,
                evidence=f"为防汛救灾捐款{amount * 100}元（有收据）",
            )
        )
        options.append(
            self._draft(
                ledger,
                "affairs.suggestion",
                _d(2025, 4, 12),
                person=doers[0],
                evidence="在人居环境整治征求意见会上提出的修建垃圾收集点建议被采纳",
            )
        )
        options.append(
            self._draft(
                ledger,
                "neighbour.help",
                self._day(_d(2025, 3, 1), _d(2025, 10, 15)),
                person=rng.choice(doers),
                evidence="帮助邻居抢收玉米",
            )
        )
        options.append(
            self._draft(
                ledger,
                "public.repair",
                self._day(_d(2025, 2, 1), _d(2025, 10, 15)),
                person=rng.choice(doers),
                evidence="自费修好村道旁损坏的路灯",
            )
        )
        options.append(
            self._draft(
                ledger,
                "public.blood",
                _d(2025, 6, 14),
                person=rng.choice(young),
                evidence="参加无偿献血，有献血证",
            )
        )
        if ledger.target == "5A":
            options.append(
                self._draft(
                    ledger,
                    "honour.village",
                    _d(2025, 9, 28),
                    person=doers[0],
                    evidence="获评村“最美家庭”",
                )
            )
        return options

    def _day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def _positives(self, ledger: _HouseholdLedger) -> None:
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
        # Last December: a little history that no longer counts by DEMO_AS_OF.
        share = {"5A": 0.6, "4A": 0.45, "3A": 0.35, "2A": 0.2, "A": 0.1, VETO: 0.15}[ledger.target]
        for draft in options:
            if draft.occurred_on.year < REFERENCE_YEAR and rng.random() < share:
                self._add(ledger, draft)
        ledger.drafts.sort(key=lambda d: d.occurred_on)

    def _party(self, ledger: _HouseholdLedger) -> None:
        rng = self.rng
        attend = {"5A": 0.97, "4A": 0.93, "3A": 0.88, "2A": 0.78, "A": 0.65, VETO: 0.7}[
            ledger.target
        ]
        for p in ledger.members:
            if not p.is_party_member:
                continue
            for on in _PARTY_MEETINGS:
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
            for on, label in _THEME_DAYS:
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
            for on in _PARTY_STUDIES:
                if rng.random() < attend - 0.15:
                    self._add(
                        ledger,
                        self._draft(
                            ledger, "party.study", on, person=p, evidence="参加党员冬春训集中学习"
                        ),
                    )
            if ledger.target == "5A" and rng.random() < 0.35:
                on = self._day(_d(2025, 3, 1), _d(2025, 10, 15))
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

    def _deductions(self, ledger: _HouseholdLedger) -> None:
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
                        (_d(2024, 12, 1), _d(2024, 12, 20)),
                        (_d(2025, 4, 1), _d(2025, 4, 25)),
                        (_d(2025, 9, 28), _d(2025, 10, 18)),
                    )
                )
            else:
                first, last = LEDGER_FROM, DEMO_AS_OF
            on = self._day(first, last)
            person = None
            if self.scheme.item(code).applies_to == "person":
                men = [p for p in ledger.adults if p.sex == "M" and 20 <= _age(p) <= 65]
                person = rng.choice(men if code == "law.fighting" and men else ledger.adults)
            self._add(ledger, self._draft(ledger, code, on, person=person, evidence=texts[code]))
        ledger.drafts.sort(key=lambda d: d.occurred_on)

    def _veto(self, ledger: _HouseholdLedger) -> None:
        if ledger.target != VETO:
            return
        code, text = ledger.veto_item, dict(_VETO_ITEMS)[ledger.veto_item]
        on = self._day(_d(2025, 3, 1), _d(2025, 9, 30))
        person = None
        if self.scheme.item(code).applies_to == "person":
            # The son or daughter who does not support the head's (or their own) parents.
            has_parents = any(p.relation in ("父亲", "母亲") for p in ledger.members)
            heads = [p for p in ledger.members if p.is_head]
            person = heads[0] if has_parents and heads else ledger.adults[0]
        self._add(ledger, self._draft(ledger, code, on, person=person, evidence=text))
        ledger.drafts.sort(key=lambda d: d.occurred_on)

    def _disputed(self, ledger: _HouseholdLedger) -> None:
        """cunmin2's household gets the deduction it disputes in the cycle's notice
        (upheld there: see `_finish_cycle`)."""
        if ledger.household.number != self.demo_plan.villager_households()[1].number:
            return
        draft = self._draft(ledger, DISPUTED_ITEM, DISPUTED_ON, evidence=DISPUTED_EVIDENCE)
        draft.disputed = True
        if self._add(ledger, draft):
            ledger.disputed = draft
            ledger.drafts.sort(key=lambda d: d.occurred_on)

    # Who recorded what, when -----------------------------------------------------
    def _recorder(self, draft: _Draft) -> str:
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
        rng, end = self.rng, _ledger_end()
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

    def _reviewer(self, draft: _Draft, *, recorder: str) -> str:
        options = [
            u for u in COMMITTEE_LOGINS if u != recorder and self.home.get(u) != draft.household.pk
        ]
        return self.rng.choice(options)

    def _decide(self) -> None:
        rng, end = self.rng, _ledger_end()
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
            and _d(2025, 1, 1) <= d.occurred_on <= _d(2025, 9, 15)  # reversed by DEMO_AS_OF
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
            reversal = _Draft(
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
    def _freeze(self, ledger: _HouseholdLedger) -> None:
        """The points each entry gets when recorded, in recording order, with the
        live entries of its item at that moment (as `entry_plan` counts them)."""
        done: list[_Draft] = []
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

    # The credit union's answers -------------------------------------------------------
    def _facts(
        self,
        ledger: _HouseholdLedger,
        credit: engine.CreditAssessment | None,
        without: _Draft | None = None,
    ) -> engine.HouseholdFacts:
        ids = {id(d): i for i, d in enumerate(ledger.drafts, start=1)}
        entries = tuple(
            engine.Entry(
                id=ids[id(d)], item_code=d.item.code, occurred_on=d.occurred_on, points=d.points, quantity=d.quantity,
                person_id=d.person.pk if d.person is not None else None, tier=d.tier,
                reversal_of=ids[id(d.reversal_of)] if d.reversal_of is not None else None,
            )
            for d in ledger.drafts
            if d.decision == "approve" and not d.dropped and d.occurred_on <= DEMO_AS_OF and d is not without
        )  # fmt: skip
        members = tuple(engine.Member(person_id=p.pk, tier=person_tier(p)) for p in ledger.members)
        return engine.HouseholdFacts(members=members, entries=entries, credit=credit)

    def _grade(
        self, ledger: _HouseholdLedger, total: int, on: date, without: _Draft | None = None
    ) -> str:
        areas, left = {}, Decimal(total)
        for area in self.scheme.credit_areas:
            areas[area.code] = min(left, area.max_points)
            left -= areas[area.code]
        credit = engine.CreditAssessment(assessed_on=on, area_scores=areas)
        facts = self._facts(ledger, credit, without)
        return engine.grade_household(self.scheme, facts, DEMO_AS_OF).grade

    def _first_total(
        self,
        ledger: _HouseholdLedger,
        totals: list[int],
        on: date,
        rank: int,
        without: _Draft | None = None,
    ) -> int:
        """The index of the lowest credit total in `totals` (ascending) that grades the
        household at `rank` or above (the grade never falls as the credit score rises),
        leaving `without` out of its entries when given."""
        lo, hi = 0, len(totals)
        while lo < hi:
            mid = (lo + hi) // 2
            if grade_rank(self._grade(ledger, totals[mid], on, without)) >= rank:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _combos(self) -> list[tuple[dict[str, str], int, dict[str, float]]]:
        """Plausible answers to the free indicators: (answers, points, weight by target)."""
        indicators = [self.scheme.credit_indicator(code) for code in _FREE_INDICATORS]
        combos = []
        for levels in itertools.product(*(range(len(ind.options)) for ind in indicators)):
            appraisal, total, net, income, deposits, repayment = levels
            # Net assets no better than total assets; income and deposits near them.
            if net < total or abs(income - total) > 1 or abs(deposits - income) > 1:
                continue
            answers = {
                ind.code: ind.options[level].code
                for ind, level in zip(indicators, levels, strict=True)
            }
            points = int(
                sum(
                    ind.options[level].points for ind, level in zip(indicators, levels, strict=True)
                )
            )
            weights = {}
            for target in (*(g for g, _ in PILOT_SHAPE), VETO):
                w = _APPRAISAL_WEIGHTS[target][appraisal] * _REPAYMENT_WEIGHTS[target][repayment]
                for level in (total, net, income, deposits):
                    w *= _WEALTH_WEIGHTS[target][level]
                weights[target] = w
            combos.append((answers, points, weights))
        return combos

    def _credit(self) -> None:
        rng = self.rng
        combos = self._combos()
        size = self.scheme.credit_indicator("household_size")
        workers = self.scheme.credit_indicator("workers")
        n = len(self.ledgers)
        for index, ledger in enumerate(self.ledgers):
            on = CREDIT_FROM + timedelta(days=index * CREDIT_DAYS // max(n, 1))
            people = len(ledger.members)
            working = sum(1 for p in ledger.members if 18 <= _age(p) <= 60)
            fixed = {
                "household_size": "3plus" if people >= 3 else str(max(people, 1)),
                "workers": "3plus" if working >= 3 else str(working),
            }
            fixed_points = int(
                next(o.points for o in size.options if o.code == fixed["household_size"])
                + next(o.points for o in workers.options if o.code == fixed["workers"])
            )
            target = ledger.target
            totals = sorted({fixed_points + c[1] for c in combos})
            if target == VETO:
                allowed = set(totals)
            else:
                rank = grade_rank(target)
                first = self._first_total(ledger, totals, on, rank)
                # The disputed deduction's household keeps its grade once the
                # deduction is reversed: the bound comes from the grade without it.
                beyond = self._first_total(ledger, totals, on, rank + 1, ledger.disputed)
                if first < beyond:
                    allowed = set(totals[first:beyond])
                elif first >= len(totals):
                    allowed = {totals[-1]}  # out of reach: the best the household can get
                else:
                    allowed = {totals[max(beyond - 1, 0)]} if beyond > 0 else {totals[0]}
            fitting = [c for c in combos if fixed_points + c[1] in allowed]
            weights = [c[2][target] for c in fitting]
            if not any(weights):
                weights = [1.0] * len(fitting)
            answers = rng.choices(fitting, weights)[0][0]
            self.answers[ledger.household.pk] = {**fixed, **answers}
            self.assessed_on[ledger.household.pk] = on
            scores = engine.credit_area_scores(self.scheme, self.answers[ledger.household.pk])
            credit = engine.CreditAssessment(assessed_on=on, area_scores=scores)
            self.final_grades[ledger.household.pk] = engine.grade_household(
                self.scheme, self._facts(ledger, credit), DEMO_AS_OF
            ).grade


def _write_credit(
    ledger: _LedgerPlanner, officer: User, assessed: set[int], result: BuildResult
) -> None:
    """One 双基 assessment per household, through the service, as the credit officer."""
    for lg in ledger.ledgers:
        household = lg.household
        if household.pk in assessed:
            continue
        assessment_record(
            actor=officer, household=household, period=CREDIT_PERIOD, assessed_on=ledger.assessed_on[household.pk],
            answers=ledger.answers[household.pk],
        )  # fmt: skip
        result.assessments += 1


def _write_entries(
    ledger: _LedgerPlanner,
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

    def row(d: _Draft) -> Entry:
        return Entry(
            household=d.household, person=d.person, scheme_version=version, item_code=d.item.code, item_name=d.item.name,
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
            entry=rows[id(d)], approved=d.decision == "approve", reason=d.reject_reason, reviewer=users[d.reviewer],
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
            "reversals": result.reversals, "period": f"{LEDGER_FROM}–{DEMO_AS_OF}",
        },
    )  # fmt: skip


# --- the rating cycles --------------------------------------------------------------
#
# 大贵口村's cycle of the demo's year, finished through the real services with past
# dates (see "the cycle's calendar" below): computed as of DEMO_AS_OF, two grade
# adjustments in the committee's review (one down, one up: the distribution stays
# the pilot's), the review meeting, seven days of public notice with three appeals
# (one upheld: the disputed deduction is reversed and the household recomputed
# without leaving its grade), final the day after the window, a few certificates,
# and a veto after the final that lowers one household at once (动态调整) and revokes
# its certificate. Then next year's cycle, opened and waiting. Timestamps the
# services take no argument for (adjustments, the meeting record, certificates) are
# the build's own moment.


def _cycle_day(days: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment `days` after DEMO_AS_OF, at hour:minute, in the project's time zone."""
    return datetime.combine(
        DEMO_AS_OF + timedelta(days=days),
        time(hour, minute),
        tzinfo=timezone.get_default_timezone(),
    )


# The cycle's calendar, in days after the cut-off (DEMO_AS_OF).
COMPUTED_DAY = 1
REVIEW_DAY = 1
MEETING_DAY = 5
NOTICE_DAY = 7  # the notice runs 7 days, NOTICE_DAY to NOTICE_DAY + 6
FINAL_DAY = NOTICE_DAY + 7  # the day after the window
VETO_DAY = FINAL_DAY + 4  # < CYCLE_DAYS: in the past whenever the demo is built
assert VETO_DAY < CYCLE_DAYS

CYCLE_PERIOD = str(DEMO_AS_OF.year)
NEXT_PERIOD = str(DEMO_AS_OF.year + 1)
NEXT_CUT_OFF = DEMO_AS_OF.replace(year=DEMO_AS_OF.year + 1)

_ADJUST_DOWN = "群众反映该户长期占用村道堆放建材和柴草，影响通行，经村干部多次劝导仍未清理；评信团讨论认为评为2A偏高，下调一级。"
_ADJUST_UP = "汛期户主主动参加巡堤值守三天，因未在值守签到表上登记而没有积分；经评信团向值班干部核实属实，上调一级。"
_MEETING_DECISION = "同意本年度评定结果及两项等级调整（一户下调、一户上调），自 {day.year}年{day.month}月{day.day}日起在村务公开栏和平台上公示 7 天。"


@dataclass(frozen=True)
class DemoAppeal:
    """One appeal of the finished demo cycle, for the command's summary."""

    household: str  # 户号
    kind: str  # AppealKind label
    filed_by: str  # username
    on_behalf: bool
    upheld: bool
    decided_by: str
    grade: str  # the household's grade after the answer


def _build_cycles(regions: dict[tuple[str, ...], Region], result: BuildResult) -> None:
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
    if not Cycle.objects.filter(village=village, period=CYCLE_PERIOD).exists():
        _finish_cycle(village, users, result)
    if not Cycle.objects.filter(village=village, period=NEXT_PERIOD).exists():
        cycle_open(
            actor=users["tuanzhang"], village=village, period=NEXT_PERIOD, cut_off=NEXT_CUT_OFF
        )
        result.cycles += 1


def _finish_cycle(village: Region, users: dict[str, User], result: BuildResult) -> None:
    from sanxin.ratings.models import Cycle, CycleState, Rating
    from sanxin.ratings.selectors import effective_grades
    from sanxin.ratings.services import appeals, certificates, review
    from sanxin.ratings.services.cycles import cycle_advance, cycle_compute, cycle_open
    from sanxin.ratings.services.vetoes import veto_record

    head, deputy = users["tuanzhang"], users["futuanzhang"]
    cycle = cycle_open(
        actor=head,
        village=village,
        period=CYCLE_PERIOD,
        cut_off=DEMO_AS_OF,
        today=DEMO_AS_OF + timedelta(days=COMPUTED_DAY),
    )
    cycle_compute(actor=head, cycle=cycle)
    # Opening and computing stamp the build's moment; the cycle's own timeline says
    # it was opened and computed the day after the cut-off.
    Cycle.objects.filter(pk=cycle.pk).update(
        created_at=_cycle_day(COMPUTED_DAY, 8, 30), computed_at=_cycle_day(COMPUTED_DAY, 8, 40)
    )
    cycle = cycle_advance(
        actor=head,
        cycle=cycle,
        to_state=CycleState.REVIEW,
        today=DEMO_AS_OF + timedelta(days=REVIEW_DAY),
        at=_cycle_day(REVIEW_DAY, 9, 10),
    )
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
        for rating, to_grade, reason in ((down, "A", _ADJUST_DOWN), (up, "2A", _ADJUST_UP)):
            adjustment = review.adjustment_propose(
                actor=proposer,
                cycle=cycle,
                household=rating.household,
                to_grade=to_grade,
                reason=reason,
            )
            review.adjustment_decide(actor=head, adjustment=adjustment, confirm=True)
            result.adjustments += 1
    present = [users[name].pk for name in ("tuanzhang", "futuanzhang", "chengyuan1", "chengyuan2")]
    notice_on = DEMO_AS_OF + timedelta(days=NOTICE_DAY)
    review.review_close(
        actor=head, cycle=cycle, held_on=DEMO_AS_OF + timedelta(days=MEETING_DAY), present_user_ids=present,
        decision=_MEETING_DECISION.format(day=notice_on),
    )  # fmt: skip
    cycle = cycle_advance(
        actor=head,
        cycle=cycle,
        to_state=CycleState.NOTICE,
        today=notice_on,
        at=_cycle_day(NOTICE_DAY, 8, 30),
    )

    # Appeals in the window. 1) A villager disputes the household's 六齐 deduction; a
    # member other than its recorder upholds it (the entry is reversed and the
    # household recomputed, keeping its grade).
    entry = _disputed_entry(cycle, list(villagers), ratings)
    filer = None
    if entry is not None:
        filer = villagers[entry.household_id]
        appeal = appeals.appeal_file(
            actor=filer, cycle=cycle, household=entry.household, kind="entry", entry=entry,
            reason=f"{entry.occurred_on.month}月{entry.occurred_on.day}日“六齐”检查说我家院内柴草杂物乱堆，扣了 {(-entry.points).normalize():f} 分。那天院里堆的柴草是邻居家翻盖房子临时借放的，第二天就挪走了，不是我家乱堆。",
            evidence_text="邻居可以作证；挪走后的院子照片在手机里，可交分团长核对。",
            today=notice_on + timedelta(days=1), at=_cycle_day(NOTICE_DAY + 1, 19, 25),
        )  # fmt: skip
        decider = next(
            u for u in (deputy, users["chengyuan2"], head) if not appeals.cannot_decide(u, appeal)
        )
        decision = appeals.appeal_decide(
            actor=decider, appeal=appeal, upheld=True, at=_cycle_day(NOTICE_DAY + 4, 10, 15),
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
            today=notice_on + timedelta(days=2), at=_cycle_day(NOTICE_DAY + 2, 15, 40),
        )  # fmt: skip
        appeals.appeal_decide(
            actor=head, appeal=appeal, upheld=False, at=_cycle_day(NOTICE_DAY + 5, 9, 30),
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
            today=notice_on + timedelta(days=3), at=_cycle_day(NOTICE_DAY + 3, 20, 5),
        )  # fmt: skip
        decider = next(
            u for u in (users["chengyuan1"], deputy, head) if not appeals.cannot_decide(u, appeal)
        )
        appeals.appeal_decide(
            actor=decider, appeal=appeal, upheld=False, at=_cycle_day(NOTICE_DAY + 5, 14, 0),
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

    final_on = DEMO_AS_OF + timedelta(days=FINAL_DAY)
    cycle = cycle_advance(
        actor=head,
        cycle=cycle,
        to_state=CycleState.FINAL,
        today=final_on,
        at=_cycle_day(FINAL_DAY, 9, 0),
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
    for rating in best[:2]:
        issued.append((head, rating.household))
    for actor, household in issued:
        certificates.certificate_issue(
            actor=actor, household=household, today=final_on + timedelta(days=1)
        )
        result.certificates += 1
    if len(best) >= 2:
        veto_on = DEMO_AS_OF + timedelta(days=VETO_DAY)
        veto_record(
            actor=users[CREDIT_LOGIN], household=best[1].household, rule_code="loan.malicious_default", starts_on=veto_on,
            evidence_text=f"信用社催收通知书（{veto_on.year}）第 17 号：5 万元信用贷款逾期 95 天，三次上门催收仍拒不还款。", today=veto_on,
        )  # fmt: skip
        result.veto_events += 1


def _gap(rating) -> str:
    """'，距4A还差 1.5 分' from a rating's frozen result ('' at the top grade)."""
    short, grade = rating.result.get("points_to_next_grade"), rating.result.get("next_grade")
    if not short or not grade:
        return ""
    return f"，距{GRADE_LABELS.get(grade, grade)}还差 {Decimal(short).normalize():f} 分"


def _disputed_entry(cycle, households: list[int], ratings) -> Entry | None:
    """The planned disputed deduction (DISPUTED_ITEM on DISPUTED_ON) of one of the
    villagers' households, counted in the cycle, if its reversal leaves the
    household's grade as it is (so the final distribution stays the pilot's)."""
    from sanxin.ledger.selectors import household_facts

    version = scheme_for_village(cycle.village, cycle.cut_off)
    candidates = (
        Entry.objects.filter(
            household_id__in=households, item_code=DISPUTED_ITEM, occurred_on=DISPUTED_ON, review__approved=True,
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


def grade_distribution(village: Region, as_of: date = DEMO_AS_OF) -> Counter[str]:
    """The provisional grades of a village's households as of a date, by the same
    selector the household pages use."""
    from sanxin.ledger.selectors import household_grade

    grades: Counter[str] = Counter()
    for household in Household.objects.filter(village=village).select_related("village"):
        graded = household_grade(household, as_of)
        grades[graded.result.grade if graded.result else "unrated"] += 1
    return grades


GRADE_ORDER = ("5A", "4A", "3A", "2A", "A", "unrated")


def format_cycle_story(result: BuildResult) -> list[str]:
    """The finished cycle in a few lines, for the command's summary."""
    notice_on = DEMO_AS_OF + timedelta(days=NOTICE_DAY)
    lines = [
        f"评定周期：{PILOT_VILLAGE} {CYCLE_PERIOD} 年度已定级（截止 {DEMO_AS_OF:%Y-%m-%d}；"
        f"公示 {notice_on:%Y-%m-%d} 至 {notice_on + timedelta(days=6):%Y-%m-%d}；"
        f"{DEMO_AS_OF + timedelta(days=FINAL_DAY):%Y-%m-%d} 定级）：{format_grades(result.final_grades)}；"
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
        f"{NEXT_PERIOD} 年度评定周期已开启（截止 {NEXT_CUT_OFF:%Y-%m-%d}）。"
    )
    return lines


def format_grades(grades: Counter[str]) -> str:
    return "、".join(f"{GRADE_LABELS[g]} {grades[g]} 户" for g in GRADE_ORDER if grades.get(g))


# --- reset ------------------------------------------------------------------------


def reset_database(using: str = DEFAULT_DB_ALIAS) -> None:
    """Erase ALL data in the database, the append-only audit log included.

    In one transaction: drop the append-only triggers, flush every table, put the
    triggers back. Works on SQLite and PostgreSQL (both have transactional DDL).
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Deferred foreign-key checks pending in this transaction block TRUNCATE.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        tables = append_only.drop_triggers(using)
        with connection.cursor() as cursor:
            # Scheme versions in use are frozen (no DELETE); unfreeze them to erase them.
            cursor.execute("UPDATE rules_schemeversion SET in_use_since = NULL")
        call_command("flush", interactive=False, database=using, verbosity=0)
        append_only.create_triggers(tables, using)


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
