"""The demo's region tree: 双滦区, its towns and villages (illustrative codes), and
the villager groups of the two demo villages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.regions.services import region_get_or_create

if TYPE_CHECKING:
    from sanxin.web.demo.result import BuildResult


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


def village_path(village: str) -> tuple[str, str, str]:
    return (DISTRICT_NAME, PILOT_TOWN, village)


def build_regions(result: BuildResult) -> dict[tuple[str, ...], Region]:
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


def build_groups(
    village_name: str, group_count: int, regions: dict[tuple[str, ...], Region], result: BuildResult
) -> list[Region]:
    """The villager groups of a demo village (added to `regions` by their path)."""
    village = regions[village_path(village_name)]
    groups = []
    for g in range(group_count):
        group, created = region_get_or_create(
            level=Level.GROUP, name=group_name(g), parent=village, sort_order=g + 1
        )
        result.regions += created
        regions[(*village_path(village_name), group.name)] = group
        groups.append(group)
    return groups
