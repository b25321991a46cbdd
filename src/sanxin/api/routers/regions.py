"""地区: the regions in the caller's reach (district, towns, villages, villager groups)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from sanxin.accounts.scope import Perm
from sanxin.api.auth import get_or_404, require
from sanxin.api.errors import responses
from sanxin.api.pagination import Page, PageQuery, paginate
from sanxin.regions.choices import Level
from sanxin.regions.models import Region

router = Router(tags=["地区"])


class RegionOut(Schema):
    id: int
    name: str = Field(description="名称")
    level: Level = Field(description="层级：district 区、town 镇乡、village 村、group 村民小组")
    level_label: str = Field(description="层级的中文名称")
    kind: str = Field(description="类型（镇、乡、村、社区……）")
    code: str = Field(description="统计用区划代码（可为空）")
    parent_id: int | None = Field(description="上级地区")


class RegionFilters(Schema):
    level: Level | None = Field(None, description="只列出这一层级")
    parent: int | None = Field(None, description="只列出这个地区的直接下级")


def region_out(region: Region) -> dict:
    return {
        "id": region.pk,
        "name": region.name,
        "level": region.level,
        "level_label": str(Level(region.level).label),
        "kind": region.kind,
        "code": region.code or "",
        "parent_id": region.parent_id,
    }


@router.get(
    "/regions",
    response=responses(Page[RegionOut]),
    summary="地区列表",
    description="调用者辖区内的地区（与界面相同的范围），按区划树的顺序。村民只看到本村和本村民小组。",
)
def regions_list(request: HttpRequest, filters: Query[RegionFilters], page: Query[PageQuery]):
    regions = require(request).regions(Perm.VIEW_REGISTRY)
    if filters.level:
        regions = regions.filter(level=filters.level)
    if filters.parent is not None:
        regions = regions.filter(parent_id=filters.parent)
    return paginate(
        regions,
        page,
        order=("path", "id"),
        key="regions",
        items=lambda rs: list(map(region_out, rs)),
    )


@router.get(
    "/regions/{region_id}",
    response=responses(RegionOut),
    summary="地区详情",
    description="辖区以外的地区回答 404。",
)
def regions_detail(request: HttpRequest, region_id: int):
    return region_out(get_or_404(require(request).regions(Perm.VIEW_REGISTRY), region_id))
