"""The demo data set behind `sanxin demo-data`.

双滦区 with its towns and villages, the pilot village 大贵口村 in full (300
households of invented people in six villager groups), a small neighbouring village
下营子村 to try scoping, and one login per role. Everything is deterministic
(`random.Random(SEED)`), so every run invents the same people, and idempotent: what
already exists is left alone. The region codes are illustrative, not the official
statistical codes.

`DEMO_LOGINS` is the one list of demo logins and what each can do; the README's
table is kept in step with it (`demo_logins()`).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from sanxin.accounts.choices import Role
from sanxin.accounts.models import RoleAssignment, User
from sanxin.households import services as hh
from sanxin.households.choices import CadrePost, PoliticalStatus
from sanxin.households.models import Household, Person
from sanxin.lib import crypto, idcard
from sanxin.regions.models import Level, Region
from sanxin.regions.services import region_get_or_create

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
    DemoLogin("quadmin", Role.DISTRICT_ADMIN, _D, "查看和管理全区农户、导入花名册、查看完整身份证号、浏览审计日志", "区三信办管理员"),
    DemoLogin("zuzhibu", Role.DEPARTMENT_VIEWER, _D, "只读查看全区", "区委组织部"),
    DemoLogin("xinyongshe", Role.CREDIT_OFFICER, _T, "查看双塔山镇农户、查看完整身份证号", "双塔山信用社"),
    DemoLogin("zhenadmin", Role.TOWN_ADMIN, _T, "管理双塔山镇农户、导入花名册、查看完整身份证号", "双塔山镇管理员"),
    DemoLogin("tuanzhang", Role.COMMITTEE_HEAD, _V, "管理大贵口村农户、导入花名册、查看完整身份证号"),
    DemoLogin("futuanzhang", Role.COMMITTEE_DEPUTY, _V, "管理大贵口村农户、导入花名册", "周立华"),
    *(DemoLogin(f"chengyuan{i}", Role.COMMITTEE_MEMBER, _V, "查看大贵口村农户") for i in (1, 2, 3)),
    *(
        DemoLogin(f"fentuan{i + 1}", Role.SUBTEAM_MEMBER, (*_V, group_name(i)), "查看本村民小组农户")
        for i in range(6)
    ),
    DemoLogin("chaoshi", Role.SHOP_CLERK, _V, "查看大贵口村农户", "刘晓燕"),
    *(DemoLogin(f"cunmin{i}", Role.VILLAGER, _V, "查看本户信息") for i in (1, 2, 3)),
    DemoLogin(
        "linjuntuanzhang",
        Role.COMMITTEE_HEAD,
        (DISTRICT_NAME, PILOT_TOWN, NEIGHBOUR_VILLAGE),
        "管理下营子村农户、导入花名册、查看完整身份证号（看不到大贵口村）",
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
    plan: DemoPlan | None = field(default=None, repr=False)

    @property
    def changed(self) -> bool:
        return any((self.regions, self.households, self.people, self.users, self.assignments))


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
                user=user, role=login.role, region=region, household=household
            )
            result.assignments += created


# --- reset ------------------------------------------------------------------------


def append_only_tables(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The tables made append-only (AppendOnly) by applied migrations."""
    from django.db.migrations.loader import MigrationLoader

    from sanxin.lib.append_only import AppendOnly

    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    tables = []
    for key in sorted(loader.applied_migrations):
        migration = loader.graph.nodes.get(key)
        for op in getattr(migration, "operations", []):
            if isinstance(op, AppendOnly) and op.table not in tables:
                tables.append(op.table)
    return tables


def reset_database(using: str = DEFAULT_DB_ALIAS) -> None:
    """Erase ALL data in the database, the append-only audit log included.

    In one transaction: drop the append-only triggers, flush every table, put the
    triggers back. Works on SQLite and PostgreSQL (both have transactional DDL).
    """
    from sanxin.lib.append_only import _statements

    connection = connections[using]
    tables = append_only_tables(using)
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Deferred foreign-key checks pending in this transaction block TRUNCATE.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                for sql in _statements(connection.vendor, table)[1]:
                    cursor.execute(sql)
            # Scheme versions in use are frozen (no DELETE); unfreeze them to erase them.
            cursor.execute("UPDATE rules_schemeversion SET in_use_since = NULL")
        call_command("flush", interactive=False, database=using, verbosity=0)
        with connection.cursor() as cursor:
            for table in tables:
                for sql in _statements(connection.vendor, table)[0]:
                    cursor.execute(sql)


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
