"""The invented people: 300 households of 大贵口村 and 20 of 下营子村, the same on
every run (`random.Random(SEED)`), with cadres and party members; and writing them
through the household services."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sanxin.households import services as hh
from sanxin.households.choices import CadrePost, PoliticalStatus
from sanxin.households.models import Household, Person
from sanxin.lib import crypto, idcard
from sanxin.regions.models import Region
from sanxin.web.demo.fixtures import (
    ID_REGION,
    NEIGHBOUR_HOUSEHOLDS,
    PILOT_HOUSEHOLDS,
    REFERENCE_YEAR,
    SEED,
)
from sanxin.web.demo.plan import Cadres, DemoPlan, PlannedHousehold, PlannedPerson, VillagePlan
from sanxin.web.demo.regions import (
    GROUP_NUMERALS,
    NEIGHBOUR_GROUP_WEIGHTS,
    NEIGHBOUR_VILLAGE,
    PILOT_GROUP_WEIGHTS,
    PILOT_VILLAGE,
)

if TYPE_CHECKING:
    from sanxin.web.demo.result import BuildResult


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


def spread(total: int, weights: tuple[int, ...]) -> list[int]:
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
    for g, size in enumerate(spread(households, weights)):
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


def age(person: Person) -> int:
    """A registered person's age, counted from REFERENCE_YEAR (as the plan was)."""
    return REFERENCE_YEAR - person.birth_date.year


def build_households(
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
        household = hh._household_create(
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
            hh._person_create(actor=None, household=household, data=data)
            result.people += 1
    hh.refresh_household_summary(created_ids)
